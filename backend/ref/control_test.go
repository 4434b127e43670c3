package ref

import (
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// cfFrame is a minimal interpreter for tests of kernels that run
// subgraphs: it evaluates a graph node by node with the reference kernels
// and resolves captured values through its parent frames.
type cfFrame struct {
	vals   map[*ir.Value]ir.Data
	parent *cfFrame
}

func (f *cfFrame) get(v *ir.Value) ir.Data {
	for ; f != nil; f = f.parent {
		if d, ok := f.vals[v]; ok {
			return d
		}
	}
	if v.Init != nil {
		return v.Init
	}
	return nil
}

func (f *cfFrame) RunGraph(g *ir.Graph, inputs []ir.Data) ([]ir.Data, error) {
	sub := &cfFrame{vals: map[*ir.Value]ir.Data{}, parent: f}
	for i, v := range g.Inputs {
		sub.vals[v] = inputs[i]
	}
	for _, n := range g.Nodes {
		in := make([]ir.Data, len(n.Inputs))
		for i, v := range n.Inputs {
			if v != nil {
				in[i] = sub.get(v)
			}
		}
		out, err := Lookup(ir.OpKey(n.Domain, n.Op))(sub, n, in)
		if err != nil {
			return nil, err
		}
		for i, v := range n.Outputs {
			if v != nil {
				sub.vals[v] = out[i]
			}
		}
	}
	res := make([]ir.Data, len(g.Outputs))
	for i, v := range g.Outputs {
		res[i] = sub.get(v)
	}
	return res, nil
}

// cfRun runs graph g (whose inputs take data) with the test interpreter.
func cfRun(t *testing.T, g *ir.Graph, data ...ir.Data) ([]ir.Data, error) {
	t.Helper()
	if err := ir.Verify(g); err != nil {
		t.Fatalf("graph does not verify: %v", err)
	}
	return (&cfFrame{vals: map[*ir.Value]ir.Data{}}).RunGraph(g, data)
}

// cfNode adds a node to g and fails the test on error.
func cfNode(t *testing.T, g *ir.Graph, spec ir.NodeSpec) *ir.Node {
	t.Helper()
	n, err := g.AddNode(spec)
	if err != nil {
		t.Fatalf("%s: %v", spec.Op, err)
	}
	return n
}

// cfTensor checks a tensor's shape and values exactly (via float64).
func cfTensor(t *testing.T, what string, d ir.Data, shape []int, want ...float64) {
	t.Helper()
	x, ok := d.(*ir.Tensor)
	if !ok {
		t.Fatalf("%s: got %T, want a tensor", what, d)
	}
	if !slices.Equal(x.Shape, shape) {
		t.Fatalf("%s: shape %v, want %v", what, x.Shape, shape)
	}
	for i, w := range want {
		if got := x.Float64At(i); got != w {
			t.Fatalf("%s: value %d is %v, want %v (all: %v)", what, i, got, w, x.Float64s())
		}
	}
}

func cfErr(t *testing.T, what string, err error, contains string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), contains) {
		t.Fatalf("%s: error %v, want one containing %q", what, err, contains)
	}
}

var (
	cfI64Scalar  = ir.TensorType(ir.Int64, ir.ShapeOf())
	cfBoolScalar = ir.TensorType(ir.Bool, ir.ShapeOf())
)

