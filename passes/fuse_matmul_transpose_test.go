package passes

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// TestFoldMatMulTranspose builds attention as the DSL emits it (head
// split and merge by Transpose) and a gradient's Aᵀ·dy, and checks that
// every Transpose folds into a FusedMatMul permutation while the graph
// still computes the same values.
func TestFoldMatMulTranspose(t *testing.T) {
	b := newBuilder(t)
	q, k, v := b.in("q", 2, 5, 3, 4), b.in("k", 2, 6, 3, 4), b.in("v", 2, 6, 3, 4)
	qh := b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 2, 1, 3)}, q)
	kt := b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 2, 3, 1)}, k)
	vh := b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 2, 1, 3)}, v)
	probs := b.op("Softmax", nil, b.op("MatMul", nil, qh, kt))
	ctx := b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 2, 1, 3)}, b.op("MatMul", nil, probs, vh))
	// dW = xᵀ·dy with the default (reversing) perm, and a bias-less
	// product whose result is transposed as [.., N, M]: Yᵀ = Bᵀ·Aᵀ.
	x, dy := b.in("x", 7, 5), b.in("dy", 7, 3)
	dw := b.op("MatMul", nil, b.op("Transpose", nil, x), dy)
	yt := b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 2, 1)}, b.op("MatMul", nil, b.in("a", 2, 5, 6), b.in("w", 6, 4)))
	m := b.out(ctx, dw, yt)
	c := checkPass(t, b, m, fuseGemm, "Softmax:1 dlc.FusedMatMul:4")
	var perms []string
	for _, n := range c.Graph.Nodes {
		if n.Op == "FusedMatMul" {
			perms = append(perms, fmt.Sprint(n.Ints("perm_a"), n.Ints("perm_b"), n.Ints("perm_y")))
		}
	}
	want := []string{
		"[0 2 1 3] [0 2 3 1] []", // scores
		"[] [0 2 1 3] [0 2 1 3]", // context, heads merged
		"[1 0] [] []",            // xᵀ·dy
		"[1 0] [0 2 1] []",       // (A·W)ᵀ = Wᵀ·Aᵀ
	}
	slices.Sort(perms)
	slices.Sort(want)
	if !slices.Equal(perms, want) {
		t.Errorf("perms %q, want %q", perms, want)
	}
}

// TestFoldMatMulTransposeKeeps checks what must not fold: a Transpose
// with another reader, one that moves the operand's last axis into the
// batch dims, a result Transpose that would need a bias along the rows,
// and a result that is also a graph output.
func TestFoldMatMulTransposeKeeps(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 4, 5)
	xt := b.op("Transpose", nil, x)
	shared := b.op("MatMul", nil, xt, b.in("y", 4, 3)) // xt is also an output
	z := b.in("z", 3, 2, 4)
	batchLast := b.op("MatMul", nil, b.op("Transpose", map[string]*ir.Attr{"perm": ints(2, 0, 1)}, z), b.in("w", 2, 6))
	biased := b.op("Add", nil, b.op("MatMul", nil, b.in("a", 5, 6), b.in("bw", 6, 4)), b.rnd(4))
	biasedT := b.op("Transpose", nil, biased)
	m := b.out(xt, shared, batchLast, biasedT)
	c := checkPass(t, b, m, fuseGemm, "MatMul:2 Transpose:3 dlc.FusedMatMul:1")
	for _, n := range c.Graph.Nodes {
		if n.Op == "FusedMatMul" && (n.Ints("perm_a") != nil || n.Ints("perm_y") != nil) {
			t.Errorf("the biased product took a permutation: %v", n)
		}
	}
}

// TestFoldMatMulTransposeTwice folds two Transposes in a row after a
// product (as the fuse-gemm pass meets them without simplify): the
// second composes with the perm_y the first became.
func TestFoldMatMulTransposeTwice(t *testing.T) {
	b := newBuilder(t)
	y := b.op("MatMul", nil, b.in("a", 2, 3, 4, 5), b.in("w", 5, 6))
	y = b.op("Transpose", map[string]*ir.Attr{"perm": ints(1, 0, 2, 3)}, y)
	y = b.op("Transpose", map[string]*ir.Attr{"perm": ints(0, 2, 1, 3)}, y)
	c := checkPass(t, b, b.out(y), fuseGemm, "dlc.FusedMatMul:1")
	for _, n := range c.Graph.Nodes {
		if got := fmt.Sprint(n.Ints("perm_y")); got != "[1 2 0 3]" {
			t.Errorf("perm_y %s, want [1 2 0 3]", got)
		}
	}
}
