package ir

import (
	"fmt"
	"testing"
)

// Type inference of the ops in ops_image.go and ops_extra.go: dims follow
// from constant shape-like inputs and stay unknown otherwise.
func TestImageOpInference(t *testing.T) {
	g := NewGraph("g")
	k := 0
	infer := func(op string, in []*Value, attrs map[string]*Attr) string {
		t.Helper()
		k++
		n, err := g.AddNode(NodeSpec{Op: op, Inputs: in, Outputs: []string{fmt.Sprintf("y%d", k)}, Attrs: attrs})
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		return n.Outputs[0].Type.String()
	}
	x := g.AddInput("x", TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("n"), Static(3), Static(4)}}))
	dyn := g.AddInput("s", TensorType(Int64, ShapeOf(2)))
	cases := []struct {
		op    string
		in    []*Value
		attrs map[string]*Attr
		want  string
	}{
		{"CenterCropPad", []*Value{x, g.AddInit("c", FromSlice([]int{2}, []int64{5, 1}))},
			map[string]*Attr{"axes": IntsAttr(0, -1)}, "f32[5,3,1]"},
		{"CenterCropPad", []*Value{x, dyn}, map[string]*Attr{"axes": IntsAttr(0, -1)}, "f32[?,3,?]"},
		{"Col2Im", []*Value{g.AddInput("cols", TensorType(Float32, ShapeOf(2, 12, 6))),
			g.AddInit("img", FromSlice([]int{2}, []int64{3, 4})), g.AddInit("blk", FromSlice([]int{2}, []int64{2, 2}))},
			nil, "f32[2,3,3,4]"},
		{"Col2Im", []*Value{g.AddInput("cols2", TensorType(Float32, ShapeOf(2, 12, 6))), dyn, dyn}, nil, "f32[2,?,?,?]"},
		{"AffineGrid", []*Value{g.AddInput("th", TensorType(Float64, ShapeOf(2, 3, 4))),
			g.AddInit("sz", FromSlice([]int{5}, []int64{2, 1, 4, 5, 6}))}, nil, "f64[2,4,5,6,3]"},
		{"AffineGrid", []*Value{g.AddInput("th2", TensorType(Float32, ShapeOf(2, 2, 3))),
			g.AddInput("sz2", TensorType(Int64, ShapeOf(4)))}, nil, "f32[2,?,?,2]"},
		{"MaxRoiPool", []*Value{g.AddInput("X", TensorType(Float32, ShapeOf(1, 8, 9, 9))),
			g.AddInput("rois", TensorType(Float32, ShapeOf(7, 5)))},
			map[string]*Attr{"pooled_shape": IntsAttr(2, 3)}, "f32[7,8,2,3]"},
		{"ImageDecoder", []*Value{g.AddInput("bytes", TensorType(Uint8, ShapeOf(100)))},
			map[string]*Attr{"pixel_format": StringAttr("Grayscale")}, "u8[?,?,1]"},
		{"ImageDecoder", []*Value{g.AddInput("bytes2", TensorType(Uint8, ShapeOf(100)))}, nil, "u8[?,?,3]"},
		{"Multinomial", []*Value{g.AddInput("logits", TensorType(Float32, ShapeOf(4, 10)))},
			map[string]*Attr{"sample_size": IntAttr(6), "dtype": IntAttr(int64(Int64))}, "i64[4,6]"},
		{"LpNormalization", []*Value{x}, nil, "f32[n,3,4]"},
	}
	for _, c := range cases {
		if got := infer(c.op, c.in, c.attrs); got != c.want {
			t.Errorf("%s: inferred %s, want %s", c.op, got, c.want)
		}
	}
}
