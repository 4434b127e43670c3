package ref

import "github.com/dlc-go/dlc/ir"

// permute returns t transposed by perm (t itself when perm is nil): the
// Transpose a dlc.FusedMatMul's perm_a, perm_b or perm_y stands for.
func permute(t *ir.Tensor, perm []int) *ir.Tensor {
	if perm == nil || t == nil {
		return t
	}
	inStrides := ir.Strides(t.Shape)
	shape := make([]int, len(perm))
	for i, a := range perm {
		shape[i] = t.Shape[a]
	}
	idx := mapIndex(shape, func(c []int) int {
		k := 0
		for i, v := range c {
			k += v * inStrides[perm[i]]
		}
		return k
	})
	return take(t, shape, idx)
}