func TestIfRunsBranchWithCapturedValue(t *testing.T) {
	g := ir.NewGraph("main")
	cond := g.AddInput("cond", cfBoolScalar)
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	then := g.NewSubgraph("then")
	sum := cfNode(t, then, ir.NodeSpec{Op: "Add", Inputs: []*ir.Value{x, x}, Outputs: []string{"twice"}})
	then.Outputs = sum.Outputs
	els := g.NewSubgraph("else")
	id := cfNode(t, els, ir.NodeSpec{Op: "Identity", Inputs: []*ir.Value{x}, Outputs: []string{"same"}})
	els.Outputs = id.Outputs
	n := cfNode(t, g, ir.NodeSpec{Op: "If", Inputs: []*ir.Value{cond}, Outputs: []string{"y"},
		Attrs: map[string]*ir.Attr{"then_branch": ir.GraphAttr(then), "else_branch": ir.GraphAttr(els)}})
	g.Outputs = n.Outputs
	if got := n.Outputs[0].Type; !got.Equal(ir.TensorType(ir.Float32, ir.ShapeOf(2))) {
		t.Errorf("inferred type %s", got)
	}
	xs := ir.FromSlice([]int{2}, []float32{1.5, -2})
	res, err := cfRun(t, g, ir.Scalar(true), xs)
	if err != nil {
		t.Fatal(err)
	}
	cfTensor(t, "then", res[0], []int{2}, 3, -4)
	res, err = cfRun(t, g, ir.Scalar(false), xs)
	if err != nil {
		t.Fatal(err)
	}
	cfTensor(t, "else", res[0], []int{2}, 1.5, -2)
	_, err = cfRun(t, g, ir.FromSlice([]int{2}, []bool{true, false}), xs)
	cfErr(t, "two-element cond", err, "one element")
}

// cfLoopGraph builds Loop(M, cond, acc) whose body adds the iteration
// number to acc, returns acc as a scan output, and continues while
// i < limit (limit < 0: the body passes its condition through).
func cfLoopGraph(t *testing.T, limit int64) *ir.Graph {
	g := ir.NewGraph("main")
	m := g.AddInput("M", cfI64Scalar)
	c := g.AddInput("cond", cfBoolScalar)
	acc := g.AddInput("acc", cfI64Scalar)
	body := g.NewSubgraph("body")
	i := body.AddInput("i", cfI64Scalar)
	ci := body.AddInput("c", cfBoolScalar)
	a := body.AddInput("a", cfI64Scalar)
	next := cfNode(t, body, ir.NodeSpec{Op: "Add", Inputs: []*ir.Value{a, i}, Outputs: []string{"next"}}).Outputs[0]
	condOut := ci
	if limit >= 0 {
		lim := body.AddInit("limit", ir.Scalar(limit))
		condOut = cfNode(t, body, ir.NodeSpec{Op: "Less", Inputs: []*ir.Value{i, lim}, Outputs: []string{"more"}}).Outputs[0]
	}
	body.Outputs = []*ir.Value{condOut, next, next}
	n := cfNode(t, g, ir.NodeSpec{Op: "Loop", Inputs: []*ir.Value{m, c, acc}, Outputs: []string{"final", "scan"},
		Attrs: map[string]*ir.Attr{"body": ir.GraphAttr(body)}})
	g.Outputs = n.Outputs
	if got := n.Outputs[1].Type; got.DType != ir.Int64 || got.Shape.Rank() != 1 {
		t.Errorf("inferred scan output type %s, want i64[?]", got)
	}
	return g
}

func TestLoopTripCountAndScanOutputs(t *testing.T) {
	g := cfLoopGraph(t, -1)
	res, err := cfRun(t, g, ir.Scalar(int64(4)), ir.Scalar(true), ir.Scalar(int64(10)))
	if err != nil {
		t.Fatal(err)
	}
	cfTensor(t, "final", res[0], nil, 16)
	cfTensor(t, "scan", res[1], []int{4}, 10, 11, 13, 16)

	// Zero trips: the carried value passes through and the scan output
	// is empty with the body output's (scalar) item shape.
	res, err = cfRun(t, g, ir.Scalar(int64(0)), ir.Scalar(true), ir.Scalar(int64(10)))
	if err != nil {
		t.Fatal(err)
	}
	cfTensor(t, "final", res[0], nil, 10)
	cfTensor(t, "empty scan", res[1], []int{0})
	if res[1].(*ir.Tensor).DType != ir.Int64 {
		t.Errorf("empty scan dtype %s", res[1].(*ir.Tensor).DType)
	}
	// A false initial condition runs no iteration either.
	res, err = cfRun(t, g, ir.Scalar(int64(5)), ir.Scalar(false), ir.Scalar(int64(1)))
	if err != nil {
		t.Fatal(err)
	}
	cfTensor(t, "final", res[0], nil, 1)

	_, err = cfRun(t, g, ir.Scalar(float32(2)), ir.Scalar(true), ir.Scalar(int64(1)))
	cfErr(t, "float M", err, "integer")
}

