package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func roiPoolAttrs(ph, pw int64, scale float32) map[string]*ir.Attr {
	return map[string]*ir.Attr{"pooled_shape": ir.IntsAttr(ph, pw), "spatial_scale": ir.FloatAttr(scale)}
}

// rpRamp is [1,1,4,4] with value 4y + x at (y, x): a bin's max is its
// bottom-right pixel, which pins down the bin edges.
func rpRamp() *ir.Tensor {
	v := make([]float32, 16)
	for i := range v {
		v[i] = float32(i)
	}
	return ir.FromSlice([]int{1, 1, 4, 4}, v)
}

func TestMaxRoiPool(t *testing.T) {
	x := rpRamp()
	rois := func(v ...float32) *ir.Tensor { return ir.FromSlice([]int{len(v) / 5, 5}, v) }
	// Roi [0,0]-[3,3] spans 4 pixels per dim: 2x2 bins of 2 pixels.
	xoClose(t, "whole map", xoMust(t, "MaxRoiPool", roiPoolAttrs(2, 2, 1), x, rois(0, 0, 0, 3, 3)),
		ir.Float32, []int{1, 1, 2, 2}, 5, 7, 13, 15)
	// Scale 0.5: corners 1 and 6 become round(0.5)=1 (half away from zero)
	// and 3, so pixels 1..3; 3 pixels in 2 bins of 1.5: bin 0 covers
	// [floor(0), ceil(1.5)) = [0,2), bin 1 [floor(1.5), ceil(3)) = [1,3),
	// offset by 1: rows/cols {1,2} and {2,3}.
	xoClose(t, "scaled and overlapping bins", xoMust(t, "MaxRoiPool", roiPoolAttrs(2, 2, 0.5), x, rois(0, 1, 1, 6, 6)),
		ir.Float32, []int{1, 1, 2, 2}, 10, 11, 14, 15)
	// A roi reaching past the map is clipped; one wholly outside has
	// empty bins, which pool to 0. Two rois give two output rows.
	xoClose(t, "clipped and empty", xoMust(t, "MaxRoiPool", roiPoolAttrs(1, 1, 1), x, rois(0, 2, 2, 10, 10, 0, 10, 10, 12, 12)),
		ir.Float32, []int{2, 1, 1, 1}, 15, 0)
	// Batch and channel selection: roi on image 1, both channels; a
	// 1x3 grid over a 1-pixel-high, 3-wide roi gives single pixels.
	v := make([]float64, 2*2*2*3)
	for i := range v {
		v[i] = float64(i)
	}
	xb := ir.FromSlice([]int{2, 2, 2, 3}, v)
	xoClose(t, "batch 1", xoMust(t, "MaxRoiPool", roiPoolAttrs(1, 3, 1), xb, ir.FromSlice([]int{1, 5}, []float64{1, 0, 1, 2, 1})),
		ir.Float64, []int{1, 2, 1, 3}, 15, 16, 17, 21, 22, 23)
	// Negative values: the max is not clamped at 0.
	neg := ir.FromSlice([]int{1, 1, 1, 2}, []float32{-3, -2})
	xoClose(t, "negative", xoMust(t, "MaxRoiPool", roiPoolAttrs(1, 1, 1), neg, rois(0, 0, 0, 1, 0)),
		ir.Float32, []int{1, 1, 1, 1}, -2)
}

func TestMaxRoiPoolErrors(t *testing.T) {
	x := rpRamp()
	xoErr(t, "MaxRoiPool", roiPoolAttrs(1, 1, 1), "batch index", x, ir.FromSlice([]int{1, 5}, []float32{1, 0, 0, 1, 1}))
	xoErr(t, "MaxRoiPool", roiPoolAttrs(1, 1, 1), "[num_rois, 5]", x, ir.FromSlice([]int{1, 4}, []float32{0, 0, 1, 1}))
	xoErr(t, "MaxRoiPool", map[string]*ir.Attr{"pooled_shape": ir.IntsAttr(2)}, "pooled_shape", x,
		ir.FromSlice([]int{1, 5}, []float32{0, 0, 0, 1, 1}))
	xoErr(t, "MaxRoiPool", roiPoolAttrs(1, 1, 1), "[N,C,H,W]", ir.FromSlice([]int{1, 4}, []float32{0, 1, 2, 3}),
		ir.FromSlice([]int{1, 5}, []float32{0, 0, 0, 1, 1}))
}
