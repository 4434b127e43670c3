package ir

import "testing"

func TestCloneModelIsDeep(t *testing.T) {
	g := NewGraph("main")
	x := g.AddInput("x", TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("N")}}))
	x.Init = FromSlice([]int{1}, []float32{0})
	g.Inits = append(g.Inits, x) // x is an input with a default
	body := g.NewSubgraph("body")
	bn, _ := body.AddNode(NodeSpec{Op: "Add2", Domain: testDomain, Inputs: []*Value{x, x}, Outputs: []string{"c"}})
	body.Outputs = []*Value{bn.Outputs[0]}
	w, err := g.AddNode(NodeSpec{Op: "Wrap", Domain: testDomain, Inputs: []*Value{x}, Outputs: []string{"w"},
		Attrs: map[string]*Attr{"body": GraphAttr(body)}})
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []*Value{w.Outputs[0]}
	m := &Model{Graph: g, Opsets: map[string]int64{"": 17}}
	before := g.Text()

	c := CloneModel(m)
	if err := Verify(c.Graph); err != nil {
		t.Fatal(err)
	}
	if c.Graph.Text() != before {
		t.Errorf("clone prints differently:\n%s\nwant:\n%s", c.Graph.Text(), before)
	}
	cx := c.Graph.Inputs[0]
	if cx == x || c.Graph.Inits[0] != cx || cx.Init != x.Init {
		t.Error("input-with-default not cloned into one value sharing the tensor")
	}
	cw := c.Graph.Nodes[0]
	cbody := cw.Attrs["body"].G
	if cbody == body || cbody.Parent != c.Graph || cbody.Nodes[0].Inputs[0] != cx {
		t.Error("subgraph not cloned, or its capture not redirected to the cloned value")
	}
	// Changing the clone leaves the original alone.
	cx.Type.Shape.Dims[0] = Static(3)
	cw.Attrs["extra"] = IntAttr(1)
	c.Opsets[""] = 1
	if g.Text() != before || m.Opsets[""] != 17 || w.Attrs["extra"] != nil {
		t.Error("changing the clone changed the original")
	}
	// Separate id counters, starting from the same point.
	if c.Graph.NewValue("v", Type{}).ID != g.NewValue("v", Type{}).ID {
		t.Error("clone and original share the id counter")
	}
}
