package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Shared helpers for reference kernels. They favour obviousness: most
// kernels convert to float64, compute, and convert back.

// NormAxis maps a possibly negative axis into [0, rank).
func NormAxis(axis int64, rank int) (int, error) {
	a := int(axis)
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	return a, nil
}

// BroadcastIndex returns, for each element of a tensor of shape out, the
// flat index of the element of a tensor of shape in that numpy
// broadcasting maps to it. in must be broadcastable to out.
func BroadcastIndex(in, out []int) []int {
	n, _ := ir.NumElements(out)
	idx := make([]int, n)
	off := len(out) - len(in)
	inStrides := ir.Strides(in)
	// stride per output dim: 0 where in is broadcast along it.
	st := make([]int, len(out))
	for i := range in {
		if in[i] != 1 {
			st[off+i] = inStrides[i]
		}
	}
	coord := make([]int, len(out))
	cur := 0
	for k := 0; k < n; k++ {
		idx[k] = cur
		for d := len(out) - 1; d >= 0; d-- {
			coord[d]++
			cur += st[d]
			if coord[d] < out[d] {
				break
			}
			cur -= st[d] * coord[d]
			coord[d] = 0
		}
	}
	return idx
}

// FromFloat64s builds a tensor of dtype dt from float64 values, rounding
// or truncating as SetFloat64At does.
func FromFloat64s(dt ir.DType, shape []int, vals []float64) *ir.Tensor {
	t := ir.Zeros(dt, shape)
	for i, v := range vals {
		t.SetFloat64At(i, v)
	}
	return t
}
