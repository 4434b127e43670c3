package passes

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// TestFuseElementwiseWhere: the Where(compare(x, c), a, b) forms autodiff
// writes for Relu, LeakyRelu and ThresholdedRelu become Where<Cmp>
// instructions, alone or inside the chain their operands come from.
func TestFuseElementwiseWhere(t *testing.T) {
	b := newBuilder(t)
	x, dy := b.in("x", 3, 7), b.in("dy", 3, 7)
	zero := b.cst(scalar(0))
	// Relu: alone, the pair is still worth a node (two passes become one).
	relu := b.op("Where", nil, b.op("Greater", nil, x, zero), dy, zero)
	// LeakyRelu: the Mul of the negative side joins.
	leaky := b.op("Where", nil, b.op("GreaterOrEqual", nil, x, zero), dy, b.op("Mul", nil, dy, b.cst(scalar(0.1))))
	// A tensor threshold of another shape, and a chain on both sides: the
	// Mul making a and the Add reading the result join.
	c, u := b.in("c", 7), b.in("u", 3, 7)
	chain := b.op("Add", nil, b.op("Where", nil, b.op("Less", nil, x, c), b.op("Mul", nil, u, u), dy), u)
	// LessOrEqual with x on the right and a constant left side.
	le := b.op("Where", nil, b.op("LessOrEqual", nil, b.cst(scalar(0.5)), u), zero, x)
	model := b.out(relu, leaky, chain, le)
	g := checkPass(t, b, model, fuseElementwise, "dlc.Elementwise:4")
	checkPrograms(t, g.Graph,
		"WhereGreater x0 0 x1 0",
		"Mul x0 0.1; WhereGreaterOrEqual x1 0 x0 t0",
		"Mul x0 x0; WhereLess x1 x2 t0 x3; Add t1 x0",
		"WhereLessOrEqual 0.5 x0 0 x1")
}

// TestFuseElementwiseWhereStays: the pair stays unfused when the bool has
// another reader, the condition is no comparison of float32 values, or
// the Where selects another type.
func TestFuseElementwiseWhereStays(t *testing.T) {
	b := newBuilder(t)
	x, dy := b.in("x", 4, 5), b.in("dy", 4, 5)
	zero := b.cst(scalar(0))
	// The mask is also a graph output, and read by a Cast.
	gt := b.op("Greater", nil, x, zero)
	w1 := b.op("Where", nil, gt, dy, zero)
	ge := b.op("GreaterOrEqual", nil, x, zero)
	w2 := b.op("Where", nil, ge, dy, zero)
	cast := b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float32))}, ge)
	// Equal is not taken in; nor a comparison of int64.
	w3 := b.op("Where", nil, b.op("Equal", nil, x, zero), dy, zero)
	i := b.cst(ir.FromSlice([]int{4, 5}, make([]int64, 20)))
	w4 := b.op("Where", nil, b.op("Less", nil, i, b.cst(ir.Scalar[int64](2))), dy, zero)
	// A Where of int64 values.
	w5 := b.op("Where", nil, b.op("Less", nil, x, zero), i, b.cst(ir.Scalar[int64](7)))
	model := b.out(w1, gt, w2, cast, w3, w4, w5)
	checkPass(t, b, model, fuseElementwise, "Cast:1 Equal:1 Greater:1 GreaterOrEqual:1 Less:2 Where:5")
}

// TestFuseElementwiseWhereTiesAndNaN runs the unfused and fused graphs on
// inputs where x equals c exactly and where either is NaN, for every
// comparison, with broadcast thresholds and odd sizes: the results are
// bitwise equal (NaN compares false, so it selects b).
func TestFuseElementwiseWhereTiesAndNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, cmp := range []string{"Greater", "GreaterOrEqual", "Less", "LessOrEqual"} {
		b := newBuilder(t)
		x, c, dy := b.in("x", 3, 5), b.in("c", 5), b.in("dy", 3, 5)
		zero := b.cst(scalar(0))
		y1 := b.op("Where", nil, b.op(cmp, nil, x, zero), dy, b.op("Neg", nil, dy))
		y2 := b.op("Where", nil, b.op(cmp, nil, x, c), b.op("Exp", nil, dy), zero)
		y3 := b.op("Where", nil, b.op(cmp, nil, c, b.cst(scalar(nan))), dy, c)
		m := b.out(y1, y2, y3)
		f := ir.CloneModel(m)
		if _, err := fuseElementwise(f.Graph); err != nil {
			t.Fatal(err)
		}
		if got := ops(f.Graph); got != "dlc.Elementwise:3" {
			t.Fatalf("%s: ops %s\n%s", cmp, got, f.Graph.Text())
		}
		feeds := map[string]ir.Data{
			"x":  f32s([]int{3, 5}, 0, 1, -1, nan, 2, float32(math.Copysign(0, -1)), 0.5, -0.5, 3, nan, 1e-45, -2, 0, 7, -7),
			"c":  f32s([]int{5}, 0, 0.5, nan, 3, -7),
			"dy": b.randTensor(3, 5),
		}
		want, got := run(t, m, feeds), run(t, f, feeds)
		for i := range want {
			w, g := want[i].(*ir.Tensor).Data.([]float32), got[i].(*ir.Tensor).Data.([]float32)
			for j := range w {
				if math.Float32bits(w[j]) != math.Float32bits(g[j]) {
					t.Fatalf("%s output %d element %d: %v, unfused %v", cmp, i, j, g[j], w[j])
				}
			}
		}
	}
}
