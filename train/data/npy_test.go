package data

import (
	"slices"
	"testing"

	"github.com/dlc-go/dlc/frontend/npy"
	"github.com/dlc-go/dlc/ir"
)

func writeNPY(t *testing.T, dir, name string, tn *ir.Tensor) string {
	t.Helper()
	b, err := npy.Encode(tn)
	if err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, dir, name, b)
}

func TestLoadNPY(t *testing.T) {
	dir := t.TempDir()
	x := &ir.Tensor{DType: ir.Uint8, Shape: []int{3, 2, 2}, Data: []uint8{0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255}}
	y := &ir.Tensor{DType: ir.Int64, Shape: []int{3}, Data: []int64{2, 0, 1}}
	fx, fy := writeNPY(t, dir, "x.npy", x), writeNPY(t, dir, "y.npy", y)
	m, err := LoadNPY(fx, fy, NPYOptions{SampleShape: []int{2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	gx, gy, _ := fillAll(m)
	if !slices.Equal(gx, []float32{0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255}) || !slices.Equal(gy, []int64{2, 0, 1}) || m.Labels().NumClasses != 3 {
		t.Fatalf("x %v y %v labels %+v", gx, gy, m.Labels())
	}

	// float32 features and float64 targets of shape [2]: regression.
	xf := &ir.Tensor{DType: ir.Float32, Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}
	yf := &ir.Tensor{DType: ir.Float64, Shape: []int{2, 2}, Data: []float64{0.5, 1.5, 2.5, 3.5}}
	r, err := LoadNPY(writeNPY(t, dir, "xf.npy", xf), writeNPY(t, dir, "yf.npy", yf), NPYOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rx, _, rt := fillAll(r)
	if !r.Labels().Regression || !slices.Equal(r.Labels().Shape, []int{2}) || !slices.Equal(rx, []float32{1, 2, 3, 4, 5, 6}) || !slices.Equal(rt, []float32{0.5, 1.5, 2.5, 3.5}) {
		t.Fatalf("regression: labels %+v x %v targets %v", r.Labels(), rx, rt)
	}
}

func TestNPYErrors(t *testing.T) {
	dir := t.TempDir()
	x := writeNPY(t, dir, "x.npy", &ir.Tensor{DType: ir.Float32, Shape: []int{3, 2}, Data: make([]float32, 6)})
	y2 := writeNPY(t, dir, "y2.npy", &ir.Tensor{DType: ir.Int32, Shape: []int{2}, Data: []int32{0, 1}})
	y3 := writeNPY(t, dir, "y3.npy", &ir.Tensor{DType: ir.Int32, Shape: []int{3}, Data: []int32{0, 1, 5}})
	y32 := writeNPY(t, dir, "y32.npy", &ir.Tensor{DType: ir.Int32, Shape: []int{3, 2}, Data: make([]int32, 6)})
	yb := writeNPY(t, dir, "yb.npy", &ir.Tensor{DType: ir.Bool, Shape: []int{3}, Data: make([]bool, 3)})
	flat := writeNPY(t, dir, "flat.npy", &ir.Tensor{DType: ir.Float32, Shape: []int{3}, Data: make([]float32, 3)})

	_, err := LoadNPY(dir+"/nope.npy", y3, NPYOptions{})
	wantErr(t, err, dir+"/nope.npy", "does not exist")
	_, err = LoadNPY(x, y2, NPYOptions{})
	wantErr(t, err, "features file "+x+" has 3 records but labels file "+y2+" has 2")
	_, err = LoadNPY(x, y3, NPYOptions{SampleShape: []int{4}})
	wantErr(t, err, x, "record shape 2, expected 4")
	_, err = LoadNPY(x, y3, NPYOptions{NumClasses: 3})
	wantErr(t, err, y3, "record 2", "class 5 outside [0, 3)")
	_, err = LoadNPY(x, y32, NPYOptions{})
	wantErr(t, err, y32, "expected scalar class labels")
	_, err = LoadNPY(x, yb, NPYOptions{})
	wantErr(t, err, yb, "dtype bool")
	_, err = LoadNPY(flat, y3, NPYOptions{})
	wantErr(t, err, flat, "shape 3")
	_, err = LoadNPY(writeTemp(t, dir, "junk.npy", []byte("not numpy at all")), y3, NPYOptions{})
	wantErr(t, err, "junk.npy", "not a .npy file")
}
