package ir

import (
	"math"
	"testing"
)

func TestConstInputShapeInference(t *testing.T) {
	g := NewGraph("g")
	x := g.AddInput("x", TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("n"), Static(10), Static(7)}}))
	i64 := func(name string, v ...int64) *Value { return g.AddInit(name, FromSlice([]int{len(v)}, v)) }
	cases := []struct {
		op    string
		in    []*Value
		attrs map[string]*Attr
		want  string
	}{
		{"Slice", []*Value{x, i64("s1", 1, -1), i64("e1", 9, -100), i64("a1", 1, 2), i64("t1", 3, -2)}, nil, "f32[n,3,4]"},
		{"Slice", []*Value{x, i64("s2", 2), i64("e2", 100)}, nil, "f32[?,10,7]"},
		{"Slice", []*Value{x, i64("s3", 0), i64("e3", 5), i64("a3", -1)}, nil, "f32[n,10,5]"},
		{"Slice", []*Value{x, g.AddInput("dyn", TensorType(Int64, ShapeOf(1))), i64("e4", 5)}, nil, "f32[?,?,?]"},
		// A step of math.MinInt64 takes one element; |step| must not overflow.
		{"Slice", []*Value{x, i64("s5", -1), i64("e5", -100), i64("a5", 2), i64("t5", math.MinInt64)}, nil, "f32[n,10,1]"},
		{"Slice", []*Value{x, i64("s6", 0), i64("e6", 5), i64("a6", 1), i64("t6", 0)}, nil, "f32[n,?,7]"},
		{"Pad", []*Value{x, i64("p1", 0, 1, 2, 0, 3, -1)}, nil, "f32[n,14,8]"},
		{"Tile", []*Value{x, i64("r1", 2, 1, 3)}, nil, "f32[?,10,21]"},
	}
	for _, c := range cases {
		if got := inferOne(t, g, c.op, c.in, c.attrs); got.String() != c.want {
			t.Errorf("%s %v: got %s, want %s", c.op, c.in, got, c.want)
		}
	}
	n, err := g.AddNode(NodeSpec{Op: "Split", Inputs: []*Value{x}, Outputs: []string{"a", "b", "c"}, Attrs: map[string]*Attr{"axis": IntAttr(2)}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"f32[n,10,3]", "f32[n,10,3]", "f32[n,10,1]"} {
		if got := n.Outputs[i].Type.String(); got != want {
			t.Errorf("Split into 3 along 7: output %d is %s, want %s", i, got, want)
		}
	}
	n, err = g.AddNode(NodeSpec{Op: "Split", Inputs: []*Value{x, i64("sp", 3, 7)}, Outputs: []string{"d", "e"}, Attrs: map[string]*Attr{"axis": IntAttr(1)}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"f32[n,3,7]", "f32[n,7,7]"} {
		if got := n.Outputs[i].Type.String(); got != want {
			t.Errorf("Split 3+7: output %d is %s, want %s", i, got, want)
		}
	}
}
