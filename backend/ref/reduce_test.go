package ref

import (
	"math"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// famRun builds a one-node graph of op over ins (nil: omitted input)
// with the given output names ("" omitted) and runs its reference kernel.
func famRun(t *testing.T, op string, attrs map[string]*ir.Attr, outs []string, ins ...*ir.Tensor) ([]ir.Data, error) {
	t.Helper()
	return runOp(t, op, attrs, outs, tensorsData(ins)...)
}

// famCheck compares a tensor's shape and values within 1e-6.
func famCheck(t *testing.T, what string, got ir.Data, shape []int, want []float64) {
	t.Helper()
	g, ok := got.(*ir.Tensor)
	if !ok || g == nil {
		t.Fatalf("%s: no tensor output", what)
	}
	if !slices.Equal(g.Shape, shape) {
		t.Fatalf("%s: shape %v, want %v", what, g.Shape, shape)
	}
	for i, w := range want {
		v := g.Float64At(i)
		if !(math.Abs(v-w) <= 1e-6*math.Max(1, math.Abs(w)) || v == w || (math.IsNaN(v) && math.IsNaN(w))) {
			t.Fatalf("%s: element %d = %v, want %v (all: %v)", what, i, v, w, g.Float64s())
		}
	}
}

func famAxes(a ...int64) *ir.Tensor { return ir.FromSlice([]int{len(a)}, a) }

func TestReduceFloatOps(t *testing.T) {
	x := ir.FromSlice([]int{2, 3}, []float32{1, -2, 3, 4, 5, -6})
	cases := []struct {
		op   string
		want []float64 // over axis 1, keepdims
	}{
		{"ReduceSum", []float64{2, 3}},
		{"ReduceMean", []float64{2.0 / 3, 1}},
		{"ReduceMax", []float64{3, 5}},
		{"ReduceMin", []float64{-2, -6}},
		{"ReduceProd", []float64{-6, -120}},
		{"ReduceL1", []float64{6, 15}},
		{"ReduceL2", []float64{math.Sqrt(14), math.Sqrt(77)}},
		{"ReduceSumSquare", []float64{14, 77}},
		{"ReduceLogSum", []float64{math.Log(2), math.Log(3)}},
		{"ReduceLogSumExp", []float64{math.Log(math.E + math.Exp(-2) + math.Exp(3)), math.Log(math.Exp(4) + math.Exp(5) + math.Exp(-6))}},
	}
	for _, c := range cases {
		out, err := famRun(t, c.op, nil, []string{"y"}, x, famAxes(-1))
		if err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		famCheck(t, c.op, out[0], []int{2, 1}, c.want)
	}
}

func TestReduceAxesAndKeepdims(t *testing.T) {
	x := ir.FromSlice([]int{2, 2, 2}, []float64{1, 2, 3, 4, 5, 6, 7, 8})
	out, err := famRun(t, "ReduceSum", map[string]*ir.Attr{"keepdims": ir.IntAttr(0)}, []string{"y"}, x, famAxes(0, 2))
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "axes 0,2", out[0], []int{2}, []float64{1 + 2 + 5 + 6, 3 + 4 + 7 + 8})
	// No axes: everything, keeping rank.
	out, err = famRun(t, "ReduceSum", nil, []string{"y"}, x)
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "all", out[0], []int{1, 1, 1}, []float64{36})
	// Empty axes with noop: each element reduced alone.
	noop := map[string]*ir.Attr{"noop_with_empty_axes": ir.IntAttr(1)}
	out, err = famRun(t, "ReduceSumSquare", noop, []string{"y"}, x, famAxes())
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "noop", out[0], []int{2, 2, 2}, []float64{1, 4, 9, 16, 25, 36, 49, 64})
	if _, err := famRun(t, "ReduceSum", nil, []string{"y"}, x, famAxes(3)); err == nil {
		t.Fatal("axis 3 of a rank-3 tensor: want an error")
	}
}

func TestReduceIntegersExact(t *testing.T) {
	big := int64(1) << 60
	x := ir.FromSlice([]int{3}, []int64{big + 1, big, big + 3})
	out, err := famRun(t, "ReduceMax", nil, []string{"y"}, x)
	if err != nil {
		t.Fatal(err)
	}
	if got := ir.Values[int64](out[0].(*ir.Tensor))[0]; got != big+3 {
		t.Fatalf("ReduceMax int64 = %d, want %d", got, big+3)
	}
	out, _ = famRun(t, "ReduceSum", nil, []string{"y"}, x)
	if got := ir.Values[int64](out[0].(*ir.Tensor))[0]; got != 3*big+4 {
		t.Fatalf("ReduceSum int64 = %d, want %d", got, 3*big+4)
	}
	// uint32 sums wrap as uint32 arithmetic does; the mean divides exactly.
	// (ONNX's ReduceSum, ReduceMean and ReduceL1 take no 8-bit integers.)
	u := ir.FromSlice([]int{2}, []uint32{4000000000, 500000000})
	out, _ = famRun(t, "ReduceSum", nil, []string{"y"}, u)
	if got := ir.Values[uint32](out[0].(*ir.Tensor))[0]; got != 4500000000-1<<32 {
		t.Fatalf("ReduceSum uint32 = %d, want %d", got, 4500000000-1<<32)
	}
	out, _ = famRun(t, "ReduceMean", nil, []string{"y"}, u)
	if got := ir.Values[uint32](out[0].(*ir.Tensor))[0]; got != 2250000000 {
		t.Fatalf("ReduceMean uint32 = %d, want 2250000000", got)
	}
	i32 := ir.FromSlice([]int{2}, []int32{math.MinInt32, 5})
	out, _ = famRun(t, "ReduceL1", nil, []string{"y"}, i32)
	if got := ir.Values[int32](out[0].(*ir.Tensor))[0]; got != math.MinInt32+5 { // 2^31 wraps in int32
		t.Fatalf("ReduceL1 int32 = %d, want %d", got, math.MinInt32+5)
	}
}

