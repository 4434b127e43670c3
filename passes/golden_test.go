package passes

import (
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Golden tests: a small graph in, the pipeline's text form out (the
// printer of ir/print.go), compared line by line.
func checkGolden(t *testing.T, m *ir.Model, level int, want string) {
	t.Helper()
	if _, err := Optimize(m, Options{Level: level, VerifyEach: true}); err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSpace(m.Graph.Text())
	if want = strings.TrimSpace(want); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestGoldenResidualBlock(t *testing.T) {
	g := ir.NewGraph("block")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(1, 2, 3, 3)))
	w := g.AddInit("w", ir.FromSlice([]int{2, 2, 1, 1}, []float32{1, 2, 3, 4}))
	one := g.AddInit("one", ir.FromSlice([]int{2}, []float32{1, 1}))
	zero := g.AddInit("zero", ir.FromSlice([]int{2}, []float32{0, 0}))
	vr := g.AddInit("var", ir.FromSlice([]int{2}, []float32{3, 0}))
	add := func(op string, attrs map[string]*ir.Attr, out string, in ...*ir.Value) *ir.Value {
		n, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{out}, Attrs: attrs})
		if err != nil {
			t.Fatal(err)
		}
		return n.Outputs[0]
	}
	y := add("Conv", nil, "conv", x, w)
	y = add("BatchNormalization", map[string]*ir.Attr{"epsilon": ir.FloatAttr(1)}, "bn", y, one, zero, zero, vr)
	y = add("Add", nil, "sum", y, add("Identity", nil, "skip", x))
	g.Outputs = []*ir.Value{add("Relu", nil, "out", y)}
	checkGolden(t, &ir.Model{Graph: g}, 2, `
graph "block" {
  input %x: f32[1,2,3,3]
  init %w_bn: f32[2,2,1,1] = f32[2 2 1 1][0.5 1 3 4]
  init %bias_bn: f32[2] = f32[2][0 0]
  %out: f32[1,2,3,3] = dlc.FusedConv(%x, %w_bn, %bias_bn, %x) {activation="Relu", activation_alpha=0, activation_beta=0}
  output %out
}`)
}

func TestGoldenShapeArithmetic(t *testing.T) {
	// The Shape/Gather/Concat/Reshape chain exporters emit for a flatten
	// folds into one Reshape with a constant shape once shapes are fixed.
	g := ir.NewGraph("flatten")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("N"), ir.Static(2), ir.Static(3)}}))
	add := func(op string, attrs map[string]*ir.Attr, out string, in ...*ir.Value) *ir.Value {
		n, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{out}, Attrs: attrs})
		if err != nil {
			t.Fatal(err)
		}
		return n.Outputs[0]
	}
	sh := add("Shape", nil, "shape", x)
	n0 := add("Gather", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, "n", sh, g.AddInit("zero", ir.FromSlice([]int{1}, []int64{0})))
	dims := add("Concat", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, "dims", n0, g.AddInit("minus1", ir.FromSlice([]int{1}, []int64{-1})))
	g.Outputs = []*ir.Value{add("Reshape", nil, "y", x, dims)}
	m := &ir.Model{Graph: g}
	if err := FixInputShapes(g, map[string][]int{"x": {4, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, m, 1, `
graph "flatten" {
  input %x: f32[4,2,3]
  init %dims: i64[2] = i64[2][4 -1]
  %y: f32[4,6] = Reshape(%x, %dims)
  output %y
}`)
}
