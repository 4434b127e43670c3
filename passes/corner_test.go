package passes_test

import (
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
	"github.com/dlc-go/dlc/runtime"
)

// Corner cases the randomized test found or that it does not draw: each
// model runs on the reference interpreter before and after Optimize, and
// both must return the same outputs under the same names.

func newGen(t *testing.T) *gen {
	return &gen{t: t, r: rand.New(rand.NewPCG(3, 4)), g: ir.NewGraph("corner")}
}

// optimizedMatches optimizes a copy of m at level 2 and checks that it
// keeps the output names and computes what m does, exactly up to tol.
func optimizedMatches(t *testing.T, b *gen, m *ir.Model, feeds map[string]ir.Data) *ir.Model {
	t.Helper()
	opt := ir.CloneModel(m)
	if _, err := passes.Optimize(opt, passes.Options{Level: 2, VerifyEach: true}); err != nil {
		t.Fatal(err)
	}
	for i, v := range opt.Graph.Outputs {
		if v.Name != m.Graph.Outputs[i].Name {
			t.Errorf("output %d is named %q, was %q", i, v.Name, m.Graph.Outputs[i].Name)
		}
	}
	want := runModel(t, m, runtime.Options{Reference: true}, feeds)
	got := runModel(t, opt, runtime.Options{Reference: true}, feeds)
	if got == nil {
		t.Fatalf("the optimized model fails to run:\n%s", opt.Graph.Text())
	}
	for i := range want {
		w, g := want[i].(*ir.Tensor), got[i].(*ir.Tensor)
		if w.DType == ir.String {
			if !slices.Equal(w.Data.([]string), g.Data.([]string)) {
				t.Errorf("output %d: %q, want %q\n%s", i, g.Data, w.Data, opt.Graph.Text())
			}
			continue
		}
		if err := sameOutputs(want[i:i+1], got[i:i+1], 1e-5); err != nil {
			t.Errorf("output %d: %v\n%s", i, err, opt.Graph.Text())
		}
	}
	return opt
}

// An output listed twice keeps its name at both places, after a rewrite
// replaced the value (here: the Mul chain became dlc.Elementwise).
func TestOutputListedTwiceKeepsName(t *testing.T) {
	b := newGen(t)
	x := b.in(2, 3)
	y := b.op("Mul", nil, b.op("Exp", nil, x), b.sc(2))
	b.g.Outputs = []*ir.Value{y, b.op("Neg", nil, y), y}
	m := &ir.Model{Graph: b.g}
	opt := optimizedMatches(t, b, m, b.feeds(m))
	if opt.Graph.Outputs[0] != opt.Graph.Outputs[2] {
		t.Errorf("outputs 0 and 2 are different values %q and %q", opt.Graph.Outputs[0].Name, opt.Graph.Outputs[2].Name)
	}
}

// Cast(Cast(int32, double), string) prints "5.0", not "5": the chain
// must not become one Cast to string.
func TestCastChainToStringKept(t *testing.T) {
	b := newGen(t)
	x := b.g.AddInput("x", ir.TensorType(ir.Int32, ir.ShapeOf(3)))
	d := b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float64))}, x)
	s := b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.String))}, d)
	b.g.Outputs = []*ir.Value{s}
	m := &ir.Model{Graph: b.g}
	optimizedMatches(t, b, m, map[string]ir.Data{"x": ir.FromSlice([]int{3}, []int32{5, -1, 1 << 30})})
}

// Two string constants with equal %v renderings (["a b" "c"] and
// ["a" "b c"]) are different constants: CSE must not merge them.
func TestCSEStringConstants(t *testing.T) {
	b := newGen(t)
	c1 := b.cst(ir.FromSlice([]int{2}, []string{"a b", "c"}))
	c2 := b.cst(ir.FromSlice([]int{2}, []string{"a", "b c"}))
	b.g.Outputs = []*ir.Value{b.op("Identity", nil, c1), b.op("Identity", nil, c2)}
	m := &ir.Model{Graph: b.g}
	optimizedMatches(t, b, m, nil)
}

