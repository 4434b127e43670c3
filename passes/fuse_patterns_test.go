package passes

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// layerNormGraph builds what PyTorch 1.13 exports for nn.LayerNorm at
// opset < 17 (see tiny_bert_op13 in internal/realmodels).
func layerNormGraph(b *builder, x *ir.Value, affine bool) *ir.Value {
	axes := b.cst(i64s(-1))
	mean := b.op("ReduceMean", nil, x, axes)
	d := b.op("Sub", nil, x, mean)
	v := b.op("ReduceMean", nil, b.op("Pow", nil, d, b.cst(scalar(2))), axes)
	s := b.op("Sqrt", nil, b.op("Add", nil, v, b.cst(scalar(1e-5))))
	y := b.op("Div", nil, d, s)
	if affine {
		y = b.op("Add", nil, b.op("Mul", nil, y, b.rnd(8)), b.rnd(8))
	}
	return y
}

func TestFuseLayerNorm(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2, 3, 8)
	m := b.out(layerNormGraph(b, x, true), layerNormGraph(b, b.op("Relu", nil, x), false))
	c := checkPass(t, b, m, fusePatterns, "LayerNormalization:2 Relu:1")
	for _, n := range c.Graph.Nodes {
		if is(n, "LayerNormalization") && (n.Int("axis") != 2 || n.Float("epsilon") != 1e-5) {
			t.Errorf("axis %d epsilon %g", n.Int("axis"), n.Float("epsilon"))
		}
	}
}

// The orders in which the GELU decomposition appears.
func TestFuseGelu(t *testing.T) {
	sqrt2 := float32(math.Sqrt2)
	for name, build := range map[string]func(b *builder, x *ir.Value) *ir.Value{
		"(x*a)*0.5": func(b *builder, x *ir.Value) *ir.Value {
			a := b.op("Add", nil, b.op("Erf", nil, b.op("Div", nil, x, b.cst(scalar(sqrt2)))), b.cst(scalar(1)))
			return b.op("Mul", nil, b.op("Mul", nil, x, a), b.cst(scalar(0.5)))
		},
		"x*(a*0.5)": func(b *builder, x *ir.Value) *ir.Value {
			a := b.op("Add", nil, b.cst(scalar(1)), b.op("Erf", nil, b.op("Mul", nil, x, b.cst(scalar(1/sqrt2)))))
			return b.op("Mul", nil, x, b.op("Mul", nil, a, b.cst(scalar(0.5))))
		},
		"(x*0.5)*a": func(b *builder, x *ir.Value) *ir.Value {
			a := b.op("Add", nil, b.op("Erf", nil, b.op("Div", nil, x, b.cst(scalar(sqrt2)))), b.cst(scalar(1)))
			return b.op("Mul", nil, b.op("Mul", nil, x, b.cst(scalar(0.5))), a)
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder(t)
			x := b.in("x", 3, 7)
			m := b.out(build(b, b.op("Relu", nil, x)))
			checkPass(t, b, m, fusePatterns, "Gelu:1 Relu:1")
		})
	}
	// A wrong constant is not GELU.
	b := newBuilder(t)
	x := b.in("x", 3, 7)
	a := b.op("Add", nil, b.op("Erf", nil, b.op("Div", nil, x, b.cst(scalar(1.5)))), b.cst(scalar(1)))
	m := b.out(b.op("Mul", nil, b.op("Mul", nil, x, a), b.cst(scalar(0.5))))
	checkPass(t, b, m, fusePatterns, "Add:1 Div:1 Erf:1 Mul:2")
}

func TestFuseSoftmax(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 4, 6)
	e := b.op("Exp", nil, x)
	plain := b.op("Div", nil, e, b.op("ReduceSum", nil, e, b.cst(i64s(1))))
	z := b.op("Sub", nil, x, b.op("ReduceMax", nil, x, b.cst(i64s(0))))
	e2 := b.op("Exp", nil, z)
	stable := b.op("Div", nil, e2, b.op("ReduceSum", nil, e2, b.cst(i64s(0))))
	m := b.out(plain, stable)
	c := checkPass(t, b, m, fusePatterns, "Softmax:2")
	if c.Graph.Nodes[0].Int("axis") != 1 || c.Graph.Nodes[1].Int("axis") != 0 {
		t.Errorf("softmax axes %d, %d", c.Graph.Nodes[0].Int("axis"), c.Graph.Nodes[1].Int("axis"))
	}
}

// attentionGraph builds the BERT-style attention PyTorch exports: K
// arrives through Transpose(perm [0,2,3,1]) of [B,T,H,D], scores are
// divided by √D, a mask is added.
func TestFuseAttention(t *testing.T) {
	b := newBuilder(t)
	q := b.in("q", 2, 3, 4, 8)  // [B,H,S,D]
	k0 := b.in("k", 2, 5, 3, 8) // [B,T,H,D]
	v := b.in("v", 2, 3, 5, 6)
	mask := b.in("mask", 2, 1, 1, 5)
	kt := b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 2, 3, 1)}, k0)
	s := b.op("Div", nil, b.op("MatMul", nil, q, kt), b.cst(scalar(float32(math.Sqrt(8)))))
	p := b.op("Softmax", map[string]*ir.Attr{"axis": ir.IntAttr(-1)}, b.op("Add", nil, s, mask))
	y1 := b.op("MatMul", nil, p, v)
	// Second form: K [B,H,T,D] transposed on its last two dims, Mul scale,
	// no mask.
	k2 := b.in("k2", 2, 3, 5, 8)
	kt2 := b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 1, 3, 2)}, k2)
	p2 := b.op("Softmax", map[string]*ir.Attr{"axis": ir.IntAttr(3)}, b.op("Mul", nil, b.cst(scalar(0.25)), b.op("MatMul", nil, q, kt2)))
	y2 := b.op("MatMul", nil, p2, v)
	m := b.out(y1, y2)
	c := checkPass(t, b, m, fusePatterns, "Transpose:1 dlc.Attention:2")
	for _, n := range c.Graph.Nodes {
		if n.Op == "Attention" && n.In(1) == c.Graph.Inputs[3] && n.Float("scale") != 0.25 {
			t.Errorf("scale %g, want 0.25", n.Float("scale"))
		}
	}
}

// A softmax whose scores are read elsewhere is not fused.
func TestFuseAttentionNeedsPrivateScores(t *testing.T) {
	b := newBuilder(t)
	q, k, v := b.in("q", 4, 8), b.in("k", 8, 5), b.in("v", 5, 3)
	s := b.op("MatMul", nil, q, k)
	p := b.op("Softmax", nil, s)
	m := b.out(b.op("MatMul", nil, p, v), s)
	checkPass(t, b, m, fusePatterns, "MatMul:2 Softmax:1")
}

// Kᵀ that is no Transpose's output gets one to undo it.
func TestFuseAttentionPlainKT(t *testing.T) {
	b := newBuilder(t)
	q, kt, v := b.in("q", 4, 8), b.in("kt", 8, 5), b.in("v", 5, 3)
	m := b.out(b.op("MatMul", nil, b.op("Softmax", nil, b.op("MatMul", nil, q, kt)), v))
	c := checkPass(t, b, m, fusePatterns, "Transpose:1 dlc.Attention:1")
	for _, n := range c.Graph.Nodes {
		if n.Op == "Attention" && n.Float("scale") != 1 {
			t.Errorf("scale %g, want 1 (no scaling in the pattern)", n.Float("scale"))
		}
	}
}
