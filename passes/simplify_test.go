package passes

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestSimplifyNoOps(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2, 3)
	v := b.op("Identity", nil, x)
	v = b.op("Dropout", nil, v)
	v = b.op("Reshape", nil, v, b.cst(i64s(2, 3)))
	v = b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 1)}, v)
	v = b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float32))}, v)
	v = b.op("Mul", nil, b.cst(scalar(1)), v)
	v = b.op("Add", nil, v, b.cst(f32s([]int{3}, 0, 0, 0)))
	v = b.op("Div", nil, v, b.cst(scalar(1)))
	v = b.op("Sub", nil, v, b.cst(scalar(0)))
	m := b.out(b.op("Relu", nil, v))
	checkPass(t, b, m, simplify, "Relu:1")
}

// Ops that change the shape or the values stay.
func TestSimplifyKeepsRealWork(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 1, 3)
	v := b.op("Add", nil, x, b.cst(f32s([]int{2, 1}, 0, 0))) // broadcasts to [2,3]
	v = b.op("Mul", nil, v, b.cst(scalar(2)))
	v = b.op("Sub", nil, b.cst(scalar(0)), v) // 0 - v is not v
	d := b.op("Dropout", nil, v, b.cst(scalar(0.5)), b.cst(ir.Scalar(true)))
	m := b.out(b.op("Transpose", nil, d))
	checkPassNoRun(t, m, simplify, "Add:1 Dropout:1 Mul:1 Sub:1 Transpose:1")
}

// checkPassNoRun is checkPass for graphs with random ops: structure only.
func checkPassNoRun(t *testing.T, m *ir.Model, pass func(*ir.Graph) (bool, error), want string) {
	t.Helper()
	c := ir.CloneModel(m)
	if _, err := pass(c.Graph); err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(c.Graph); err != nil {
		t.Fatal(err)
	}
	if got := ops(c.Graph); got != want {
		t.Errorf("ops %s, want %s\n%s", got, want, c.Graph.Text())
	}
}

func TestSimplifyReshapeChain(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2, 3, 4)
	v := b.op("Flatten", map[string]*ir.Attr{"axis": ir.IntAttr(2)}, x)
	v = b.op("Unsqueeze", nil, v, b.cst(i64s(0)))
	v = b.op("Squeeze", nil, v, b.cst(i64s(0)))
	v = b.op("Reshape", nil, v, b.cst(i64s(4, -1)))
	m := b.out(b.op("Relu", nil, v))
	c := checkPass(t, b, m, simplify, "Relu:1 Reshape:1")
	r := c.Graph.Nodes[0]
	if r.Inputs[0] != c.Graph.Inputs[0] {
		t.Error("the merged Reshape does not read x")
	}
	if got := r.Inputs[1].Init.Int64s(); len(got) != 2 || got[0] != 4 || got[1] != 6 {
		t.Errorf("merged shape %v, want [4 6]", got)
	}
}

func TestSimplifyTransposeChain(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2, 3, 4)
	v := b.op("Transpose", map[string]*ir.Attr{"perm": ints(1, 2, 0)}, x)
	v = b.op("Transpose", map[string]*ir.Attr{"perm": ints(2, 0, 1)}, v) // undoes it
	w := b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 2, 1)}, x)
	w = b.op("Transpose", map[string]*ir.Attr{"perm": ints(1, 0, 2)}, w)
	m := b.out(b.op("Relu", nil, v), w)
	c := checkPass(t, b, m, simplify, "Relu:1 Transpose:1")
	for _, n := range c.Graph.Nodes {
		if is(n, "Transpose") {
			if got := perm(n); got[0] != 2 || got[1] != 0 || got[2] != 1 {
				t.Errorf("composed perm %v, want [2 0 1]", got)
			}
		}
	}
}

func TestSimplifyCastChain(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 4)
	cast := func(v *ir.Value, to ir.DType) *ir.Value {
		return b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(to))}, v)
	}
	lossless := cast(cast(x, ir.Float64), ir.Float32) // f32 -> f64 -> f32: x
	lossy := cast(cast(x, ir.Int32), ir.Float32)      // truncates: stays
	viaF64 := cast(cast(x, ir.Float64), ir.Int64)     // f32 -> f64 -> i64: one Cast
	m := b.out(b.op("Add", nil, lossless, lossy), viaF64)
	checkPass(t, b, m, simplify, "Add:1 Cast:3")
}

// A Cast to the input's own dtype goes even when shapes are symbolic.
func TestSimplifyCastSameDTypeDynamic(t *testing.T) {
	b := newBuilder(t)
	x := b.g.AddInput("x", ir.TensorType(ir.Float32, ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("N")}}))
	m := b.out(b.op("Relu", nil, b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float32))}, x)))
	checkPassNoRun(t, m, simplify, "Relu:1")
}
