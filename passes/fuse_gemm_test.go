package passes

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestFuseGemm(t *testing.T) {
	b := newBuilder(t)
	a := b.in("a", 3, 5)
	g := b.op("Gemm", map[string]*ir.Attr{"transB": ir.IntAttr(1)}, a, b.rnd(4, 5), b.rnd(4))
	x := b.in("x", 2, 3, 4)
	mm := b.op("MatMul", nil, x, b.rnd(4, 6))
	mm = b.op("Add", nil, b.rnd(6), mm)
	m := b.out(b.op("Relu", nil, g), b.op("Gelu", nil, mm), b.op("MatMul", nil, x, b.rnd(4, 2)))
	c := checkPass(t, b, m, fuseGemm, "MatMul:1 dlc.FusedGemm:1 dlc.FusedMatMul:1")
	for _, n := range c.Graph.Nodes {
		if n.Op == "FusedMatMul" && (len(n.Inputs) != 3 || n.Str("activation") != "Gelu") {
			t.Errorf("FusedMatMul: %d inputs, activation %q", len(n.Inputs), n.Str("activation"))
		}
	}
}

func TestFuseGemmResidual(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2, 3, 4)
	// BERT's output projection: MatMul + bias, then the residual x.
	y := b.op("Add", nil, b.op("Add", nil, b.op("MatMul", nil, x, b.rnd(4, 4)), b.rnd(4)), x)
	// Residual first, then an activation; no bias.
	r := b.in("r", 2, 3, 4)
	z := b.op("Relu", nil, b.op("Add", nil, r, b.op("MatMul", nil, x, b.rnd(4, 4))))
	// A broadcasting Add is not a residual: it stays a bias-less MatMul.
	w := b.op("Add", nil, b.op("MatMul", nil, x, b.rnd(4, 4)), b.in("s", 1, 3, 4))
	// Gemm without C takes the residual as C with beta 1.
	a := b.in("a", 3, 5)
	g := b.op("Add", nil, b.op("Gemm", map[string]*ir.Attr{"beta": ir.FloatAttr(0.5)}, a, b.rnd(5, 6)), b.in("c", 3, 6))
	m := b.out(y, z, w, g)
	c := checkPass(t, b, m, fuseGemm, "Add:1 MatMul:1 dlc.FusedGemm:1 dlc.FusedMatMul:2")
	for _, n := range c.Graph.Nodes {
		switch n.Op {
		case "FusedMatMul":
			if len(n.Inputs) != 4 || n.In(3) == nil || (n.In(2) == nil) != (n.Str("activation") == "Relu") {
				t.Errorf("FusedMatMul: inputs %v, activation %q", n.Inputs, n.Str("activation"))
			}
		case "FusedGemm":
			if len(n.Inputs) != 3 || n.In(2).Name != "c" || n.Float("beta") != 1 {
				t.Errorf("FusedGemm: inputs %v, beta %v", n.Inputs, n.Float("beta"))
			}
		}
	}
}
