package ir

import "testing"

// inferOne adds one node of op to g and returns its first output's type.
func inferOne(t *testing.T, g *Graph, op string, in []*Value, attrs map[string]*Attr) Type {
	t.Helper()
	n, err := g.AddNode(NodeSpec{Op: op, Inputs: in, Outputs: []string{g.Name + op}, Attrs: attrs})
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return n.Outputs[0].Type
}

func TestShapeOpInference(t *testing.T) {
	g := NewGraph("g")
	x := g.AddInput("x", TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("n"), Static(3), Static(4)}}))
	shape := g.AddInit("s", FromSlice([]int{2}, []int64{0, -1}))
	if got := inferOne(t, g, "Reshape", []*Value{x, shape}, nil); got.String() != "f32[n,?]" {
		t.Errorf("Reshape: %s", got)
	}
	axes := g.AddInit("a", FromSlice([]int{2}, []int64{-1, 0}))
	if got := inferOne(t, g, "Unsqueeze", []*Value{x, axes}, nil); got.String() != "f32[1,n,3,4,1]" {
		t.Errorf("Unsqueeze: %s", got)
	}
	if got := inferOne(t, g, "Concat", []*Value{x, x}, map[string]*Attr{"axis": IntAttr(-1)}); got.String() != "f32[n,3,8]" {
		t.Errorf("Concat: %s", got)
	}
	if got := inferOne(t, g, "Transpose", []*Value{x}, nil); got.String() != "f32[4,3,n]" {
		t.Errorf("Transpose: %s", got)
	}
	if got := inferOne(t, g, "Shape", []*Value{x}, map[string]*Attr{"start": IntAttr(1)}); got.String() != "i64[2]" {
		t.Errorf("Shape: %s", got)
	}
	idx := g.AddInput("i", TensorType(Int64, ShapeOf(5)))
	if got := inferOne(t, g, "Gather", []*Value{x, idx}, map[string]*Attr{"axis": IntAttr(1)}); got.String() != "f32[n,5,4]" {
		t.Errorf("Gather: %s", got)
	}
	if got := inferOne(t, g, "Flatten", []*Value{x}, map[string]*Attr{"axis": IntAttr(1)}); got.String() != "f32[?,12]" {
		t.Errorf("Flatten: %s", got)
	}
	// A graph input with a default may be overridden: not a constant.
	over := g.AddInput("o", TensorType(Int64, ShapeOf(2)))
	over.Init = FromSlice([]int{2}, []int64{12, 1})
	g.Inits = append(g.Inits, over)
	if got := inferOne(t, g, "Reshape", []*Value{x, over}, nil); got.Shape.Ranked {
		t.Errorf("Reshape by an overridable input: %s", got)
	}
}
