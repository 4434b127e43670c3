package ref

import (
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Expected values come from the slicing definition of ONNX's reference
// (crop: x[d//2 : d//2+target]; pad: out[d//2 : d//2+dim] = x), evaluated
// with numpy.

func ccpAxes(axes ...int64) map[string]*ir.Attr {
	return map[string]*ir.Attr{"axes": ir.IntsAttr(axes...)}
}

func ccpIota(shape []int) *ir.Tensor {
	v := make([]int64, numElems(shape))
	for i := range v {
		v[i] = int64(i + 1)
	}
	return ir.FromSlice(shape, v)
}

func ccpExact(t *testing.T, what string, got *ir.Tensor, shape []int, want ...int64) {
	t.Helper()
	if got.DType != ir.Int64 || !slices.Equal(got.Shape, shape) {
		t.Fatalf("%s: got %s%v, want int64%v", what, got.DType, got.Shape, shape)
	}
	if !slices.Equal(ir.Values[int64](got), want) {
		t.Errorf("%s: got %v, want %v", what, ir.Values[int64](got), want)
	}
}

func shapeIn(v ...int64) *ir.Tensor { return ir.FromSlice([]int{len(v)}, v) }

func TestCenterCropPad(t *testing.T) {
	// Crop 10 -> 7: d = 3, keeps [1, 8): the odd element goes at the end.
	ccpExact(t, "crop 1-D", xoMust(t, "CenterCropPad", nil, ccpIota([]int{10}), shapeIn(7)), []int{7},
		2, 3, 4, 5, 6, 7, 8)
	// Pad [2,3] -> [5,4]: 1 row before, 2 after; 0 columns before, 1 after.
	x := ir.FromSlice([]int{2, 3}, []int64{1, 2, 3, 5, 6, 7})
	ccpExact(t, "pad 2-D", xoMust(t, "CenterCropPad", nil, x, shapeIn(5, 4)), []int{5, 4},
		0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	// Crop rows 4 -> 3 (drop the last) while padding columns 2 -> 4.
	ccpExact(t, "crop and pad", xoMust(t, "CenterCropPad", nil, ccpIota([]int{4, 2}), shapeIn(3, 4)), []int{3, 4},
		0, 1, 2, 0, 0, 3, 4, 0, 0, 5, 6, 0)
	// axes: only the last axis, 5 -> 2 keeps columns 1 and 2.
	ccpExact(t, "negative axis", xoMust(t, "CenterCropPad", ccpAxes(-1), ccpIota([]int{3, 5}), shapeIn(2)), []int{3, 2},
		2, 3, 7, 8, 12, 13)
	// Non-adjacent axes of a 3-D tensor; axis 1 untouched.
	ccpExact(t, "axes 0,2", xoMust(t, "CenterCropPad", ccpAxes(0, 2), ccpIota([]int{2, 3, 4}), shapeIn(5, 1)), []int{5, 3, 1},
		0, 0, 0, 2, 6, 10, 14, 18, 22, 0, 0, 0, 0, 0, 0)
	// Same size is the identity; int32 shape input is accepted.
	same := xoMust(t, "CenterCropPad", nil, ccpIota([]int{2, 2}), ir.FromSlice([]int{2}, []int32{2, 2}))
	ccpExact(t, "identity", same, []int{2, 2}, 1, 2, 3, 4)
	// Strings pad with "".
	s := xoMust(t, "CenterCropPad", nil, ir.FromSlice([]int{1}, []string{"a"}), shapeIn(3))
	if got := ir.Values[string](s); !slices.Equal(got, []string{"", "a", ""}) {
		t.Errorf("string pad: got %q", got)
	}
	// Float data, and the 20x10x3 -> 10x7x3 case of ONNX's own test:
	// the result is x[5:15, 1:8, :].
	f := make([]float32, 20*10*3)
	for i := range f {
		f[i] = float32(i)
	}
	got := xoMust(t, "CenterCropPad", nil, ir.FromSlice([]int{20, 10, 3}, f), shapeIn(10, 7, 3))
	if !slices.Equal(got.Shape, []int{10, 7, 3}) {
		t.Fatalf("onnx crop: shape %v", got.Shape)
	}
	for i := range 10 {
		for j := range 7 {
			for k := range 3 {
				if g, w := got.Float64At((i*7+j)*3+k), float64(((i+5)*10+j+1)*3+k); g != w {
					t.Fatalf("onnx crop [%d %d %d] = %v, want %v", i, j, k, g, w)
				}
			}
		}
	}
}

func TestCenterCropPadErrors(t *testing.T) {
	x := ccpIota([]int{2, 3})
	xoErr(t, "CenterCropPad", nil, "2 axes", x, shapeIn(1))
	xoErr(t, "CenterCropPad", nil, "negative", x, shapeIn(1, -1))
	xoErr(t, "CenterCropPad", ccpAxes(0, -2), "repeated", x, shapeIn(1, 1))
	xoErr(t, "CenterCropPad", ccpAxes(2), "out of range", x, shapeIn(1))
	xoErr(t, "CenterCropPad", nil, "wants one of i32, i64", x, ir.FromSlice([]int{2}, []float32{1, 1}))
}