// A scale constant of higher rank than the scores grows them: not the
// attention the fused op computes (its mask would no longer broadcast).
func TestAttentionRankGrowingScale(t *testing.T) {
	b := newGen(t)
	q, k, v := b.in(2, 3, 5), b.in(2, 4, 5), b.in(1, 2, 4, 3)
	s := b.op("MatMul", nil, q, b.op("Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(0, 2, 1)}, k))
	s = b.op("Div", nil, s, b.cst(ir.FromSlice([]int{1, 1, 1, 1}, []float32{2})))
	s = b.op("Add", nil, s, b.rnd(1, 2, 3, 4))
	y := b.op("MatMul", nil, b.op("Softmax", map[string]*ir.Attr{"axis": ir.IntAttr(-1)}, s), v)
	b.g.Outputs = []*ir.Value{y}
	m := &ir.Model{Graph: b.g}
	optimizedMatches(t, b, m, b.feeds(m))
}

// An If branch that returns an outer value through Identity, and one
// whose Conv+Relu fuses, run the same after the passes.
func TestIfBranchesOptimized(t *testing.T) {
	b := newGen(t)
	x := b.in(1, 2, 4, 4)
	cond := b.g.AddInput("cond", ir.TensorType(ir.Bool, ir.ShapeOf()))
	w := b.rnd(2, 2, 3, 3)
	then := b.g.NewSubgraph("then")
	id, err := then.AddNode(ir.NodeSpec{Op: "Identity", Inputs: []*ir.Value{x}, Outputs: []string{"t_id"}})
	if err != nil {
		t.Fatal(err)
	}
	then.Outputs = []*ir.Value{id.Outputs[0]}
	els := b.g.NewSubgraph("else")
	conv, err := els.AddNode(ir.NodeSpec{Op: "Conv", Inputs: []*ir.Value{x, w}, Outputs: []string{"e_c"},
		Attrs: map[string]*ir.Attr{"pads": ir.IntsAttr(1, 1, 1, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	relu, _ := els.AddNode(ir.NodeSpec{Op: "Relu", Inputs: []*ir.Value{conv.Outputs[0]}, Outputs: []string{"e_r"}})
	els.Outputs = []*ir.Value{relu.Outputs[0]}
	n, err := b.g.AddNode(ir.NodeSpec{Op: "If", Inputs: []*ir.Value{cond}, Outputs: []string{"y"},
		Attrs: map[string]*ir.Attr{"then_branch": ir.GraphAttr(then), "else_branch": ir.GraphAttr(els)}})
	if err != nil {
		t.Fatal(err)
	}
	b.g.Outputs = []*ir.Value{n.Outputs[0], x}
	m := &ir.Model{Graph: b.g}
	for _, c := range []bool{true, false} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			feeds := b.feeds(m)
			feeds["cond"] = ir.Scalar(c)
			optimizedMatches(t, b, m, feeds)
		})
	}
}

// A LayerNorm decomposition whose eps has a higher rank than x grows the
// result: it is left alone (fusing it made Optimize fail on the type
// contradiction, so the model could not load at level 2).
func TestLayerNormRankGrowingEps(t *testing.T) {
	b := newGen(t)
	x := b.in(2, 3, 4)
	mean := b.reduce("ReduceMean", x, 1, -1)
	d := b.op("Sub", nil, x, mean)
	vr := b.reduce("ReduceMean", b.op("Pow", nil, d, b.sc(2)), 1, -1)
	eps := b.cst(ir.FromSlice([]int{1, 1, 1, 1}, []float32{1e-3}))
	y := b.op("Div", nil, d, b.op("Sqrt", nil, b.op("Add", nil, vr, eps)))
	b.g.Outputs = []*ir.Value{y}
	m := &ir.Model{Graph: b.g}
	optimizedMatches(t, b, m, b.feeds(m))
}

// Folding does not build a result it would throw away for its size: a
// ConstantOfShape of 2^28 floats (1 GiB) is left to run time without
// being computed at compile time.
func TestFoldSkipsHugeResultsWithoutComputingThem(t *testing.T) {
	b := newGen(t)
	big := b.op("ConstantOfShape", nil, b.ints(1<<14, 1<<14))
	b.g.Outputs = []*ir.Value{b.op("Shape", nil, big), b.op("Neg", nil, big)}
	m := &ir.Model{Graph: b.g}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	if _, err := passes.Optimize(m, passes.Options{Level: 2, VerifyEach: true}); err != nil {
		t.Fatal(err)
	}
	goruntime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 64<<20 {
		t.Errorf("optimizing allocated %d MiB", d>>20)
	}
	if !slices.ContainsFunc(m.Graph.Nodes, func(n *ir.Node) bool { return n.Op == "ConstantOfShape" }) {
		t.Errorf("the 1 GiB constant was folded:\n%s", m.Graph.Text())
	}
}
