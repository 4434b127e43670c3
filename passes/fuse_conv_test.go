package passes

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestFuseConvBiasResidualAct(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 1, 2, 5, 5)
	z := b.in("z", 1, 3, 5, 5)
	y := b.op("Conv", map[string]*ir.Attr{"pads": ints(1, 1, 1, 1)}, x, b.rnd(3, 2, 3, 3))
	y = b.op("Add", nil, b.rnd(3, 1, 1), y)
	y = b.op("Add", nil, z, y)
	m := b.out(b.op("Clip", nil, y, b.cst(scalar(0)), b.cst(scalar(6))))
	c := checkPass(t, b, m, fuseConv, "dlc.FusedConv:1")
	n := c.Graph.Nodes[0]
	if n.Str("activation") != "Clip" || n.Float("activation_beta") != 6 || n.In(3) != c.Graph.Inputs[1] || n.In(2) == nil {
		t.Errorf("fused node:\n%s", c.Graph.Text())
	}
}

func TestFuseConvActivations(t *testing.T) {
	for _, c := range []struct {
		act   string
		build func(b *builder, y *ir.Value) *ir.Value
	}{
		{"Relu", func(b *builder, y *ir.Value) *ir.Value { return b.op("Relu", nil, y) }},
		{"Sigmoid", func(b *builder, y *ir.Value) *ir.Value { return b.op("Sigmoid", nil, y) }},
		{"Tanh", func(b *builder, y *ir.Value) *ir.Value { return b.op("Tanh", nil, y) }},
		{"HardSwish", func(b *builder, y *ir.Value) *ir.Value { return b.op("HardSwish", nil, y) }},
		{"LeakyRelu", func(b *builder, y *ir.Value) *ir.Value {
			return b.op("LeakyRelu", map[string]*ir.Attr{"alpha": ir.FloatAttr(0.2)}, y)
		}},
		{"HardSigmoid", func(b *builder, y *ir.Value) *ir.Value { return b.op("HardSigmoid", nil, y) }},
		{"Gelu", func(b *builder, y *ir.Value) *ir.Value { return b.op("Gelu", nil, y) }},
		{"GeluTanh", func(b *builder, y *ir.Value) *ir.Value {
			return b.op("Gelu", map[string]*ir.Attr{"approximate": ir.StringAttr("tanh")}, y)
		}},
		{"Silu", func(b *builder, y *ir.Value) *ir.Value { return b.op("Mul", nil, b.op("Sigmoid", nil, y), y) }},
		{"Clip", func(b *builder, y *ir.Value) *ir.Value { return b.op("Clip", nil, y, nil, b.cst(scalar(0.5))) }},
	} {
		t.Run(c.act, func(t *testing.T) {
			b := newBuilder(t)
			x := b.in("x", 1, 2, 4, 4)
			y := b.op("Conv", nil, x, b.rnd(3, 2, 3, 3), b.rnd(3))
			m := b.out(c.build(b, y))
			got := checkPass(t, b, m, fuseConv, "dlc.FusedConv:1")
			if a := got.Graph.Nodes[0].Str("activation"); a != c.act {
				t.Errorf("activation %q, want %q", a, c.act)
			}
		})
	}
}

// A value read elsewhere stops the fusion at that point.
func TestFuseConvStopsAtSharedValues(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 1, 2, 4, 4)
	y := b.op("Conv", nil, x, b.rnd(3, 2, 3, 3))
	s := b.op("Add", nil, y, b.rnd(3, 1, 1))
	r := b.op("Relu", nil, s)
	m := b.out(r, s) // the biased value is an output too
	checkPass(t, b, m, fuseConv, "Relu:1 dlc.FusedConv:1")

	b = newBuilder(t)
	x = b.in("x", 1, 2, 4, 4)
	y = b.op("Conv", nil, x, b.rnd(3, 2, 3, 3))
	m = b.out(b.op("Relu", nil, y), b.op("Sigmoid", nil, y))
	checkPass(t, b, m, fuseConv, "Conv:1 Relu:1 Sigmoid:1")
}
