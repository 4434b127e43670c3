package passes

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestFoldConstantChain(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2, 3)
	k := b.op("Constant", map[string]*ir.Attr{"value": ir.TensorAttr(f32s([]int{3}, 1, 2, 3))})
	k2 := b.op("Mul", nil, k, b.cst(scalar(2)))
	m := b.out(b.op("Add", nil, x, k2))
	c := checkPass(t, b, m, fold, "Add:1")
	add := c.Graph.Nodes[0]
	if got := add.Inputs[1].Init; got == nil || got.Float64At(2) != 6 {
		t.Errorf("folded constant %v", got)
	}
}

func TestFoldShapeOfStaticValue(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2, 3, 4)
	sh := b.op("Shape", map[string]*ir.Attr{"start": ir.IntAttr(1)}, x)
	sz := b.op("Size", nil, x)
	m := b.out(b.op("Reshape", nil, x, b.op("Concat", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, b.cst(i64s(-1)), sh)), sz)
	c := checkPass(t, b, m, fold, "Reshape:1")
	if got := c.Graph.Outputs[0].Type.String(); got != "f32[2,3,4]" {
		t.Errorf("reshape type %s: folding should sharpen readers' types", got)
	}
}

// Shape of a symbolic dim stays; after FixInputShapes it folds.
func TestFoldAfterFixInputShapes(t *testing.T) {
	b := newBuilder(t)
	x := b.g.AddInput("x", ir.TensorType(ir.Float32, ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("N"), ir.Static(3)}}))
	m := b.out(b.op("Shape", nil, x))
	c := ir.CloneModel(m)
	if _, err := fold(c.Graph); err != nil || ops(c.Graph) != "Shape:1" {
		t.Fatalf("symbolic Shape folded: %s, %v", ops(c.Graph), err)
	}
	if err := FixInputShapes(c.Graph, map[string][]int{"x": {5, 3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fold(c.Graph); err != nil || ops(c.Graph) != "" {
		t.Fatalf("Shape after FixInputShapes: %s, %v", ops(c.Graph), err)
	}
	if got := c.Graph.Outputs[0].Init.Int64s(); got[0] != 5 || got[1] != 3 {
		t.Errorf("folded shape %v", got)
	}
	if err := FixInputShapes(ir.CloneModel(m).Graph, map[string][]int{"x": {5, 4}}); err == nil {
		t.Error("a shape the declaration refuses was accepted")
	}
	if err := FixInputShapes(ir.CloneModel(m).Graph, map[string][]int{"y": {5, 3}}); err == nil {
		t.Error("an unknown input was accepted")
	}
}

func TestFoldSkipsRandomLargeAndOverridable(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2)
	rnd := b.op("RandomUniform", map[string]*ir.Attr{"shape": ints(2)})
	big := b.op("ConstantOfShape", nil, b.cst(i64s(1000, 1000)))
	// An initializer that is also an input is a default, not a constant.
	d := b.cst(f32s([]int{2}, 1, 2))
	b.g.Inputs = append(b.g.Inputs, d)
	m := b.out(b.op("Add", nil, x, rnd), big, b.op("Neg", nil, d))
	c := ir.CloneModel(m)
	if _, err := fold(c.Graph); err != nil {
		t.Fatal(err)
	}
	if got := ops(c.Graph); got != "Add:1 ConstantOfShape:1 Neg:1 RandomUniform:1" {
		t.Errorf("ops %s", got)
	}
}
