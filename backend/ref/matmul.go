package ref

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// MatMul and Gemm. Float types compute in float64; integer types compute
// in int64, whose wrapping product is also exact modulo 2^64 for uint64.

func init() {
	Register("MatMul", matMul)
	Register("Gemm", gemm)
}

// matmulShapes promotes 1-D operands the numpy way (a [K] -> [1,K],
// b [K] -> [K,1]) and returns the promoted shapes, the broadcast batch
// shape and the final output shape (with the promoted dims removed).
func matmulShapes(a, b []int) (pa, pb, batch, out []int, err error) {
	if len(a) == 0 || len(b) == 0 {
		return nil, nil, nil, nil, fmt.Errorf("matmul operands must have rank >= 1, got %v and %v", a, b)
	}
	pa, pb = a, b
	if len(a) == 1 {
		pa = []int{1, a[0]}
	}
	if len(b) == 1 {
		pb = []int{b[0], 1}
	}
	if pa[len(pa)-1] != pb[len(pb)-2] {
		return nil, nil, nil, nil, fmt.Errorf("matmul inner dims differ: A %v, B %v", a, b)
	}
	batch, err = ir.BroadcastDims(pa[:len(pa)-2], pb[:len(pb)-2])
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("matmul batch dims: %w", err)
	}
	out = append([]int{}, batch...)
	if len(a) > 1 {
		out = append(out, pa[len(pa)-2])
	}
	if len(b) > 1 {
		out = append(out, pb[len(pb)-1])
	}
	return pa, pb, batch, out, nil
}

// batchMatMul multiplies promoted operands a [..., M, K] and b [..., K, N]
// whose batch dims broadcast to batch; the result is [batch..., M, N] flat.
func batchMatMul[T num](as []T, pa []int, bs []T, pb []int, batch []int) []T {
	M, K, N := pa[len(pa)-2], pa[len(pa)-1], pb[len(pb)-1]
	aIdx := BroadcastIndex(pa[:len(pa)-2], batch)
	bIdx := BroadcastIndex(pb[:len(pb)-2], batch)
	out := make([]T, len(aIdx)*M*N)
	for bi := range aIdx {
		am := as[aIdx[bi]*M*K : (aIdx[bi]+1)*M*K]
		bm := bs[bIdx[bi]*K*N : (bIdx[bi]+1)*K*N]
		om := out[bi*M*N : (bi+1)*M*N]
		for i := 0; i < M; i++ {
			for j := 0; j < N; j++ {
				var s T
				for k := 0; k < K; k++ {
					s += am[i*K+k] * bm[k*N+j]
				}
				om[i*N+j] = s
			}
		}
	}
	return out
}

func matMul(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	a, b := Tensor(in, 0), Tensor(in, 1)
	if a.DType != b.DType {
		return nil, fmt.Errorf("A is %s but B is %s", a.DType, b.DType)
	}
	pa, pb, batch, shape, err := matmulShapes(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	if a.DType.IsInt() {
		return Outs(int64sTensor(a.DType, shape, batchMatMul(a.Int64s(), pa, b.Int64s(), pb, batch))), nil
	}
	return Outs(FromFloat64s(a.DType, shape, batchMatMul(a.Float64s(), pa, b.Float64s(), pb, batch))), nil
}

// int64sTensor builds a tensor of integer dtype dt, wrapping as a C cast.
func int64sTensor(dt ir.DType, shape []int, vals []int64) *ir.Tensor {
	t := ir.Zeros(dt, shape)
	for i, v := range vals {
		t.SetInt64At(i, v)
	}
	return t
}

// transpose2 returns the transpose of a row-major [r, c] matrix.
func transpose2[T any](m []T, r, c int) []T {
	out := make([]T, len(m))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out[j*r+i] = m[i*c+j]
		}
	}
	return out
}

// gemm computes alpha * A' * B' + beta * C, with C broadcast to [M, N].
// Integer types accumulate exactly and apply alpha and beta only when they
// are not 1, through float64, as a C implementation casting them would.
func gemm(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	a, b, c := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	if a.Rank() != 2 || b.Rank() != 2 {
		return nil, fmt.Errorf("A %v and B %v must be 2-D", a.Shape, b.Shape)
	}
	if a.DType != b.DType {
		return nil, fmt.Errorf("A is %s but B is %s", a.DType, b.DType)
	}
	transA, transB := n.Int("transA") != 0, n.Int("transB") != 0
	M, K := a.Shape[0], a.Shape[1]
	if transA {
		M, K = K, M
	}
	K2, N := b.Shape[0], b.Shape[1]
	if transB {
		K2, N = N, K2
	}
	if K != K2 {
		return nil, fmt.Errorf("inner dims differ: A' is [%d,%d], B' is [%d,%d]", M, K, K2, N)
	}
	shape := []int{M, N}
	var cIdx []int
	if c != nil {
		// Unidirectional: C must broadcast to [M, N] without growing it.
		if out, err := ir.BroadcastDims(c.Shape, shape); err != nil || !slices.Equal(out, shape) {
			return nil, fmt.Errorf("C of shape %v does not broadcast to [%d,%d]", c.Shape, M, N)
		}
		cIdx = BroadcastIndex(c.Shape, shape)
	}
	alpha, beta := float64(n.Float("alpha")), float64(n.Float("beta"))
	if a.DType.IsInt() {
		as, bs := a.Int64s(), b.Int64s()
		if transA {
			as = transpose2(as, a.Shape[0], a.Shape[1])
		}
		if transB {
			bs = transpose2(bs, b.Shape[0], b.Shape[1])
		}
		ys := batchMatMul(as, []int{M, K}, bs, []int{K, N}, nil)
		if alpha != 1 {
			for i := range ys {
				ys[i] = int64(alpha * float64(ys[i]))
			}
		}
		if c != nil {
			cs := c.Int64s()
			for i := range ys {
				if beta == 1 {
					ys[i] += cs[cIdx[i]]
				} else {
					ys[i] += int64(beta * float64(cs[cIdx[i]]))
				}
			}
		}
		return Outs(int64sTensor(a.DType, shape, ys)), nil
	}
	as, bs := a.Float64s(), b.Float64s()
	if transA {
		as = transpose2(as, a.Shape[0], a.Shape[1])
	}
	if transB {
		bs = transpose2(bs, b.Shape[0], b.Shape[1])
	}
	ys := batchMatMul(as, []int{M, K}, bs, []int{K, N}, nil)
	var cs []float64
	if c != nil {
		cs = c.Float64s()
	}
	for i := range ys {
		ys[i] *= alpha
		if c != nil {
			ys[i] += beta * cs[cIdx[i]]
		}
	}
	return Outs(FromFloat64s(a.DType, shape, ys)), nil
}
