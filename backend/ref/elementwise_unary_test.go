package ref

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestUnaryMath(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := ir.FromSlice([]int{5}, []float64{-2.5, -0.5, 0.5, 1.5, 2.5})
	ewExact(t, "Round halves to even", ewMust(t, "Round", nil, x), []int{5}, -2.0, -0.0, 0.0, 2.0, 2.0)
	ewExact(t, "Ceil", ewMust(t, "Ceil", nil, x), []int{5}, -2.0, -0.0, 1.0, 2.0, 3.0)
	ewExact(t, "Floor", ewMust(t, "Floor", nil, x), []int{5}, -3.0, -1.0, 0.0, 1.0, 2.0)
	ewExact(t, "Abs", ewMust(t, "Abs", nil, x), []int{5}, 2.5, 0.5, 0.5, 1.5, 2.5)
	ewExact(t, "Neg", ewMust(t, "Neg", nil, x), []int{5}, 2.5, 0.5, -0.5, -1.5, -2.5)

	y := ewF32([]int{2, 2}, 0, 1, 4, -1)
	ewClose(t, "Sqrt", ewMust(t, "Sqrt", nil, y), ir.Float32, []int{2, 2}, 0, 1, 2, nan)
	ewClose(t, "Exp", ewMust(t, "Exp", nil, y), ir.Float32, []int{2, 2}, 1, math.E, math.Exp(4), 1/math.E)
	ewClose(t, "Log", ewMust(t, "Log", nil, y), ir.Float32, []int{2, 2}, math.Inf(-1), 0, math.Log(4), nan)
	ewClose(t, "Reciprocal", ewMust(t, "Reciprocal", nil, y), ir.Float32, []int{2, 2}, inf, 1, 0.25, -1)
	ewClose(t, "Erf", ewMust(t, "Erf", nil, y), ir.Float32, []int{2, 2}, 0, math.Erf(1), math.Erf(4), -math.Erf(1))
	ewClose(t, "Atanh", ewMust(t, "Atanh", nil, y), ir.Float32, []int{2, 2}, 0, inf, nan, math.Inf(-1))
	ewClose(t, "Cos", ewMust(t, "Cos", nil, y), ir.Float32, []int{2, 2}, 1, math.Cos(1), math.Cos(4), math.Cos(-1))

	_, err := ewRun(t, "Sqrt", nil, ir.FromSlice([]int{1}, []int32{4}))
	ewErr(t, "integer Sqrt", err, "wants one of")
}

func TestUnaryIntegersAndHalfFloats(t *testing.T) {
	i := ir.FromSlice([]int{4}, []int8{-128, -3, 0, 5})
	ewExact(t, "Abs int8 (MinInt wraps)", ewMust(t, "Abs", nil, i), []int{4}, int8(-128), 3, 0, 5)
	ewExact(t, "Neg int8", ewMust(t, "Neg", nil, i), []int{4}, int8(-128), 3, 0, -5)
	ewExact(t, "Sign int8", ewMust(t, "Sign", nil, i), []int{4}, int8(-1), -1, 0, 1)
	ewExact(t, "Sign uint", ewMust(t, "Sign", nil, ir.FromSlice([]int{2}, []uint32{0, 7})), []int{2}, uint32(0), 1)
	ewClose(t, "Sign float", ewMust(t, "Sign", nil, ewF32([]int{3}, -2, 0, float32(math.NaN()))), ir.Float32, []int{3}, -1, 0, math.NaN())

	h := ir.FromBits(ir.Float16, []int{2}, []uint16{ir.F32ToF16(-2), ir.F32ToF16(0.5)})
	got := ewMust(t, "Abs", nil, h)
	ewClose(t, "Abs float16", got, ir.Float16, []int{2}, 2, 0.5)
	bf := ir.FromBits(ir.BFloat16, []int{1}, []uint16{ir.F32ToBF16(9)})
	ewClose(t, "Sqrt bfloat16", ewMust(t, "Sqrt", nil, bf), ir.BFloat16, []int{1}, 3)
}

