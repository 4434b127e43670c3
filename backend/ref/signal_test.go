package ref

import (
	"math"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// sgClose checks a float tensor's shape and values within 1e-6 (float32
// outputs are rounded).
func sgClose(t *testing.T, what string, d ir.Data, shape []int, want ...float64) {
	t.Helper()
	x := d.(*ir.Tensor)
	if !slices.Equal(x.Shape, shape) || x.Len() != len(want) {
		t.Fatalf("%s: shape %v (%d values), want %v (%d values)", what, x.Shape, x.Len(), shape, len(want))
	}
	for i, w := range want {
		if math.Abs(x.Float64At(i)-w) > 1e-6 {
			t.Fatalf("%s: got %v, want %v", what, x.Float64s(), want)
		}
	}
}

func TestDFT(t *testing.T) {
	x := ir.FromSlice([]int{1, 4, 1}, []float64{1, 2, 3, 4})
	axis := ir.Scalar(int64(1))
	spec := sqMust(t, "DFT", nil, x, nil, axis)
	sgClose(t, "dft", spec, []int{1, 4, 2}, 10, 0, -2, 2, -2, 0, -2, -2)
	sgClose(t, "onesided", sqMust(t, "DFT", map[string]*ir.Attr{"onesided": ir.IntAttr(1)}, x, nil, axis), []int{1, 3, 2}, 10, 0, -2, 2, -2, 0)
	sgClose(t, "inverse", sqMust(t, "DFT", map[string]*ir.Attr{"inverse": ir.IntAttr(1)}, spec, nil, axis), []int{1, 4, 2}, 1, 0, 2, 0, 3, 0, 4, 0)
	// dft_length cuts (here) or zero-pads the signal.
	sgClose(t, "dft_length 2", sqMust(t, "DFT", nil, x, ir.Scalar(int64(2)), axis), []int{1, 2, 2}, 3, 0, -1, 0)
	sgClose(t, "dft_length 5 keeps DC", sqMust(t, "DFT", map[string]*ir.Attr{"onesided": ir.IntAttr(1)}, x, ir.Scalar(int64(5)), axis),
		[]int{1, 3, 2}, 10, 0, -4.045084971874737, -1.3143277802978344, 1.5450849718747366, -2.1266270208800995)
	// Default axis -2 on a [2, 2, 1] input transforms the middle axis,
	// per row.
	rows := ir.FromSlice([]int{2, 2, 1}, []float32{1, 1, 1, -1})
	sgClose(t, "default axis", sqMust(t, "DFT", nil, rows), []int{2, 2, 2}, 2, 0, 0, 0, 0, 0, 2, 0)

	_, err := sqRun(t, "DFT", nil, 1, x, nil, ir.Scalar(int64(2)))
	cfErr(t, "axis on the complex dim", err, "out of range")
	_, err = sqRun(t, "DFT", nil, 1, ir.FromSlice([]int{4, 3}, make([]float32, 12)))
	cfErr(t, "last dim 3", err, "want [..., 1]")
}

func TestSTFT(t *testing.T) {
	ones := make([]float32, 8)
	for i := range ones {
		ones[i] = 1
	}
	x := ir.FromSlice([]int{1, 8, 1}, ones)
	out := sqMust(t, "STFT", nil, x, ir.Scalar(int64(2)), nil, ir.Scalar(int64(4)))
	sgClose(t, "stft", out, []int{1, 3, 3, 2}, 4, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0)
	win := ir.FromSlice([]int{4}, []float32{0, 1, 0, 0})
	// The window keeps sample 1 only: every bin has magnitude 1.
	out = sqMust(t, "STFT", map[string]*ir.Attr{"onesided": ir.IntAttr(0)}, x, ir.Scalar(int64(4)), win)
	sgClose(t, "windowed", out, []int{1, 2, 4, 2}, 1, 0, 0, -1, -1, 0, 0, 1, 1, 0, 0, -1, -1, 0, 0, 1)
	_, err := sqRun(t, "STFT", nil, 1, x, ir.Scalar(int64(2)), win, ir.Scalar(int64(3)))
	cfErr(t, "length mismatch", err, "differs")
	_, err = sqRun(t, "STFT", nil, 1, x, ir.Scalar(int64(0)), win)
	cfErr(t, "zero step", err, "positive")
}

func TestWindows(t *testing.T) {
	sym := map[string]*ir.Attr{"periodic": ir.IntAttr(0)}
	sgClose(t, "hann periodic", sqMust(t, "HannWindow", nil, ir.Scalar(int64(4))), []int{4}, 0, 0.5, 1, 0.5)
	sgClose(t, "hann symmetric", sqMust(t, "HannWindow", sym, ir.Scalar(int32(3))), []int{3}, 0, 1, 0)
	sgClose(t, "hamming periodic", sqMust(t, "HammingWindow", nil, ir.Scalar(int64(2))), []int{2}, 4.0/46, 1)
	sgClose(t, "blackman symmetric", sqMust(t, "BlackmanWindow", sym, ir.Scalar(int64(3))), []int{3}, 0, 1, 0)
	w := sqMust(t, "HannWindow", map[string]*ir.Attr{"output_datatype": ir.IntAttr(int64(ir.Float64))}, ir.Scalar(int64(1)))
	sgClose(t, "size 1", w, []int{1}, 1)
	if w.(*ir.Tensor).DType != ir.Float64 {
		t.Errorf("output dtype %s", w.(*ir.Tensor).DType)
	}
	wantBuildErr(t, "wants one of i32, i64", "HannWindow", nil, ir.Scalar(float32(3)))
}

func TestMelWeightMatrix(t *testing.T) {
	// 8-point DFT at 8 kHz, 2 filters over 0-4 kHz: the filter edges land
	// on bins 0, 0, 1, 2.
	out := sqMust(t, "MelWeightMatrix", nil, ir.Scalar(int64(2)), ir.Scalar(int64(8)), ir.Scalar(int64(8000)),
		ir.Scalar(float32(0)), ir.Scalar(float32(4000)))
	sgClose(t, "mel", out, []int{5, 2}, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0)
	_, err := sqRun(t, "MelWeightMatrix", nil, 1, ir.Scalar(int64(0)), ir.Scalar(int64(8)), ir.Scalar(int64(8000)),
		ir.Scalar(float32(0)), ir.Scalar(float32(4000)))
	cfErr(t, "no bins", err, "positive")
}
