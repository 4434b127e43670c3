package ref

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func cpAttrs(kv ...any) map[string]*ir.Attr {
	m := map[string]*ir.Attr{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(*ir.Attr)
	}
	return m
}

func TestMaxPoolIndicesBothStorageOrders(t *testing.T) {
	x := cpF32([]int{1, 2, 2, 3},
		1, 2, 3, 4, 9, 2, // channel 0: max 9 at (1,1)
		7, 0, 0, 0, 0, 8) // channel 1: 7 at (0,0), 8 at (1,2)
	attrs := cpAttrs("kernel_shape", cpInts(2, 2))
	y := cpMust(t, "MaxPool", attrs, 2, x)
	cpCheck(t, "values", y[0], []int{1, 2, 1, 2}, []float64{9, 9, 7, 8})
	cpCheck(t, "row-major indices", y[1], []int{1, 2, 1, 2}, []float64{4, 4, 6, 11})
	if y[1].(*ir.Tensor).DType != ir.Int64 {
		t.Fatalf("indices dtype %s, want i64", y[1].(*ir.Tensor).DType)
	}
	attrs["storage_order"] = ir.IntAttr(1)
	y = cpMust(t, "MaxPool", attrs, 2, x)
	// Column-major within the 2x3 plane: (r, c) -> r + 2c, plus 6 per plane.
	cpCheck(t, "column-major indices", y[1], []int{1, 2, 1, 2}, []float64{3, 3, 6, 11})
}

func TestMaxPoolPadsCeilDilationSame(t *testing.T) {
	// Padding never wins a max, even against negative values.
	y := cpMust(t, "MaxPool", cpAttrs("kernel_shape", cpInts(2), "pads", cpInts(1, 1)), 1, cpF32([]int{1, 1, 3}, -1, -2, -3))
	cpCheck(t, "pads", y[0], []int{1, 1, 4}, []float64{-1, -1, -2, -3})
	x := cpF32([]int{1, 1, 5}, 1, 2, 3, 4, 5)
	y = cpMust(t, "MaxPool", cpAttrs("kernel_shape", cpInts(2), "strides", cpInts(2)), 1, x)
	cpCheck(t, "floor", y[0], []int{1, 1, 2}, []float64{2, 4})
	y = cpMust(t, "MaxPool", cpAttrs("kernel_shape", cpInts(2), "strides", cpInts(2), "ceil_mode", ir.IntAttr(1)), 1, x)
	cpCheck(t, "ceil", y[0], []int{1, 1, 3}, []float64{2, 4, 5})
	y = cpMust(t, "MaxPool", cpAttrs("kernel_shape", cpInts(2), "dilations", cpInts(3)), 1, cpF32([]int{1, 1, 5}, 5, 1, 1, 2, 9))
	cpCheck(t, "dilations", y[0], []int{1, 1, 2}, []float64{5, 9})
	x4 := cpF32([]int{1, 1, 4}, 1, 2, 3, 4)
	y = cpMust(t, "MaxPool", cpAttrs("kernel_shape", cpInts(2), "auto_pad", ir.StringAttr("SAME_UPPER")), 1, x4)
	cpCheck(t, "SAME_UPPER", y[0], []int{1, 1, 4}, []float64{2, 3, 4, 4})
	y = cpMust(t, "MaxPool", cpAttrs("kernel_shape", cpInts(2), "auto_pad", ir.StringAttr("SAME_LOWER")), 1, x4)
	cpCheck(t, "SAME_LOWER", y[0], []int{1, 1, 4}, []float64{1, 2, 3, 4})
}

func TestMaxPoolUint8(t *testing.T) {
	x := ir.FromSlice([]int{1, 1, 1, 3}, []uint8{200, 255, 3})
	y := cpMust(t, "MaxPool", cpAttrs("kernel_shape", cpInts(1, 2)), 1, x)
	got := y[0].(*ir.Tensor)
	if got.DType != ir.Uint8 {
		t.Fatalf("dtype %s, want u8", got.DType)
	}
	cpCheck(t, "uint8", got, []int{1, 1, 1, 2}, []float64{255, 255})
}

