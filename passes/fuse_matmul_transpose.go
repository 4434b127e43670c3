package passes

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// fuseMatMulTransposeRules fold Transpose nodes around a float32 matrix
// product into dlc.FusedMatMul's perm_a, perm_b and perm_y, which the
// GEMM reads and writes as strides (a transposed operand, a leading
// dimension) instead of a copy. They remove the transposes of attention's
// head split and merge and of the gradients Aᵀ·dy and dy·Bᵀ, which in a
// Transformer's training step cost as much memory traffic as the
// products. A Transpose folds when the product is its only reader (or it
// reads only the product) and the permutation keeps a unit-stride axis
// where the GEMM needs one; a result permutation that would move the
// product's last axis is turned around as Yᵀ = Bᵀ·Aᵀ when there is no bias.
var fuseMatMulTransposeRules = []rule{
	{"matmul-transpose", "MatMul", ruleFoldMatMulTranspose},
	{"matmul-transpose", ir.OpKey(ir.FusedDomain, "FusedMatMul"), ruleFoldMatMulTranspose},
}

func ruleFoldMatMulTranspose(c *rewriter, n *ir.Node) (bool, error) {
	if !isFloat32(n.In(0)) || !isFloat32(n.In(1)) || n.Out(0) == nil {
		return false, nil
	}
	pa, pb, py, err := ir.FusedMatMulPerms(n)
	if err != nil {
		return false, nil
	}
	in := slices.Clone(n.Inputs)
	perms := [2][]int{pa, pb}
	changed := false
	for i := range 2 {
		t := producer(in[i])
		if !is(t, "Transpose") || c.soleUser(in[i]) != n || in[i] == in[1-i] {
			continue
		}
		p := perm(t)
		if p == nil {
			continue
		}
		if q := composePerm(p, perms[i]); operandPermOK(q) {
			perms[i], in[i] = q, t.In(0)
			changed = true
		}
	}
	out := n.Out(0)
	ra, rb := in[0].Type.Shape.Rank(), in[1].Type.Shape.Rank()
	if u := c.soleUser(out); is(u, "Transpose") && n.In(3) == nil && ra >= 2 && rb >= 2 {
		if t := perm(u); len(t) == max(ra, rb) {
			q := composePerm(py, t)
			r := len(q)
			switch {
			case q[r-1] == r-1:
				py, out, changed = q, u.Out(0), true
			case q[r-1] == r-2 && n.In(2) == nil:
				// Y = Transpose(A·B, q) = Transpose(Bᵀ·Aᵀ, q with the two
				// matrix axes exchanged), whose last axis stays last.
				pa2, pb2 := swapLast(perms[1], rb), swapLast(perms[0], ra)
				in[0], in[1] = in[1], in[0]
				perms = [2][]int{pa2, pb2}
				py, out, changed = exchange(q, r-1, r-2), u.Out(0), true
			}
		}
	}
	if !changed {
		return false, nil
	}
	attrs := map[string]*ir.Attr{}
	if n.Domain == ir.FusedDomain {
		for k, a := range n.Attrs {
			attrs[k] = a
		}
	}
	for name, p := range map[string][]int{"perm_a": perms[0], "perm_b": perms[1], "perm_y": py} {
		delete(attrs, name)
		if p != nil && !isIdentityPerm(p) {
			attrs[name] = permAttr(p)
		}
	}
	y, err := c.add(n.Owner, "FusedMatMul", ir.FusedDomain, out.Name, attrs, in...)
	if err != nil {
		return false, err
	}
	return true, c.replace(out, y)
}

// composePerm is the permutation of Transpose(Transpose(x, inner), outer)
// (either nil: the identity): element i of the result is axis
// inner[outer[i]].
func composePerm(inner, outer []int) []int {
	switch {
	case outer == nil:
		return inner
	case inner == nil:
		return outer
	}
	q := make([]int, len(outer))
	for i, o := range outer {
		q[i] = inner[o]
	}
	return q
}

// operandPermOK reports whether a GEMM can read an operand through p: its
// last axis stays one of the two matrix axes.
func operandPermOK(p []int) bool {
	r := len(p)
	return r >= 2 && (p[r-1] == r-1 || p[r-2] == r-1)
}

// swapLast is p (nil: the identity of rank r) followed by the exchange of
// the two matrix axes.
func swapLast(p []int, r int) []int {
	if p == nil {
		p = make([]int, r)
		for i := range p {
			p[i] = i
		}
	} else {
		p = slices.Clone(p)
	}
	p[r-1], p[r-2] = p[r-2], p[r-1]
	return p
}

// exchange returns p with the values a and b exchanged.
func exchange(p []int, a, b int) []int {
	q := slices.Clone(p)
	for i, v := range q {
		switch v {
		case a:
			q[i] = b
		case b:
			q[i] = a
		}
	}
	return q
}