func TestLoopConditionFromBody(t *testing.T) {
	g := cfLoopGraph(t, 2) // continues while i < 2: runs i = 0, 1, 2
	res, err := cfRun(t, g, ir.Scalar(int64(100)), ir.Scalar(true), ir.Scalar(int64(0)))
	if err != nil {
		t.Fatal(err)
	}
	cfTensor(t, "final", res[0], nil, 3)
	cfTensor(t, "scan", res[1], []int{3}, 0, 1, 3)
}

// cfScanGraph builds a running-sum Scan over x with the given attributes.
func cfScanGraph(t *testing.T, xShape []int, attrs map[string]*ir.Attr) *ir.Graph {
	g := ir.NewGraph("main")
	init := g.AddInput("init", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(xShape...)))
	body := g.NewSubgraph("body")
	s := body.AddInput("s", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	v := body.AddInput("v", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	sum := cfNode(t, body, ir.NodeSpec{Op: "Add", Inputs: []*ir.Value{s, v}, Outputs: []string{"sum"}}).Outputs[0]
	body.Outputs = []*ir.Value{sum, sum}
	attrs["body"] = ir.GraphAttr(body)
	attrs["num_scan_inputs"] = ir.IntAttr(1)
	n := cfNode(t, g, ir.NodeSpec{Op: "Scan", Inputs: []*ir.Value{init, x}, Outputs: []string{"final", "sums"}, Attrs: attrs})
	g.Outputs = n.Outputs
	return g
}

func TestScanForwardAndReverse(t *testing.T) {
	x := ir.FromSlice([]int{3, 2}, []float32{1, 2, 3, 4, 5, 6})
	zero := ir.FromSlice([]int{2}, []float32{0, 0})
	res, err := cfRun(t, cfScanGraph(t, []int{3, 2}, map[string]*ir.Attr{}), zero, x)
	if err != nil {
		t.Fatal(err)
	}
	cfTensor(t, "final", res[0], []int{2}, 9, 12)
	cfTensor(t, "sums", res[1], []int{3, 2}, 1, 2, 4, 6, 9, 12)

	// Scan along axis 1 of the transposed input, backwards, and write the
	// outputs from the end along output axis 1.
	xt := ir.FromSlice([]int{2, 3}, []float32{1, 3, 5, 2, 4, 6})
	attrs := map[string]*ir.Attr{"scan_input_axes": ir.IntsAttr(-1), "scan_input_directions": ir.IntsAttr(1),
		"scan_output_axes": ir.IntsAttr(1), "scan_output_directions": ir.IntsAttr(1)}
	res, err = cfRun(t, cfScanGraph(t, []int{2, 3}, attrs), zero, xt)
	if err != nil {
		t.Fatal(err)
	}
	cfTensor(t, "final", res[0], []int{2}, 9, 12)
	// Steps see rows 5,6 then 3,4 then 1,2: sums (5,6), (8,10), (9,12),
	// stored last-first along axis 1.
	cfTensor(t, "sums", res[1], []int{2, 3}, 9, 8, 5, 12, 10, 6)
}

func TestScanErrors(t *testing.T) {
	zero := ir.FromSlice([]int{2}, []float32{0, 0})
	x := ir.FromSlice([]int{3, 2}, []float32{1, 2, 3, 4, 5, 6})
	g := cfScanGraph(t, []int{3, 2}, map[string]*ir.Attr{"scan_input_axes": ir.IntsAttr(2)})
	_, err := cfRun(t, g, zero, x)
	cfErr(t, "bad axis", err, "out of range")
	g = cfScanGraph(t, []int{3, 2}, map[string]*ir.Attr{"scan_input_axes": ir.IntsAttr(0, 1)})
	_, err = cfRun(t, g, zero, x)
	cfErr(t, "axes count", err, "entries")
}