func TestAveragePool(t *testing.T) {
	x := cpF32([]int{1, 1, 3}, 1, 2, 3)
	attrs := cpAttrs("kernel_shape", cpInts(2), "pads", cpInts(1, 1))
	y := cpMust(t, "AveragePool", attrs, 1, x)
	cpCheck(t, "exclude pad", y[0], []int{1, 1, 4}, []float64{1, 1.5, 2.5, 3})
	attrs["count_include_pad"] = ir.IntAttr(1)
	y = cpMust(t, "AveragePool", attrs, 1, x)
	cpCheck(t, "include pad", y[0], []int{1, 1, 4}, []float64{0.5, 1.5, 2.5, 1.5})
	// The extra window of ceil_mode runs past the padding: only positions
	// inside the padded input count, even with count_include_pad.
	x5 := cpF32([]int{1, 1, 5}, 1, 2, 3, 4, 5)
	y = cpMust(t, "AveragePool", cpAttrs("kernel_shape", cpInts(2), "strides", cpInts(2), "ceil_mode", ir.IntAttr(1),
		"count_include_pad", ir.IntAttr(1)), 1, x5)
	cpCheck(t, "ceil", y[0], []int{1, 1, 3}, []float64{1.5, 3.5, 5})
	y = cpMust(t, "AveragePool", cpAttrs("kernel_shape", cpInts(2), "dilations", cpInts(2)), 1, x5)
	cpCheck(t, "dilations", y[0], []int{1, 1, 3}, []float64{2, 3, 4})
	// 3-D, float16.
	h := make([]uint16, 8)
	for i := range h {
		h[i] = ir.F32ToF16(float32(i))
	}
	y = cpMust(t, "AveragePool", cpAttrs("kernel_shape", cpInts(2, 2, 2)), 1, ir.FromBits(ir.Float16, []int{1, 1, 2, 2, 2}, h))
	if y[0].(*ir.Tensor).DType != ir.Float16 {
		t.Fatalf("dtype %s, want f16", y[0].(*ir.Tensor).DType)
	}
	cpCheck(t, "3-D f16", y[0], []int{1, 1, 1, 1, 1}, []float64{3.5})
}

func TestLpPool(t *testing.T) {
	x := cpF32([]int{1, 1, 2, 2}, 3, -4, 0, 0)
	y := cpMust(t, "LpPool", cpAttrs("kernel_shape", cpInts(1, 2)), 1, x)
	cpCheck(t, "p=2", y[0], []int{1, 1, 2, 1}, []float64{5, 0})
	y = cpMust(t, "LpPool", cpAttrs("kernel_shape", cpInts(1, 2), "p", ir.IntAttr(1)), 1, x)
	cpCheck(t, "p=1", y[0], []int{1, 1, 2, 1}, []float64{7, 0})
}

func TestGlobalPools(t *testing.T) {
	x := cpF32([]int{1, 2, 2, 2}, 1, 2, 3, 4, -1, -2, -3, -4)
	cpCheck(t, "avg", cpMust(t, "GlobalAveragePool", nil, 1, x)[0], []int{1, 2, 1, 1}, []float64{2.5, -2.5})
	cpCheck(t, "max", cpMust(t, "GlobalMaxPool", nil, 1, x)[0], []int{1, 2, 1, 1}, []float64{4, -1})
	cpCheck(t, "lp", cpMust(t, "GlobalLpPool", nil, 1, x)[0], []int{1, 2, 1, 1}, []float64{math.Sqrt(30), math.Sqrt(30)})
	cpCheck(t, "1-D", cpMust(t, "GlobalMaxPool", nil, 1, cpF32([]int{1, 1, 3}, 5, 7, 6))[0], []int{1, 1, 1}, []float64{7})
}

func TestMaxUnpoolInvertsMaxPool(t *testing.T) {
	x := cpF32([]int{1, 1, 2, 4}, 1, 8, 2, 3, 4, 5, 9, 7)
	attrs := cpAttrs("kernel_shape", cpInts(2, 2), "strides", cpInts(2, 2))
	p := cpMust(t, "MaxPool", attrs, 2, x)
	y := cpMust(t, "MaxUnpool", attrs, 1, p[0].(*ir.Tensor), p[1].(*ir.Tensor))
	cpCheck(t, "unpool", y[0], []int{1, 1, 2, 4}, []float64{0, 8, 0, 0, 0, 0, 9, 0})
	// A larger output_shape keeps each value's coordinates.
	y = cpMust(t, "MaxUnpool", attrs, 1, p[0].(*ir.Tensor), p[1].(*ir.Tensor), ir.FromSlice([]int{4}, []int64{1, 1, 3, 5}))
	cpCheck(t, "output_shape", y[0], []int{1, 1, 3, 5}, []float64{0, 8, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0})
	bad := ir.FromSlice([]int{1, 1, 1, 2}, []int64{1, 8})
	if _, err := cpRun(t, "MaxUnpool", attrs, 1, p[0].(*ir.Tensor), bad); err == nil {
		t.Error("index 8 of an 8-element output: want an error")
	}
}

func TestPoolGeometryErrors(t *testing.T) {
	x := cpF32([]int{1, 1, 3}, 1, 2, 3)
	for name, attrs := range map[string]map[string]*ir.Attr{
		"window too large": cpAttrs("kernel_shape", cpInts(4)),
		"kernel rank":      cpAttrs("kernel_shape", cpInts(2, 2)),
		"pads length":      cpAttrs("kernel_shape", cpInts(2), "pads", cpInts(1)),
		"auto_pad":         cpAttrs("kernel_shape", cpInts(2), "auto_pad", ir.StringAttr("SAME_MIDDLE")),
	} {
		if _, err := cpRun(t, "MaxPool", attrs, 1, x); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
