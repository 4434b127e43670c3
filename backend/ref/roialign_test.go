package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// roiRamp is a [1,1,4,4] map whose value at (y, x) is 4y + x, so every
// bilinear sample inside it is exactly 4y + x.
func roiRamp() *ir.Tensor {
	v := make([]float32, 16)
	for i := range v {
		v[i] = float32(i)
	}
	return nrmF32([]int{1, 1, 4, 4}, v...)
}

func roiAttrs(mode, ctm string, ratio int64) map[string]*ir.Attr {
	return map[string]*ir.Attr{"mode": ir.StringAttr(mode), "coordinate_transformation_mode": ir.StringAttr(ctm),
		"sampling_ratio": ir.IntAttr(ratio)}
}

func TestRoiAlign(t *testing.T) {
	x := roiRamp()
	rois := nrmF32([]int{1, 4}, 0, 0, 3, 3)
	b := ir.FromSlice([]int{1}, []int64{0})
	cases := []struct {
		name  string
		attrs map[string]*ir.Attr
		want  float64
	}{
		// half_pixel shifts the roi to [-0.5, 2.5]: one sample at 1.0.
		{"half_pixel", roiAttrs("avg", "half_pixel", 1), 5},
		{"output_half_pixel", roiAttrs("avg", "output_half_pixel", 1), 7.5},
		// Adaptive: ceil(3/1) = 3 samples per dim at 0, 1, 2.
		{"adaptive", roiAttrs("avg", "half_pixel", 0), 5},
		// max takes the largest weighted corner: 10 * 0.25 at (1.5, 1.5).
		{"max", roiAttrs("max", "output_half_pixel", 1), 2.5},
	}
	for _, c := range cases {
		out := nrmMust(t, "RoiAlign", c.attrs, 1, x, rois, b)
		nrmCheck(t, c.name, out[0], []int{1, 1, 1, 1}, c.want)
	}
	// 2x2 bins of roi [0,0,2,2] with one sample each at (0.5|1.5)^2.
	a := roiAttrs("avg", "output_half_pixel", 1)
	a["output_height"], a["output_width"] = ir.IntAttr(2), ir.IntAttr(2)
	out := nrmMust(t, "RoiAlign", a, 1, x, nrmF32([]int{1, 4}, 0, 0, 2, 2), b)
	nrmCheck(t, "2x2", out[0], []int{1, 1, 2, 2}, 2.5, 3.5, 6.5, 7.5)
}

func TestRoiAlignErrors(t *testing.T) {
	x := roiRamp()
	rois := nrmF32([]int{1, 4}, 0, 0, 3, 3)
	if _, err := nrmRun(t, "RoiAlign", nil, 1, x, rois, ir.FromSlice([]int{1}, []int64{1})); err == nil {
		t.Error("want an error for batch index 1 of a batch of 1")
	}
	if _, err := nrmRun(t, "RoiAlign", roiAttrs("min", "half_pixel", 0), 1, x, rois, ir.FromSlice([]int{1}, []int64{0})); err == nil {
		t.Error("want an error for mode min")
	}
}
