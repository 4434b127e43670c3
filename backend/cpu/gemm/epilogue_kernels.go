package gemm

import (
	"math"

	"github.com/dlc-go/dlc/backend/cpu/vec"
)

// The epilogue kernels apply a call's epilogue in the micro-kernel's
// store, while the tile is in registers, instead of in a pass over C
// afterwards: for a Linear layer's bias and ReLU that pass costs as much
// as a third of a K = 64 product.

// planEpilogue decides whether the last depth block's micro-kernels apply
// cl.ep in their store (cl.epInKernel), for A packed or, with rowsA, read
// in place: the epilogue must be a bias (per row: epKern, packed only;
// per column: epKernCol or epKernRowCol) or none, a residual or none, and
// no activation, ReLU or Clip; alpha must be 1 and beta 0 or 1.
func (cl *call) planEpilogue(rowsA bool) {
	cl.epInKernel = false
	ep := cl.ep
	if ep == nil || cl.alpha != 1 || (cl.beta != 0 && cl.beta != 1) {
		return
	}
	lo, hi, ok := clampOf(ep.Act)
	if !ok {
		return
	}
	ks := cl.ks
	// Without a bias either kernel form does (bias reads zeroBias).
	colBias := true
	switch {
	case ep.Bias != nil && ep.BiasPerRow:
		if rowsA || ks.epKern == nil {
			return
		}
		colBias = false
	case rowsA:
		if ks.epKernRowCol == nil {
			return
		}
	case ks.epKernCol != nil:
	case ep.Bias == nil && ks.epKern != nil:
		colBias = false
	default:
		return
	}
	cl.epLo, cl.epHi, cl.epColBias, cl.epInKernel = lo, hi, colBias, true
}

// clampOf returns the clamp bounds that stand for act, when it is one.
func clampOf(act vec.Act) (lo, hi float32, ok bool) {
	inf := float32(math.Inf(1))
	switch act.Kind {
	case vec.ActNone:
		return -inf, inf, true
	case vec.ActRelu:
		return 0, inf, true
	case vec.ActClip:
		return act.Alpha, act.Beta, true
	}
	return 0, 0, false
}

// epArgs returns the bias and residual pointers of the tile at (i, j).
func (cl *call) epArgs(i, j int) (bias, res *float32) {
	bias = &zeroBias[0]
	switch {
	case cl.ep.Bias == nil:
	case cl.epColBias:
		bias = &cl.ep.Bias[j]
	default:
		bias = &cl.ep.Bias[i]
	}
	if cl.ep.Residual != nil {
		res = &cl.ep.Residual[i*cl.ep.LDR+j]
	}
	return bias, res
}

// epTile runs the epilogue kernel of r rows at (i, j), w columns wide,
// with A packed at ap.
func (cl *call) epTile(r int, kb int, ap, bp *float32, bs, i, j, w int, beta float32) {
	bias, res := cl.epArgs(i, j)
	kern := cl.ks.epKern
	if cl.epColBias {
		kern = cl.ks.epKernCol
	}
	kern[r-1](kb, ap, bp, bs, &cl.c[i*cl.ldc+j], cl.ldc, 1, beta, colMask(w), bias, cl.epLo, cl.epHi, res, cl.ep.LDR)
}

// epRowTile is epTile with A read in place at row i, column pc.
func (cl *call) epRowTile(r int, kb, pc int, bp *float32, bs, i, j, w int, beta float32) {
	bias, res := cl.epArgs(i, j)
	cl.ks.epKernRowCol[r-1](kb, &cl.a[i*cl.lda+pc], cl.lda, bp, bs, &cl.c[i*cl.ldc+j], cl.ldc, 1, beta, colMask(w), bias, cl.epLo, cl.epHi, res, cl.ep.LDR)
}
