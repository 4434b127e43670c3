package ref

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestGather(t *testing.T) {
	x := iota32(2, 3)
	// axis 1 with a negative index and 2-D indices.
	out := mustShapeOp(t, "Gather", attrs("axis", ir.IntAttr(1)), 1, x, ir.FromSlice([]int{1, 2}, []int32{-1, 0}))
	wantT[float32](t, out[0], []int{2, 1, 2}, 2, 0, 5, 3)
	// Scalar indices drop the axis.
	wantT[float32](t, mustShapeOp(t, "Gather", nil, 1, x, ir.Scalar(int64(1)))[0], []int{3}, 3, 4, 5)
	wantShapeErr(t, "out of range", "Gather", nil, 1, x, vec(2))
	wantShapeErr(t, "wants one of i32, i64", "Gather", nil, 1, x, f32s([]int{1}, 0))
}

func TestGatherElementsAndND(t *testing.T) {
	x := i64s([]int{2, 2}, 1, 2, 3, 4)
	ind := i64s([]int{2, 2}, 0, 0, -1, 0)
	wantT[int64](t, mustShapeOp(t, "GatherElements", attrs("axis", ir.IntAttr(1)), 1, x, ind)[0], []int{2, 2}, 1, 1, 4, 3)
	wantShapeErr(t, "out of range", "GatherElements", nil, 1, x, i64s([]int{1, 1}, 2))

	// GatherND with batch_dims 1: batch b picks data[b, idx].
	y := iota32(2, 2, 2)
	out := mustShapeOp(t, "GatherND", attrs("batch_dims", ir.IntAttr(1)), 1, y, i64s([]int{2, 1}, 1, 0))
	wantT[float32](t, out[0], []int{2, 2}, 2, 3, 4, 5)
	out = mustShapeOp(t, "GatherND", nil, 1, y, i64s([]int{2, 3}, 0, 1, 1, 1, 0, -1))
	wantT[float32](t, out[0], []int{2}, 3, 5)
	wantShapeErr(t, "too large", "GatherND", nil, 1, y, i64s([]int{1, 4}, 0, 0, 0, 0))
}

func TestScatter(t *testing.T) {
	x := f32s([]int{1, 5}, 1, 2, 3, 4, 5)
	ind := i64s([]int{1, 2}, 1, -4) // both address element 1
	upd := f32s([]int{1, 2}, 10, 20)
	cases := map[string][]float32{
		"none": {1, 20, 3, 4, 5}, // the later update wins
		"add":  {1, 32, 3, 4, 5},
		"mul":  {1, 400, 3, 4, 5},
		"max":  {1, 20, 3, 4, 5},
		"min":  {1, 2, 3, 4, 5},
	}
	for red, want := range cases {
		out := mustShapeOp(t, "ScatterElements", attrs("axis", ir.IntAttr(1), "reduction", ir.StringAttr(red)), 1, x, ind, upd)
		wantT(t, out[0], []int{1, 5}, want...)
	}
	if x.Data.([]float32)[1] != 2 {
		t.Fatal("ScatterElements modified its input")
	}
	// The deprecated Scatter behaves like ScatterElements without reduction.
	wantT[float32](t, mustShapeOp(t, "Scatter", attrs("axis", ir.IntAttr(1)), 1, x, ind, upd)[0], []int{1, 5}, 1, 20, 3, 4, 5)
	wantShapeErr(t, "unknown reduction", "ScatterElements", attrs("reduction", ir.StringAttr("avg")), 1, x, ind, upd)

	// ScatterND replaces whole rows; int64 stays exact past 2^53.
	big := int64(1)<<60 + 1
	d := i64s([]int{2, 2}, 1, 2, 3, 4)
	out := mustShapeOp(t, "ScatterND", attrs("reduction", ir.StringAttr("add")), 1, d, i64s([]int{1, 1}, 1), i64s([]int{1, 2}, big, 0))
	wantT[int64](t, out[0], []int{2, 2}, 1, 2, big+3, 4)
	wantShapeErr(t, "updates shape", "ScatterND", nil, 1, d, i64s([]int{1, 1}, 1), i64s([]int{1, 3}, 0, 0, 0))
}