func TestIsNaNIsInf(t *testing.T) {
	x := ewF32([]int{4}, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1)
	ewExact(t, "IsNaN", ewMust(t, "IsNaN", nil, x), []int{4}, false, false, true, false)
	ewExact(t, "IsInf", ewMust(t, "IsInf", nil, x), []int{4}, true, true, false, false)
	ewExact(t, "IsInf positive only", ewMust(t, "IsInf", map[string]*ir.Attr{"detect_negative": ir.IntAttr(0)}, x),
		[]int{4}, true, false, false, false)
	ewExact(t, "IsInf negative only", ewMust(t, "IsInf", map[string]*ir.Attr{"detect_positive": ir.IntAttr(0)}, x),
		[]int{4}, false, true, false, false)
}

func TestVariadic(t *testing.T) {
	a := ewF32([]int{3}, 1, 2, 3)
	b := ewF32([]int{2, 1}, 10, -10)
	c := ir.Scalar[float32](float32(math.NaN()))
	ewExact(t, "Sum one input", ewMust(t, "Sum", nil, a), []int{3}, float32(1), 2, 3)
	ewExact(t, "Sum broadcast", ewMust(t, "Sum", nil, a, b, ir.Scalar[float32](100)), []int{2, 3},
		float32(111), 112, 113, 91, 92, 93)
	ewExact(t, "Max", ewMust(t, "Max", nil, a, b), []int{2, 3}, float32(10), 10, 10, 1, 2, 3)
	ewExact(t, "Min", ewMust(t, "Min", nil, a, b), []int{2, 3}, float32(1), 2, 3, -10, -10, -10)
	ewClose(t, "Max propagates NaN", ewMust(t, "Max", nil, a, c), ir.Float32, []int{3}, math.NaN(), math.NaN(), math.NaN())
	ewClose(t, "Mean", ewMust(t, "Mean", nil, a, b), ir.Float32, []int{2, 3}, 5.5, 6, 6.5, -4.5, -4, -3.5)

	u := ir.FromSlice([]int{2}, []uint64{math.MaxUint64, 3})
	v := ir.FromSlice([]int{2}, []uint64{1, 1 << 63})
	ewExact(t, "Max uint64", ewMust(t, "Max", nil, u, v), []int{2}, uint64(math.MaxUint64), 1<<63)
	ewExact(t, "Min int64", ewMust(t, "Min", nil, ir.FromSlice([]int{2}, []int64{math.MinInt64, 5}), ir.Scalar[int64](0)),
		[]int{2}, int64(math.MinInt64), 0)
	_, err := ewRun(t, "Sum", nil, a, ir.FromSlice([]int{3}, []float64{1, 2, 3}))
	ewErr(t, "mixed dtypes", err, "differ")
	_, err = ewRun(t, "Mean", nil, ir.FromSlice([]int{1}, []int32{1}))
	ewErr(t, "integer Mean", err, "wants one of")
}

func TestWhere(t *testing.T) {
	cond := ir.FromSlice([]int{2, 1}, []bool{true, false})
	x := ir.FromSlice([]int{3}, []string{"a", "b", "c"})
	y := ir.Scalar("z")
	ewExact(t, "Where strings", ewMust(t, "Where", nil, cond, x, y), []int{2, 3}, "a", "b", "c", "z", "z", "z")
	xi := ir.FromSlice([]int{2, 2}, []int64{1, 2, 3, 4})
	yi := ir.FromSlice([]int{2}, []int64{-1, -2})
	ewExact(t, "Where int64", ewMust(t, "Where", nil, ir.FromSlice([]int{2}, []bool{false, true}), xi, yi),
		[]int{2, 2}, int64(-1), 2, -1, 4)
	_, err := ewRun(t, "Where", nil, ir.FromSlice([]int{1}, []int32{1}), xi, yi)
	ewErr(t, "non-bool condition", err, "bool")
	_, err = ewRun(t, "Where", nil, cond, xi, ir.FromSlice([]int{3}, []int64{1, 2, 3}))
	ewErr(t, "bad broadcast", err, "broadcast")
}