func TestReduceEmptySet(t *testing.T) {
	f := ir.Zeros(ir.Float32, []int{2, 0})
	want := map[string]float64{"ReduceSum": 0, "ReduceProd": 1, "ReduceMax": math.Inf(-1),
		"ReduceMin": math.Inf(1), "ReduceL2": 0, "ReduceLogSum": math.Inf(-1),
		"ReduceLogSumExp": math.Inf(-1), "ReduceMean": math.NaN()}
	for op, w := range want {
		out, err := famRun(t, op, map[string]*ir.Attr{"keepdims": ir.IntAttr(0)}, []string{"y"}, f, famAxes(1))
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		famCheck(t, op, out[0], []int{2}, []float64{w, w})
	}
	i := ir.Zeros(ir.Int32, []int{0, 3})
	out, err := famRun(t, "ReduceMin", nil, []string{"y"}, i, famAxes(0))
	if err != nil {
		t.Fatal(err)
	}
	if got := ir.Values[int32](out[0].(*ir.Tensor)); got[0] != math.MaxInt32 || len(got) != 3 {
		t.Fatalf("ReduceMin of an empty int32 set = %v, want MaxInt32 x3", got)
	}
}

func TestReduceLogSumExpIsStable(t *testing.T) {
	x := ir.FromSlice([]int{2}, []float32{1000, 1000})
	out, err := famRun(t, "ReduceLogSumExp", nil, []string{"y"}, x)
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "lse", out[0], []int{1}, []float64{1000 + math.Ln2})
}

func TestReduceBool(t *testing.T) {
	x := ir.FromSlice([]int{2, 2}, []bool{true, false, true, true})
	out, err := famRun(t, "ReduceMin", nil, []string{"y"}, x, famAxes(1))
	if err != nil {
		t.Fatal(err)
	}
	if got := ir.Values[bool](out[0].(*ir.Tensor)); got[0] || !got[1] {
		t.Fatalf("ReduceMin bool = %v, want [false true]", got)
	}
	if _, err := famRun(t, "ReduceSum", nil, []string{"y"}, x); err == nil {
		t.Fatal("ReduceSum of bools: want an error")
	}
}

// Integer means sum in 128 bits: no wrap, truncation toward zero.
func TestReduceMeanWideIntegers(t *testing.T) {
	mean := func(x *ir.Tensor) *ir.Tensor {
		t.Helper()
		out, err := famRun(t, "ReduceMean", attrs("keepdims", ir.IntAttr(0)), []string{"y"}, x)
		if err != nil {
			t.Fatal(err)
		}
		return out[0].(*ir.Tensor)
	}
	wantT[uint64](t, mean(ir.FromSlice([]int{2}, []uint64{1 << 63, 1 << 63})), nil, 1<<63)
	wantT[uint64](t, mean(ir.FromSlice([]int{3}, []uint64{math.MaxUint64, math.MaxUint64, math.MaxUint64 - 3})), nil, math.MaxUint64-1)
	wantT[int64](t, mean(ir.FromSlice([]int{2}, []int64{math.MaxInt64, math.MaxInt64})), nil, math.MaxInt64)
	wantT[int64](t, mean(ir.FromSlice([]int{2}, []int64{math.MinInt64, math.MinInt64})), nil, math.MinInt64)
	wantT[int64](t, mean(ir.FromSlice([]int{2}, []int64{math.MinInt64, math.MinInt64 + 1})), nil, math.MinInt64+1) // -2^63+0.5 truncates up
	wantT[int64](t, mean(ir.FromSlice([]int{3}, []int64{math.MaxInt64, math.MinInt64, 5})), nil, 1)                // 4/3
	wantT[int32](t, mean(ir.FromSlice([]int{2, 2}, []int32{-1, -2, 3, 4})), nil, 1)
	out, err := famRun(t, "ReduceMean", attrs("keepdims", ir.IntAttr(0)), []string{"y"}, ir.FromSlice([]int{2, 2}, []int32{-1, -2, 3, 4}), famAxes(1))
	if err != nil {
		t.Fatal(err)
	}
	wantT[int32](t, out[0].(*ir.Tensor), []int{2}, -1, 3) // -1.5 -> -1, 3.5 -> 3
}