func TestRangeOneHotEyeTrilu(t *testing.T) {
	wantT[int32](t, mustShapeOp(t, "Range", nil, 1, ir.Scalar(int32(10)), ir.Scalar(int32(3)), ir.Scalar(int32(-3)))[0], []int{3}, 10, 7, 4)
	wantT[float64](t, mustShapeOp(t, "Range", nil, 1, ir.Scalar(0.5), ir.Scalar(2.0), ir.Scalar(0.5))[0], []int{3}, 0.5, 1, 1.5)
	// int64 ranges are exact beyond float64's integers.
	big := int64(1)<<60 + 1
	wantT[int64](t, mustShapeOp(t, "Range", nil, 1, ir.Scalar(big), ir.Scalar(big+2), ir.Scalar(int64(1)))[0], []int{2}, big, big+1)
	wantT[int64](t, mustShapeOp(t, "Range", nil, 1, ir.Scalar(int64(0)), ir.Scalar(int64(5)), ir.Scalar(int64(-1)))[0], []int{0})
	wantShapeErr(t, "delta is 0", "Range", nil, 1, ir.Scalar(int64(0)), ir.Scalar(int64(5)), ir.Scalar(int64(0)))

	// OneHot on axis 0: -1 means depth-1, 5 is out of range (all off).
	out := mustShapeOp(t, "OneHot", attrs("axis", ir.IntAttr(0)), 1, vec(-1, 5, 0), ir.Scalar(int64(3)), f32s([]int{2}, 0, 9))
	wantT[float32](t, out[0], []int{3, 3}, 0, 0, 9, 0, 0, 0, 9, 0, 0)

	out = mustShapeOp(t, "EyeLike", attrs("k", ir.IntAttr(1), "dtype", ir.IntAttr(int64(ir.Int32))), 1, iota32(2, 3))
	wantT[int32](t, out[0], []int{2, 3}, 0, 1, 0, 0, 0, 1)

	x := iota32(3, 3)
	wantT[float32](t, mustShapeOp(t, "Trilu", attrs("upper", ir.IntAttr(0)), 1, x, ir.Scalar(int64(-1)))[0], []int{3, 3}, 0, 0, 0, 3, 0, 0, 6, 7, 0)
	wantT[float32](t, mustShapeOp(t, "Trilu", nil, 1, x)[0], []int{3, 3}, 0, 1, 2, 0, 4, 5, 0, 0, 8)
}

func TestNonZeroCompress(t *testing.T) {
	x := f32s([]int{2, 2}, 1, 0, 0, -2)
	wantT[int64](t, mustShapeOp(t, "NonZero", nil, 1, x)[0], []int{2, 2}, 0, 1, 0, 1)
	wantT[int64](t, mustShapeOp(t, "NonZero", nil, 1, f32s([]int{2}, 0, 0))[0], []int{1, 0})
	cond := ir.FromSlice([]int{3}, []bool{false, true, true})
	wantT[float32](t, mustShapeOp(t, "Compress", nil, 1, x, cond)[0], []int{2}, 0, 0)
	// A condition shorter than the axis treats the rest as false.
	wantT[float32](t, mustShapeOp(t, "Compress", attrs("axis", ir.IntAttr(-1)), 1, x, ir.FromSlice([]int{1}, []bool{true}))[0], []int{2, 1}, 1, 0)
	wantShapeErr(t, "entries", "Compress", attrs("axis", ir.IntAttr(0)), 1, x, cond)
}

func TestTopKArg(t *testing.T) {
	x := f32s([]int{2, 3}, 3, 1, 3, 0, 5, 5)
	out := mustShapeOp(t, "TopK", nil, 2, x, vec(2))
	wantT[float32](t, out[0], []int{2, 2}, 3, 3, 5, 5)
	wantT[int64](t, out[1], []int{2, 2}, 0, 2, 1, 2) // ties: lower index first
	out = mustShapeOp(t, "TopK", attrs("largest", ir.IntAttr(0), "axis", ir.IntAttr(0)), 2, x, vec(1))
	wantT[float32](t, out[0], []int{1, 3}, 0, 1, 3)
	wantT[int64](t, out[1], []int{1, 3}, 1, 0, 0)
	wantShapeErr(t, "out of range", "TopK", nil, 2, x, vec(4))

	wantT[int64](t, mustShapeOp(t, "ArgMax", attrs("axis", ir.IntAttr(1)), 1, x)[0], []int{2, 1}, 0, 1)
	wantT[int64](t, mustShapeOp(t, "ArgMax", attrs("axis", ir.IntAttr(1), "select_last_index", ir.IntAttr(1), "keepdims", ir.IntAttr(0)), 1, x)[0], []int{2}, 2, 2)
	wantT[int64](t, mustShapeOp(t, "ArgMin", nil, 1, x)[0], []int{1, 3}, 1, 0, 0)
	// uint64 values above int64's range still order correctly.
	u := ir.FromSlice([]int{2}, []uint64{1 << 63, 1})
	wantT[int64](t, mustShapeOp(t, "ArgMax", nil, 1, u)[0], []int{1}, 0)
	// NaN wins for both, as in numpy.
	nan := float32(math.NaN())
	z := f32s([]int{3}, 1, nan, nan)
	wantT[int64](t, mustShapeOp(t, "ArgMax", nil, 1, z)[0], []int{1}, 1)
	wantT[int64](t, mustShapeOp(t, "ArgMin", attrs("select_last_index", ir.IntAttr(1)), 1, z)[0], []int{1}, 2)
}

