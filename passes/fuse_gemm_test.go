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
