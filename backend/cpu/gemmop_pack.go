package cpu

import (
	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/ir"
)

// Constant GEMM operands (weights) packed once per session and shared
// through Env.Shared by every context that runs the node.

// packKey names a packed form of a constant tensor in Env.Shared: the
// tensor, the layout (which op packed it), the part (conv group, LSTM
// direction) and the packed operand's shape and orientation, so that two
// nodes reading one tensor differently never share a packing.
type packKey struct {
	t          *ir.Tensor
	layout     string
	part       int
	rows, cols int
	trans      bool
}

// constA is a constant left operand op(A) of m×k, packed.
type constA struct{ p *gemm.PackedA }

// newConstA packs op(a) (m×k, row stride lda) once per key.
func newConstA(env *Env, key packKey, trans bool, m, k int, a []float32, lda int) *constA {
	key.rows, key.cols, key.trans = m, k, trans
	return env.Shared.Get(key, func() any {
		return &constA{gemm.PackA(trans, m, k, a, lda)}
	}).(*constA)
}

// mul computes C = alpha·op(A)·op(B) + beta·C and the epilogue, with op(B)
// k×n.
func (p *constA) mul(ctx *gemm.Ctx, transB bool, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int, ep *gemm.Epilogue) {
	ctx.SgemmPackedA(p.p, transB, n, alpha, b, ldb, beta, c, ldc, ep)
}

// constB is a constant right operand op(B) of k×n, packed.
type constB struct{ p *gemm.PackedB }

// newConstB packs op(b) (k×n, row stride ldb) once per key.
func newConstB(env *Env, key packKey, trans bool, k, n int, b []float32, ldb int) *constB {
	key.rows, key.cols, key.trans = k, n, trans
	return env.Shared.Get(key, func() any {
		return &constB{gemm.PackB(trans, k, n, b, ldb)}
	}).(*constB)
}

// mul computes C = alpha·op(A)·op(B) + beta·C and the epilogue, with op(A)
// m×k.
func (p *constB) mul(ctx *gemm.Ctx, transA bool, m int, alpha float32, a []float32, lda int, beta float32, c []float32, ldc int, ep *gemm.Epilogue) {
	ctx.SgemmPackedB(transA, m, alpha, a, lda, p.p, beta, c, ldc, ep)
}
