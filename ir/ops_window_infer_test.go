package ir

import "testing"

// Conv, ConvTranspose and the windowed pools infer their output from X's
// spatial dims alone: a symbolic batch (or channel, for pools) passes
// through, and an unknown spatial dim leaves the output unranked.
func TestWindowInferenceSymbolicBatch(t *testing.T) {
	g := NewGraph("g")
	x := g.AddInput("x", TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("n"), Static(3), Static(9), Static(8)}}))
	w := g.AddInput("w", TensorType(Float32, ShapeOf(6, 3, 3, 3)))
	conv := map[string]*Attr{"pads": IntsAttr(1, 1, 1, 1), "strides": IntsAttr(2, 2)}
	if got := inferOne(t, g, "Conv", []*Value{x, w}, conv); got.String() != "f32[n,6,5,4]" {
		t.Errorf("Conv: %s", got)
	}
	wt := g.AddInput("wt", TensorType(Float32, ShapeOf(3, 2, 3, 3)))
	tr := map[string]*Attr{"pads": IntsAttr(1, 1, 1, 1), "strides": IntsAttr(2, 2), "group": IntAttr(1)}
	if got := inferOne(t, g, "ConvTranspose", []*Value{x, wt}, tr); got.String() != "f32[n,2,17,15]" {
		t.Errorf("ConvTranspose: %s", got)
	}
	xc := g.AddInput("xc", TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("n"), Symbolic("c"), Static(7), Static(7)}}))
	pool := map[string]*Attr{"kernel_shape": IntsAttr(2, 2), "strides": IntsAttr(2, 2), "ceil_mode": IntAttr(1)}
	for _, op := range []string{"MaxPool", "AveragePool"} {
		if got := inferOne(t, g, op, []*Value{xc}, pool); got.String() != "f32[n,c,4,4]" {
			t.Errorf("%s: %s", op, got)
		}
	}
	xu := g.AddInput("xu", TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("n"), Static(3), Unknown(), Static(8)}}))
	if got := inferOne(t, g, "Conv", []*Value{xu, w}, conv); got.Shape.Ranked {
		t.Errorf("Conv over an unknown spatial dim: %s, want unranked", got)
	}
	if got := inferOne(t, g, "MaxPool", []*Value{xu}, pool); got.String() != "f32[?,?,?,?]" {
		t.Errorf("MaxPool over an unknown spatial dim: %s", got)
	}
}

// ReduceSum and ReduceMean read axes given by a Constant node, as
// gradient rules emit them, as well as by an initializer; axes from a
// graph input leave the output unranked.
func TestReduceInferenceConstantAxes(t *testing.T) {
	g := NewGraph("g")
	x := g.AddInput("x", TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("n"), Static(3), Static(4), Static(5)}}))
	cn, err := g.AddNode(NodeSpec{Op: "Constant", Outputs: []string{"axes"},
		Attrs: map[string]*Attr{"value": TensorAttr(FromSlice([]int{3}, []int64{0, 2, -1}))}})
	if err != nil {
		t.Fatal(err)
	}
	init := g.AddInit("axes_init", FromSlice([]int{1}, []int64{1}))
	dyn := g.AddInput("axes_in", TensorType(Int64, ShapeOf(1)))
	for _, c := range []struct {
		op   string
		axes *Value
		keep int64
		want string
	}{
		{"ReduceSum", cn.Outputs[0], 1, "f32[1,3,1,1]"},
		{"ReduceMean", cn.Outputs[0], 1, "f32[1,3,1,1]"},
		{"ReduceSum", cn.Outputs[0], 0, "f32[3]"},
		{"ReduceMean", init, 0, "f32[n,4,5]"},
		{"ReduceSum", dyn, 0, "f32"},
	} {
		got := inferOne(t, g, c.op, []*Value{x, c.axes}, map[string]*Attr{"keepdims": IntAttr(c.keep)})
		if !(got.String() == c.want || c.want == "f32" && !got.Shape.Ranked) {
			t.Errorf("%s axes %s keepdims %d: %s, want %s", c.op, c.axes.Name, c.keep, got, c.want)
		}
	}
}
