package ir

import "fmt"

// The permutations of dlc.FusedMatMul let a matrix product read its
// operands and write its result through a transposition, as strided
// GEMMs do, so that the Transpose nodes of attention heads and of
// gradients (Aᵀ·dy, dy·Bᵀ) need no copy of their own.

// FusedMatMulPerms returns n's perm_a, perm_b and perm_y (nil where
// absent), checked against the operand ranks: perm_a and perm_b must keep
// their operand's last axis among the two matrix axes, perm_y must keep
// the last axis last, and perm_y excludes a residual. Any other op (a
// plain MatMul) has none.
func FusedMatMulPerms(n *Node) (pa, pb, py []int, err error) {
	if n.Domain != FusedDomain || n.Op != "FusedMatMul" {
		return nil, nil, nil, nil
	}
	get := func(name string, rank int) ([]int, error) {
		p := n.Ints(name)
		if p == nil {
			return nil, nil
		}
		if rank < 0 {
			return nil, nil // unknown rank: checked when it is known
		}
		if _, ok := inversePerm(p, rank); !ok || rank < 2 {
			return nil, fmt.Errorf("%s %v is not a permutation of the %d dims (want rank >= 2)", name, p, rank)
		}
		out := make([]int, len(p))
		for i, v := range p {
			out[i] = int(v)
		}
		return out, nil
	}
	rankOf := func(v *Value) int {
		if v == nil || !v.Type.Shape.Ranked {
			return -1
		}
		return v.Type.Shape.Rank()
	}
	if pa, err = get("perm_a", rankOf(n.In(0))); err != nil {
		return
	}
	if pb, err = get("perm_b", rankOf(n.In(1))); err != nil {
		return
	}
	for _, p := range []struct {
		name string
		perm []int
	}{{"perm_a", pa}, {"perm_b", pb}} {
		if r := len(p.perm); r > 0 && p.perm[r-1] != r-1 && p.perm[r-2] != r-1 {
			return nil, nil, nil, fmt.Errorf("%s %v moves the operand's last axis out of the matrix axes", p.name, p.perm)
		}
	}
	if n.Ints("perm_y") != nil && n.In(3) != nil {
		return nil, nil, nil, fmt.Errorf("perm_y with a residual Z")
	}
	if py, err = get("perm_y", productRank(rankOf(n.In(0)), rankOf(n.In(1)))); err != nil {
		return
	}
	if r := len(py); r > 0 && py[r-1] != r-1 {
		return nil, nil, nil, fmt.Errorf("perm_y %v moves the last axis", py)
	}
	return pa, pb, py, nil
}

// PermuteShape returns s with dims reordered by perm (s itself when perm
// is nil or s unranked).
func PermuteShape(s Shape, perm []int) Shape {
	if perm == nil || !s.Ranked || len(s.Dims) != len(perm) {
		return s
	}
	d := make([]Dim, len(perm))
	for i, p := range perm {
		d[i] = s.Dims[p]
	}
	return Shape{Ranked: true, Dims: d}
}

func inferFusedMatMul(n *Node) error {
	pa, pb, py, err := FusedMatMulPerms(n)
	if err != nil {
		return err
	}
	s, err := MatMulShape(PermuteShape(n.InType(0).Shape, pa), PermuteShape(n.InType(1).Shape, pb))
	if err != nil {
		return err
	}
	if py != nil && s.Ranked && len(s.Dims) != len(py) {
		return fmt.Errorf("perm_y %v does not fit the product's rank %d", py, len(s.Dims))
	}
	product := s
	n.SetOut(0, TensorType(n.InType(0).DType, PermuteShape(s, py)))
	if z := n.In(3); z != nil {
		t, err := MergeTypes(TensorType(n.InType(0).DType, product), TensorType(z.Type.DType, z.Type.Shape))
		if err != nil {
			return fmt.Errorf("residual Z: %w", err)
		}
		n.SetOut(0, t)
	}
	b, y := n.In(2), n.Out(0)
	if b == nil || y == nil {
		return nil
	}
	if b.Type.Shape.Rank() > 1 {
		return fmt.Errorf("bias must be 1-D, got %s", b.Type.Shape)
	}
	if r := y.Type.Shape.Rank(); r >= 1 && b.Type.Shape.Rank() == 1 {
		last, bd := y.Type.Shape.Dims[r-1], b.Type.Shape.Dims[0]
		if last.Known() && bd.Known() && last.Size != bd.Size {
			return fmt.Errorf("bias has %d elements, the last dim of Y is %d", bd.Size, last.Size)
		}
	}
	return nil
}

// productRank is the rank of numpy matmul's result for operand ranks ra
// and rb (-1 when either is unknown): a 1-D operand loses its dim.
func productRank(ra, rb int) int {
	switch {
	case ra < 0 || rb < 0:
		return -1
	case ra == 1 && rb == 1:
		return 0
	case ra == 1:
		return rb - 1
	case rb == 1:
		return ra - 1
	}
	return max(ra, rb)
}
