package ir

import (
	"strings"
	"testing"
)

func TestReplaceUsesReachesOutputsAndCaptures(t *testing.T) {
	g := NewGraph("main")
	x := g.AddInput("x", TensorType(Float32, ShapeOf(2)))
	a, _ := g.AddNode(NodeSpec{Op: "Add2", Domain: testDomain, Inputs: []*Value{x, x}, Outputs: []string{"a"}})
	b, _ := g.AddNode(NodeSpec{Op: "Add2", Domain: testDomain, Inputs: []*Value{x, x}, Outputs: []string{"b"}})
	body := g.NewSubgraph("body")
	bn, err := body.AddNode(NodeSpec{Op: "Add2", Domain: testDomain, Inputs: []*Value{a.Outputs[0], x}, Outputs: []string{"c"}})
	if err != nil {
		t.Fatal(err)
	}
	body.Outputs = []*Value{bn.Outputs[0], a.Outputs[0]}
	w, err := g.AddNode(NodeSpec{Op: "Wrap", Domain: testDomain, Inputs: []*Value{a.Outputs[0]}, Outputs: []string{"w"},
		Attrs: map[string]*Attr{"body": GraphAttr(body)}})
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []*Value{a.Outputs[0], w.Outputs[0]}
	if got := len(g.Uses()[a.Outputs[0]]); got != 4 {
		t.Errorf("a has %d uses, want 4 (Wrap input, capture, body output, graph output)", got)
	}
	if n := g.ReplaceUses(a.Outputs[0], b.Outputs[0]); n != 4 {
		t.Errorf("replaced %d uses, want 4", n)
	}
	if g.Outputs[0] != b.Outputs[0] || bn.Inputs[0] != b.Outputs[0] || body.Outputs[1] != b.Outputs[0] || w.Inputs[0] != b.Outputs[0] {
		t.Error("a use of a was not redirected")
	}
	if removed := g.RemoveDead(); removed != 1 || len(g.Nodes) != 2 {
		t.Errorf("RemoveDead removed %d, left %d nodes; want 1 and 2", removed, len(g.Nodes))
	}
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
}

func TestRemoveDeadKeepsInputDefaults(t *testing.T) {
	g := NewGraph("main")
	x := g.AddInit("x", FromSlice([]int{1}, []float32{1}))
	g.Inputs = append(g.Inputs, x) // an input with a default
	g.AddInit("unused", FromSlice([]int{1}, []float32{2}))
	y := g.AddInput("y", TensorType(Float32, ShapeOf(1)))
	g.AddNode(NodeSpec{Op: "Add2", Domain: testDomain, Inputs: []*Value{y, y}, Outputs: []string{"dead"}})
	g.Outputs = []*Value{y}
	if n := g.RemoveDead(); n != 2 {
		t.Errorf("removed %d, want 2 (the node and the unused initializer)", n)
	}
	if len(g.Inits) != 1 || g.Inits[0] != x {
		t.Errorf("inits %v, want only the input default x", g.Inits)
	}
}

func TestSortTopo(t *testing.T) {
	g := buildTestGraph(t)
	g.Nodes[0], g.Nodes[1] = g.Nodes[1], g.Nodes[0]
	if Verify(g) == nil {
		t.Fatal("swapped graph verifies")
	}
	if err := g.SortTopo(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
	// A cycle is reported.
	g.Nodes[0].Inputs[0] = g.Nodes[1].Outputs[0]
	if err := g.SortTopo(); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: error %v", err)
	}
}

func TestReinferAfterInputChange(t *testing.T) {
	g := buildTestGraph(t)
	g.Inputs[0].Type.Shape = ShapeOf(3, 4)
	if err := Reinfer(g); err != nil {
		t.Fatal(err)
	}
	if got := g.Outputs[0].Type.String(); got != "f32[3,4]" {
		t.Errorf("output type %s, want f32[3,4]", got)
	}
	// A contradiction with what was known is an error, and types stay.
	g.Inputs[0].Type.Shape = ShapeOf(3, 5)
	if err := Reinfer(g); err == nil {
		t.Error("contradicting shapes accepted")
	}
	if got := g.Outputs[0].Type.String(); got != "f32[3,4]" {
		t.Errorf("after the error the type is %s, want f32[3,4] kept", got)
	}
}

func TestMergeTypes(t *testing.T) {
	sym := TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("N"), Unknown()}})
	got, err := MergeTypes(TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Unknown(), Static(3)}}), sym)
	if err != nil || got.String() != "f32[N,3]" {
		t.Errorf("merge: %s, %v; want f32[N,3]", got, err)
	}
	if _, err := MergeTypes(TensorType(Float32, ShapeOf(2)), TensorType(Int64, ShapeOf(2))); err == nil {
		t.Error("dtype clash accepted")
	}
	if got, _ := MergeTypes(TensorType(Float32, UnrankedShape), TensorType(Undefined, ShapeOf(2, 2))); got.String() != "f32[2,2]" {
		t.Errorf("unranked merge: %s", got)
	}
}

func TestFoldNode(t *testing.T) {
	g := buildTestGraph(t)
	n := g.Nodes[0]
	if err := g.FoldNode(n, []*Tensor{FromSlice([]int{2}, []float32{1, 2})}); err == nil {
		t.Error("a tensor that does not fit the output type was accepted")
	}
	g.Inputs[0].Type.Shape = ShapeOf(1, 4)
	if err := Reinfer(g); err != nil {
		t.Fatal(err)
	}
	y := n.Outputs[0]
	if err := g.FoldNode(n, []*Tensor{FromSlice([]int{1, 4}, []float32{1, 2, 3, 4})}); err != nil {
		t.Fatal(err)
	}
	if y.Producer != nil || y.Init == nil || len(g.Nodes) != 1 || g.Nodes[0].Inputs[0] != y {
		t.Error("folded value is not an initializer read by the old readers")
	}
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
}

func TestNamer(t *testing.T) {
	g := buildTestGraph(t)
	nm := NewNamer(g)
	if a, b, c := nm.Name("y"), nm.Name("y"), nm.Name("q"); a != "y_1" || b != "y_2" || c != "q" {
		t.Errorf("names %q %q %q", a, b, c)
	}
	if got := g.UniqueName("z"); got != "z_1" {
		t.Errorf("UniqueName(z) = %q", got)
	}
}
