package ir

import (
	"strings"
	"testing"
)

// Ops used only by this package's tests, in a domain of their own so they
// never clash with real declarations.
const testDomain = "dlc.test"

func init() {
	Register(
		&OpDef{Name: "Add2", Domain: testDomain, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferBroadcast(Undefined), Doc: "elementwise sum"},
		&OpDef{Name: "Scale", Domain: testDomain, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptFloat("alpha", 2), ReqAttr("mode", AttrString)}, Infer: InferSameAs(0)},
		&OpDef{Name: "Wrap", Domain: testDomain, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("body", AttrGraph)}},
	)
}

func buildTestGraph(t *testing.T) *Graph {
	t.Helper()
	g := NewGraph("main")
	x := g.AddInput("x", TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("N"), Static(4)}}))
	w := g.AddInit("w", FromSlice([]int{4}, []float32{1, 2, 3, 4}))
	n, err := g.AddNode(NodeSpec{Op: "Add2", Domain: testDomain, Name: "add", Inputs: []*Value{x, w}, Outputs: []string{"y"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.AddNode(NodeSpec{Op: "Scale", Domain: testDomain, Inputs: []*Value{n.Outputs[0]}, Outputs: []string{"z"},
		Attrs: map[string]*Attr{"mode": StringAttr("fast")}})
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []*Value{s.Outputs[0]}
	return g
}

func TestTextForm(t *testing.T) {
	g := buildTestGraph(t)
	want := `graph "main" {
  input %x: f32[N,4]
  init %w: f32[4] = f32[4][1 2 3 4]
  %y: f32[N,4] = dlc.test.Add2(%x, %w)  # add
  %z: f32[N,4] = dlc.test.Scale(%y) {mode="fast"}
  output %z
}`
	if got := g.Text(); got != want {
		t.Errorf("text form:\n%s\nwant:\n%s", got, want)
	}
}

func TestAttrDefaults(t *testing.T) {
	g := buildTestGraph(t)
	n := g.Nodes[1]
	if n.Float("alpha") != 2 || n.Str("mode") != "fast" || n.Has("alpha") {
		t.Errorf("alpha=%v mode=%q has(alpha)=%v", n.Float("alpha"), n.Str("mode"), n.Has("alpha"))
	}
}

func TestAddNodeChecks(t *testing.T) {
	g := NewGraph("g")
	x := g.AddInput("x", TensorType(Float32, ShapeOf(2)))
	cases := map[string]NodeSpec{
		"unknown op":         {Op: "Nope", Domain: testDomain, Inputs: []*Value{x}, Outputs: []string{"a"}},
		"has 1 inputs":       {Op: "Add2", Domain: testDomain, Inputs: []*Value{x}, Outputs: []string{"a"}},
		"required attribute": {Op: "Scale", Domain: testDomain, Inputs: []*Value{x}, Outputs: []string{"a"}},
		"unknown attribute": {Op: "Scale", Domain: testDomain, Inputs: []*Value{x}, Outputs: []string{"a"},
			Attrs: map[string]*Attr{"mode": StringAttr("m"), "beta": FloatAttr(1)}},
		"wants float": {Op: "Scale", Domain: testDomain, Inputs: []*Value{x}, Outputs: []string{"a"},
			Attrs: map[string]*Attr{"mode": StringAttr("m"), "alpha": IntAttr(1)}},
		"cannot be broadcast": {Op: "Add2", Domain: testDomain, Outputs: []string{"a"},
			Inputs: []*Value{x, g.AddInput("y", TensorType(Float32, ShapeOf(3)))}},
	}
	for want, spec := range cases {
		_, err := g.AddNode(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

func TestVerify(t *testing.T) {
	g := buildTestGraph(t)
	if err := Verify(g); err != nil {
		t.Fatalf("valid graph: %v", err)
	}
	// Use before definition: swap the two nodes.
	g.Nodes[0], g.Nodes[1] = g.Nodes[1], g.Nodes[0]
	if err := Verify(g); err == nil || !strings.Contains(err.Error(), "used before it is defined") {
		t.Errorf("swapped nodes: err = %v", err)
	}
}

func TestVerifySubgraphScope(t *testing.T) {
	g := NewGraph("main")
	x := g.AddInput("x", TensorType(Float32, ShapeOf(2)))
	body := g.NewSubgraph("body")
	// The body reads x from the enclosing graph.
	bn, err := body.AddNode(NodeSpec{Op: "Add2", Domain: testDomain, Inputs: []*Value{x, x}, Outputs: []string{"b"}})
	if err != nil {
		t.Fatal(err)
	}
	body.Outputs = []*Value{bn.Outputs[0]}
	n, err := g.AddNode(NodeSpec{Op: "Wrap", Domain: testDomain, Inputs: []*Value{x}, Outputs: []string{"y"},
		Attrs: map[string]*Attr{"body": GraphAttr(body)}})
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []*Value{n.Outputs[0]}
	if err := Verify(g); err != nil {
		t.Fatalf("capture from outer scope: %v", err)
	}
	// A value defined later in the outer graph is not visible to the body.
	late := g.AddInput("late", TensorType(Float32, ShapeOf(2)))
	g.Inputs = g.Inputs[:1]
	bn.Inputs[1] = late
	if err := Verify(g); err == nil {
		t.Error("body read an undefined outer value without error")
	}
}
