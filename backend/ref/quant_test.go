package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestQuantizeLinearPerTensor(t *testing.T) {
	x := cpF32([]int{6}, 0, 1, 2.5, 3.5, -1, 1000)
	y := cpMust(t, "QuantizeLinear", nil, 1, x, ir.Scalar(float32(1)))[0].(*ir.Tensor)
	if y.DType != ir.Uint8 {
		t.Fatalf("no zero point: dtype %s, want u8", y.DType)
	}
	// Ties go to even; out-of-range values saturate.
	cpCheck(t, "uint8", y, []int{6}, []float64{0, 1, 2, 4, 0, 255})
	y = cpMust(t, "QuantizeLinear", nil, 1, x, ir.Scalar(float32(0.5)), ir.Scalar(int8(-1)))[0].(*ir.Tensor)
	if y.DType != ir.Int8 {
		t.Fatalf("int8 zero point: dtype %s, want i8", y.DType)
	}
	cpCheck(t, "int8", y, []int{6}, []float64{-1, 1, 4, 6, -3, 127})
	y = cpMust(t, "QuantizeLinear", cpAttrs("output_dtype", ir.IntAttr(int64(ir.Int16))), 1, x, ir.Scalar(float32(0.01)))[0].(*ir.Tensor)
	cpCheck(t, "output_dtype int16", y, []int{6}, []float64{0, 100, 250, 350, -100, 32767})
}

func TestQuantizeLinearPerAxisAndBlocked(t *testing.T) {
	x := cpF32([]int{2, 3}, 1, 2, 4, 8, 8, 8)
	scale := cpF32([]int{3}, 1, 2, 4)
	zp := ir.FromSlice([]int{3}, []uint8{0, 1, 2})
	y := cpMust(t, "QuantizeLinear", nil, 1, x, scale, zp)
	cpCheck(t, "axis 1", y[0], []int{2, 3}, []float64{1, 2, 3, 8, 5, 4})
	y = cpMust(t, "QuantizeLinear", cpAttrs("axis", ir.IntAttr(0)), 1, x, cpF32([]int{2}, 1, 8))
	cpCheck(t, "axis 0", y[0], []int{2, 3}, []float64{1, 2, 4, 1, 1, 1})
	// Blocks of 2 along axis 1 (3 columns -> 2 blocks, the last partial).
	y = cpMust(t, "QuantizeLinear", cpAttrs("block_size", ir.IntAttr(2)), 1, x, cpF32([]int{2, 2}, 1, 4, 2, 8))
	cpCheck(t, "blocked", y[0], []int{2, 3}, []float64{1, 2, 1, 4, 4, 1})
	if _, err := cpRun(t, "QuantizeLinear", nil, 1, x, cpF32([]int{2}, 1, 2)); err == nil {
		t.Error("per-axis scale of 2 for axis of 3: want an error")
	}
}

func TestDequantizeLinear(t *testing.T) {
	x := ir.FromSlice([]int{2, 2}, []int8{-128, 0, 10, 127})
	y := cpMust(t, "DequantizeLinear", nil, 1, x, cpF32([]int{2}, 0.5, 2), ir.FromSlice([]int{2}, []int8{0, 10}))
	if y[0].(*ir.Tensor).DType != ir.Float32 {
		t.Fatalf("dtype %s, want f32", y[0].(*ir.Tensor).DType)
	}
	cpCheck(t, "per-axis", y[0], []int{2, 2}, []float64{-64, -20, 5, 234})
	x32 := ir.FromSlice([]int{2}, []int32{-1 << 20, 3})
	// The output has the scale's dtype (ONNX scales are f32, f16 or bf16).
	y = cpMust(t, "DequantizeLinear", nil, 1, x32, ir.Scalar(float32(2)))
	if y[0].(*ir.Tensor).DType != ir.Float32 {
		t.Fatalf("dtype %s, want the scale's f32", y[0].(*ir.Tensor).DType)
	}
	cpCheck(t, "int32, no zero point", y[0], []int{2}, []float64{-1 << 21, 6})
}

func TestDynamicQuantizeLinear(t *testing.T) {
	y := cpMust(t, "DynamicQuantizeLinear", nil, 3, cpF32([]int{4}, 0, 2, -1, 4))
	// Range [-1, 4]: scale 5/255, zero point 51.
	cpCheck(t, "y", y[0], []int{4}, []float64{51, 153, 0, 255})
	cpCheck(t, "scale", y[1], nil, []float64{float64(float32(5) / 255)})
	cpCheck(t, "zero point", y[2], nil, []float64{51})
	// An all-positive range still includes 0: zero point 0.
	y = cpMust(t, "DynamicQuantizeLinear", nil, 3, cpF32([]int{2}, 1, 2.55))
	cpCheck(t, "positive y", y[0], []int{2}, []float64{100, 255})
	cpCheck(t, "positive zero point", y[2], nil, []float64{0})
	y = cpMust(t, "DynamicQuantizeLinear", nil, 3, cpF32([]int{2}, 0, 0))
	cpCheck(t, "zeros", y[0], []int{2}, []float64{0, 0})
	cpCheck(t, "zeros scale", y[1], nil, []float64{0})
}
