package data

import (
	"slices"
	"testing"
)

func TestSubsetAndReshape(t *testing.T) {
	m := toyImages(t, 10, []int{2, 3}, 4)
	s := Subset(m, 4)
	if s.Len() != 4 {
		t.Fatalf("subset len %d", s.Len())
	}
	if Subset(m, 0) != Dataset(m) || Subset(m, 99) != Dataset(m) {
		t.Fatal("Subset with n <= 0 or n >= Len should return the data set itself")
	}
	sx, sy, _ := fillAll(s)
	mx, my, _ := fillAll(m)
	if !slices.Equal(sx, mx[:4*6]) || !slices.Equal(sy, my[:4]) {
		t.Fatal("subset samples differ from the first samples")
	}
	r, err := Reshape(s, []int{1, 6})
	if err != nil {
		t.Fatal(err)
	}
	rx, _, _ := fillAll(r)
	if !slices.Equal(r.SampleShape(), []int{1, 6}) || !slices.Equal(rx, sx) {
		t.Fatalf("reshape: shape %v", r.SampleShape())
	}
	_, err = Reshape(m, []int{4})
	wantErr(t, err, "cannot reshape samples of shape 2x3 to 4")
}

func TestSplit(t *testing.T) {
	// Over 64 samples so view.Fill crosses a scratch chunk boundary.
	m := toyImages(t, 150, []int{2}, 7)
	tr, va, err := Split(m, 0.2, 42)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 120 || va.Len() != 30 {
		t.Fatalf("split sizes %d/%d, want 120/30", tr.Len(), va.Len())
	}
	// Each sample's first feature is 1000*index, so it identifies it.
	ids := func(ds Dataset) []int {
		x, y, _ := fillAll(ds)
		out := make([]int, ds.Len())
		for k := range out {
			out[k] = int(x[2*k]) / 1000
			if y[k] != int64(out[k]%7) {
				t.Fatalf("sample %d: label %d does not match its features", out[k], y[k])
			}
		}
		return out
	}
	all := append(ids(tr), ids(va)...)
	slices.Sort(all)
	if !slices.Equal(all, identity(150)) {
		t.Fatal("train and validation do not partition the data set")
	}
	tr2, va2, _ := Split(m, 0.2, 42)
	if !slices.Equal(ids(tr), ids(tr2)) || !slices.Equal(ids(va), ids(va2)) {
		t.Fatal("same seed gave different splits")
	}
	_, va3, _ := Split(m, 0.2, 43)
	if slices.Equal(ids(va), ids(va3)) {
		t.Fatal("different seeds gave the same validation set")
	}
	// A split of a split composes.
	a, b, err := Split(tr, 0.5, 1)
	if err != nil || a.Len()+b.Len() != 120 {
		t.Fatalf("nested split: %v %d+%d", err, a.Len(), b.Len())
	}
	for _, f := range []float64{-0.1, 1, 2} {
		_, _, err := Split(m, f, 0)
		wantErr(t, err, "outside [0, 1)")
	}
	tr0, va0, _ := Split(m, 0, 5)
	if va0.Len() != 0 || !slices.Equal(ids(tr0), identity(150)) {
		t.Fatal("fraction 0 should keep every sample in order")
	}
}
