package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestMatMul2DAndBatchBroadcast(t *testing.T) {
	a := cpF32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	b := cpF32([]int{3, 2}, 7, 8, 9, 10, 11, 12)
	cpCheck(t, "2-D", cpMust(t, "MatMul", nil, 1, a, b)[0], []int{2, 2}, []float64{58, 64, 139, 154})

	// a [2,1,1,2] (batch 2,1) with b [3,2,1] (batch 3): out [2,3,1,1].
	a4 := cpF32([]int{2, 1, 1, 2}, 1, 2, 3, 4)
	b3 := cpF32([]int{3, 2, 1}, 1, 0, 0, 1, 1, 1)
	cpCheck(t, "batch", cpMust(t, "MatMul", nil, 1, a4, b3)[0], []int{2, 3, 1, 1}, []float64{1, 2, 3, 3, 4, 7})
}

func TestMatMulOneDimensional(t *testing.T) {
	v := cpF32([]int{3}, 1, 2, 3)
	cpCheck(t, "dot", cpMust(t, "MatMul", nil, 1, v, v)[0], nil, []float64{14})
	m := cpF32([]int{2, 3}, 1, 0, 0, 0, 1, 1)
	cpCheck(t, "matrix-vector", cpMust(t, "MatMul", nil, 1, m, v)[0], []int{2}, []float64{1, 5})
	bt := cpF32([]int{2, 3, 1}, 1, 1, 1, 0, 0, 2)
	cpCheck(t, "vector-batch", cpMust(t, "MatMul", nil, 1, v, bt)[0], []int{2, 1}, []float64{6, 6})
	if _, err := cpRun(t, "MatMul", nil, 1, v, cpF32([]int{2}, 1, 2)); err == nil {
		t.Error("inner dims 3 and 2: want an error")
	}
}

func TestMatMulIntegersExact(t *testing.T) {
	big := int64(1)<<53 + 1 // not representable in float64
	a := ir.FromSlice([]int{1, 2}, []int64{big, 1})
	b := ir.FromSlice([]int{2, 1}, []int64{1, 2})
	y := cpMust(t, "MatMul", nil, 1, a, b)[0].(*ir.Tensor)
	if got := ir.Values[int64](y)[0]; got != big+2 {
		t.Errorf("int64 matmul = %d, want %d", got, big+2)
	}
	u := ir.FromSlice([]int{1, 1}, []uint32{1 << 31})
	y = cpMust(t, "MatMul", nil, 1, u, ir.FromSlice([]int{1, 1}, []uint32{3}))[0].(*ir.Tensor)
	// 3 * 2^31 wraps to 2^31 modulo 2^32.
	if got := ir.Values[uint32](y)[0]; got != uint32(1<<31) {
		t.Errorf("uint32 matmul wraps to %d, want %d", got, uint32(1<<31))
	}
}

func TestGemm(t *testing.T) {
	a := cpF32([]int{2, 2}, 1, 2, 3, 4)
	b := cpF32([]int{2, 2}, 1, 0, 0, 1)
	cpCheck(t, "no C", cpMust(t, "Gemm", nil, 1, a, b)[0], []int{2, 2}, []float64{1, 2, 3, 4})
	attrs := cpAttrs("transA", ir.IntAttr(1), "alpha", ir.FloatAttr(2), "beta", ir.FloatAttr(10))
	cpCheck(t, "transA, scalar C", cpMust(t, "Gemm", attrs, 1, a, b, cpF32(nil, 1))[0], []int{2, 2},
		[]float64{12, 16, 14, 18})
	// transB of a non-square B and a column C [M,1].
	b23 := cpF32([]int{3, 2}, 1, 1, 0, 1, 1, 0) // B' = [[1,0,1],[1,1,0]]
	a3 := cpF32([]int{2, 2}, 1, 2, 3, 4)
	cpCheck(t, "transB, column C", cpMust(t, "Gemm", cpAttrs("transB", ir.IntAttr(1)), 1, a3, b23, cpF32([]int{2, 1}, 10, 20))[0],
		[]int{2, 3}, []float64{13, 12, 11, 27, 24, 23})
	cpCheck(t, "row C", cpMust(t, "Gemm", nil, 1, a, b, cpF32([]int{2}, 10, 20))[0], []int{2, 2}, []float64{11, 22, 13, 24})
	if _, err := cpRun(t, "Gemm", nil, 1, a, b, cpF32([]int{3}, 1, 2, 3)); err == nil {
		t.Error("C of 3 columns for a [2,2] result: want an error")
	}
	if _, err := cpRun(t, "Gemm", nil, 1, a, cpF32([]int{3, 1}, 1, 2, 3)); err == nil {
		t.Error("inner dims 2 and 3: want an error")
	}
	ia := ir.FromSlice([]int{1, 2}, []int32{3, 4})
	ib := ir.FromSlice([]int{2, 1}, []int32{5, 6})
	y := cpMust(t, "Gemm", nil, 1, ia, ib, ir.FromSlice([]int{1}, []int32{-1}))[0].(*ir.Tensor)
	if y.DType != ir.Int32 || ir.Values[int32](y)[0] != 38 {
		t.Errorf("int32 gemm = %v %v, want i32 [38]", y.DType, y.Data)
	}
}

func TestMatMulInteger(t *testing.T) {
	a := ir.FromSlice([]int{2, 2}, []uint8{10, 11, 20, 22})
	b := ir.FromSlice([]int{2, 2}, []int8{1, -1, 2, 3})
	// Per-row a_zero_point [10, 20] and per-column b_zero_point [1, -1]:
	// A - za = [[0,1],[0,2]], B - zb = [[0,0],[1,4]].
	y := cpMust(t, "MatMulInteger", nil, 1, a, b, ir.FromSlice([]int{2}, []uint8{10, 20}), ir.FromSlice([]int{2}, []int8{1, -1}))
	if y[0].(*ir.Tensor).DType != ir.Int32 {
		t.Fatalf("dtype %s, want i32", y[0].(*ir.Tensor).DType)
	}
	cpCheck(t, "zero points", y[0], []int{2, 2}, []float64{1, 4, 2, 8})
	y = cpMust(t, "MatMulInteger", nil, 1, ir.FromSlice([]int{1, 2}, []uint8{255, 255}), ir.FromSlice([]int{2, 1}, []int8{-128, -128}))
	cpCheck(t, "extremes", y[0], []int{1, 1}, []float64{-65280})
	if _, err := cpRun(t, "MatMulInteger", nil, 1, a, b, ir.FromSlice([]int{3}, []uint8{1, 2, 3})); err == nil {
		t.Error("a_zero_point of 3 rows for 2: want an error")
	}
}

func TestQLinearMatMul(t *testing.T) {
	a := ir.FromSlice([]int{1, 2}, []uint8{3, 5})
	b := ir.FromSlice([]int{2, 2}, []uint8{1, 2, 1, 0})
	run := func(yzp uint8) *ir.Tensor {
		return cpMust(t, "QLinearMatMul", nil, 1, a, ir.Scalar(float32(0.5)), ir.Scalar(uint8(1)),
			b, ir.Scalar(float32(0.5)), ir.Scalar(uint8(0)), ir.Scalar(float32(1)), ir.Scalar(yzp))[0].(*ir.Tensor)
	}
	// (a - 1) = [2, 4]; acc = [6, 4]; * 0.25 = [1.5, 1] -> ties to even [2, 1].
	cpCheck(t, "ties", run(0), []int{1, 2}, []float64{2, 1})
	cpCheck(t, "saturation", run(254), []int{1, 2}, []float64{255, 255})
}