func TestCumSumReverseSequence(t *testing.T) {
	x := i64s([]int{4}, 1, 2, 3, 4)
	wantT[int64](t, mustShapeOp(t, "CumSum", nil, 1, x, ir.Scalar(int32(0)))[0], []int{4}, 1, 3, 6, 10)
	wantT[int64](t, mustShapeOp(t, "CumSum", attrs("exclusive", ir.IntAttr(1), "reverse", ir.IntAttr(1)), 1, x, ir.Scalar(int64(-1)))[0], []int{4}, 9, 7, 4, 0)
	big := int64(1)<<60 + 1
	wantT[int64](t, mustShapeOp(t, "CumSum", nil, 1, i64s([]int{2}, big, 2), ir.Scalar(int64(0)))[0], []int{2}, big, big+2)

	// time_axis 0, batch_axis 1: column b reverses its first lens[b] rows.
	y := i64s([]int{3, 2}, 1, 2, 3, 4, 5, 6)
	wantT[int64](t, mustShapeOp(t, "ReverseSequence", nil, 1, y, vec(3, 2))[0], []int{3, 2}, 5, 4, 3, 2, 1, 6)
	wantShapeErr(t, "out of range", "ReverseSequence", nil, 1, y, vec(4, 1))
}

func TestUnique(t *testing.T) {
	x := f32s([]int{6}, 2, 1, 1, 3, 4, 3)
	out := mustShapeOp(t, "Unique", nil, 4, x)
	wantT[float32](t, out[0], []int{4}, 1, 2, 3, 4)
	wantT[int64](t, out[1], []int{4}, 1, 0, 3, 4)
	wantT[int64](t, out[2], []int{6}, 1, 0, 0, 2, 3, 2)
	wantT[int64](t, out[3], []int{4}, 2, 1, 2, 1)
	out = mustShapeOp(t, "Unique", attrs("sorted", ir.IntAttr(0)), 4, x)
	wantT[float32](t, out[0], []int{4}, 2, 1, 3, 4)
	wantT[int64](t, out[2], []int{6}, 0, 1, 1, 2, 3, 2)
	// Rows along axis 0, compared lexicographically.
	y := i64s([]int{3, 2}, 1, 0, 0, 1, 1, 0)
	out = mustShapeOp(t, "Unique", attrs("axis", ir.IntAttr(0)), 4, y)
	wantT[int64](t, out[0], []int{2, 2}, 0, 1, 1, 0)
	wantT[int64](t, out[3], []int{2}, 1, 2)
}

// Spans and deltas near int64's ends must not overflow the count.
func TestRangeExtremes(t *testing.T) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	wantT[int64](t, mustShapeOp(t, "Range", nil, 1, ir.Scalar(lo), ir.Scalar(hi), ir.Scalar(hi))[0], []int{3}, lo, -1, hi-1)
	wantT[int64](t, mustShapeOp(t, "Range", nil, 1, ir.Scalar(int64(0)), ir.Scalar(hi), ir.Scalar(hi))[0], []int{1}, 0)
	wantT[int64](t, mustShapeOp(t, "Range", nil, 1, ir.Scalar(hi), ir.Scalar(lo), ir.Scalar(lo))[0], []int{2}, hi, -1)
	wantShapeErr(t, "too large", "Range", nil, 1, ir.Scalar(lo), ir.Scalar(hi), ir.Scalar(int64(1)))
}

// ONNX indices are int32 or int64 (int64 for GatherND): unsigned indices
// are refused when the node is built, as ONNX Runtime refuses the model.
func TestGatherUnsignedIndices(t *testing.T) {
	x := vec(10, 20, 30)
	huge := ir.FromSlice([]int{1}, []uint64{math.MaxUint64})
	for _, op := range []string{"Gather", "GatherElements"} {
		wantShapeErr(t, "is u64, wants one of i32, i64", op, nil, 1, x, huge)
		wantShapeErr(t, "is u8, wants one of i32, i64", op, nil, 1, x, ir.FromSlice([]int{1}, []uint8{3}))
	}
	wantShapeErr(t, "is u64, wants one of i64", "GatherND", nil, 1, x, ir.FromSlice([]int{1, 1}, []uint64{math.MaxUint64}))
	wantShapeErr(t, "is u32, wants one of i64", "GatherND", nil, 1, x, ir.FromSlice([]int{1, 1}, []uint32{1}))
}

// NaN ranks above every number in TopK (numpy's sort order): last for
// largest=0, first for largest=1, NaNs tied by index.
func TestTopKNaN(t *testing.T) {
	nan := float32(math.NaN())
	x := f32s([]int{3}, 2, nan, 1)
	out := mustShapeOp(t, "TopK", attrs("largest", ir.IntAttr(0)), 2, x, vec(1))
	wantT[float32](t, out[0], []int{1}, 1)
	wantT[int64](t, out[1], []int{1}, 2)
	out = mustShapeOp(t, "TopK", attrs("largest", ir.IntAttr(0)), 2, x, vec(3))
	wantT[int64](t, out[1], []int{3}, 2, 0, 1)
	out = mustShapeOp(t, "TopK", nil, 2, x, vec(3))
	wantT[int64](t, out[1], []int{3}, 1, 0, 2)
	y := ir.FromSlice([]int{4}, []float64{math.NaN(), 0, math.NaN(), -1})
	out = mustShapeOp(t, "TopK", attrs("largest", ir.IntAttr(0)), 2, y, vec(4))
	wantT[int64](t, out[1], []int{4}, 3, 1, 0, 2)
	out = mustShapeOp(t, "TopK", nil, 2, y, vec(4))
	wantT[int64](t, out[1], []int{4}, 0, 2, 1, 3)
}
