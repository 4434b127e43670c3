package cpu

import "github.com/dlc-go/dlc/ir"

// Helpers of the data-movement kernels (transpose.go, concat.go,
// split.go, slice.go, gather.go, pad.go, shapeops_expand.go). Those
// kernels only copy elements, so they are generic over the element type
// and built for float32 and int64 tensors (int64 being what shape
// arithmetic runs on); other dtypes are left to the reference.

// moveDType reports whether a data-movement kernel handles dtype dt.
func moveDType(dt ir.DType) bool { return dt == ir.Float32 || dt == ir.Int64 }

// buildFor instantiates a generic builder for the dtype of input 0.
func buildFor(n *ir.Node, env *Env, f32b func(*ir.Node, *Env) Kernel, i64b func(*ir.Node, *Env) Kernel) Kernel {
	v := n.In(0)
	if v == nil {
		return nil
	}
	switch v.Type.DType {
	case ir.Float32:
		return f32b(n, env)
	case ir.Int64:
		return i64b(n, env)
	}
	return nil
}

// data returns a tensor's elements as []T.
func data[T any](t *ir.Tensor) []T { return t.Data.([]T) }

// contiguousStrides returns the row-major strides of shape.
func contiguousStrides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// digitsOffset returns Σ digit_d·strides[d] for the mixed-radix digits
// of idx over dims (last dim fastest).
func digitsOffset(idx int, dims, strides []int) int {
	off := 0
	for d := len(dims) - 1; d >= 0 && idx > 0; d-- {
		off += (idx % dims[d]) * strides[d]
		idx /= dims[d]
	}
	return off
}
