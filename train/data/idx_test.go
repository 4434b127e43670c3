package data

import (
	"slices"
	"testing"
)

func TestReadIDXRoundTrip(t *testing.T) {
	cases := []struct {
		typ  IDXType
		vals []float64
	}{
		{IDXUbyte, seq(24, 0, 10)},
		{IDXSbyte, seq(24, -12, 5)},
		{IDXShort, seq(24, -30000, 2500)},
		{IDXInt, seq(24, -2e9, 1.7e8)},
		{IDXFloat, seq(24, -1.5, 0.125)},
		{IDXDouble, seq(24, -3.25, 1.0/3)},
	}
	dims := []int{2, 3, 4}
	for _, c := range cases {
		for _, gz := range []bool{false, true} {
			b := encodeIDX(c.typ, dims, c.vals)
			name := c.typ.String() + ".idx"
			if gz {
				b, name = gzipBytes(t, b), name+".gz"
			}
			a, err := ReadIDX(writeTemp(t, t.TempDir(), name, b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if a.Type != c.typ || !slices.Equal(a.Dims, dims) {
				t.Fatalf("%s: got %s %v, want %s %v", name, a.Type, a.Dims, c.typ, dims)
			}
			got := a.Float32s()
			for i, v := range c.vals {
				if a.At(i) != wantIDXValue(c.typ, v) {
					t.Fatalf("%s: element %d = %v, want %v", name, i, a.At(i), wantIDXValue(c.typ, v))
				}
				if got[i] != float32(wantIDXValue(c.typ, v)) {
					t.Fatalf("%s: float32 element %d = %v, want %v", name, i, got[i], v)
				}
			}
		}
	}
}

// wantIDXValue is v as stored in the given type.
func wantIDXValue(t IDXType, v float64) float64 {
	if t == IDXFloat {
		return float64(float32(v))
	}
	return v
}

func TestLoadIDX(t *testing.T) {
	dir := t.TempDir()
	imgVals := seq(5*3*2, 0, 7)
	img := writeTemp(t, dir, "img.gz", gzipBytes(t, encodeIDX(IDXUbyte, []int{5, 3, 2}, imgVals)))
	lab := writeTemp(t, dir, "lab", encodeIDX(IDXUbyte, []int{5}, []float64{3, 0, 1, 3, 2}))
	m, err := LoadIDX(img, lab, IDXOptions{SampleShape: []int{3, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 5 || !slices.Equal(m.SampleShape(), []int{3, 2}) || m.Labels().NumClasses != 4 || m.Labels().Regression {
		t.Fatalf("got len %d shape %v labels %+v", m.Len(), m.SampleShape(), m.Labels())
	}
	x, y, _ := fillAll(m)
	for i, v := range imgVals {
		if x[i] != float32(byte(v)) {
			t.Fatalf("pixel %d = %v, want %v", i, x[i], byte(v))
		}
	}
	if !slices.Equal(y, []int64{3, 0, 1, 3, 2}) {
		t.Fatalf("labels %v", y)
	}

	// Float labels are regression targets with the labels' record shape.
	tg := writeTemp(t, dir, "targets", encodeIDX(IDXDouble, []int{5, 2}, seq(10, 0.5, 1)))
	r, err := LoadIDX(img, tg, IDXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, targets := fillAll(r)
	if !r.Labels().Regression || !slices.Equal(r.Labels().Shape, []int{2}) || targets[9] != 9.5 {
		t.Fatalf("regression: labels %+v targets %v", r.Labels(), targets)
	}
}

func TestIDXErrors(t *testing.T) {
	dir := t.TempDir()
	good := encodeIDX(IDXUbyte, []int{4, 2, 2}, seq(16, 0, 1))
	img := writeTemp(t, dir, "img", good)
	lab3 := writeTemp(t, dir, "lab3", encodeIDX(IDXUbyte, []int{3}, []float64{0, 1, 2}))
	lab4 := writeTemp(t, dir, "lab4", encodeIDX(IDXUbyte, []int{4}, []float64{0, 1, 2, 1}))

	_, err := ReadIDX(dir + "/missing.idx")
	wantErr(t, err, dir+"/missing.idx", "does not exist")

	_, err = ReadIDX(writeTemp(t, dir, "magic", append([]byte{1, 2, 8, 3}, good[4:]...)))
	wantErr(t, err, "magic", "not an IDX file", "01 02 08 03")

	_, err = ReadIDX(writeTemp(t, dir, "type", append([]byte{0, 0, 0x0a, 3}, good[4:]...)))
	wantErr(t, err, "type", "element type 0x0a")

	_, err = ReadIDX(writeTemp(t, dir, "short", good[:2]))
	wantErr(t, err, "short", "truncated IDX header")

	_, err = ReadIDX(writeTemp(t, dir, "dims", good[:9]))
	wantErr(t, err, "dims", "truncated IDX header", "5 of 12 dimension bytes")

	for _, gz := range []bool{false, true} {
		b := good[:len(good)-1]
		if gz {
			b = gzipBytes(t, b)
		}
		p := writeTemp(t, dir, "trunc", b)
		_, err = ReadIDX(p)
		wantErr(t, err, p, "truncated", "4 records of 2x2 ubyte (16 data bytes)", "has 15")
	}

	_, err = ReadIDX(writeTemp(t, dir, "long", append(good, 0)))
	wantErr(t, err, "long", "more data follows")

	// A corrupt gzip stream is an error, not a short read.
	z := gzipBytes(t, good)
	z[len(z)/2] ^= 0xff
	_, err = ReadIDX(writeTemp(t, dir, "corrupt.gz", z))
	wantErr(t, err, "corrupt.gz")

	_, err = LoadIDX(img, lab3, IDXOptions{})
	wantErr(t, err, "images file "+img+" has 4 records but labels file "+lab3+" has 3")

	_, err = LoadIDX(img, lab4, IDXOptions{SampleShape: []int{28, 28}})
	wantErr(t, err, img, "record shape 2x2, expected 28x28")

	_, err = LoadIDX(img, lab4, IDXOptions{NumClasses: 2})
	wantErr(t, err, lab4, "record 2", "class 2 outside [0, 2)")

	neg := writeTemp(t, dir, "neg", encodeIDX(IDXSbyte, []int{4}, []float64{0, -1, 2, 1}))
	_, err = LoadIDX(img, neg, IDXOptions{})
	wantErr(t, err, neg, "record 1", "class -1")

	_, err = LoadIDX(img, img, IDXOptions{})
	wantErr(t, err, img, "expected scalar class labels")
}

func TestLoadMNISTNames(t *testing.T) {
	dir := t.TempDir()
	// Plain images beside gzip labels: each file is found either way.
	writeTemp(t, dir, "t10k-images-idx3-ubyte", encodeIDX(IDXUbyte, []int{2, 28, 28}, seq(2*28*28, 0, 1)))
	writeTemp(t, dir, "t10k-labels-idx1-ubyte.gz", gzipBytes(t, encodeIDX(IDXUbyte, []int{2}, []float64{9, 4})))
	m, err := LoadMNIST(dir, "t10k")
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 || m.Labels().NumClasses != 10 || m.Classes[0] != 9 || m.X[300] != 300%256 {
		t.Fatalf("got %d samples, labels %+v %v", m.Len(), m.Labels(), m.Classes)
	}
	_, err = LoadMNIST(dir, "train")
	wantErr(t, err, dir, "neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz exists")
	_, err = LoadMNIST(dir, "test")
	wantErr(t, err, `"test" is neither`)
}
