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

// Ctx holds a caller's packing buffers and thread pool. A Ctx is used by
// one goroutine at a time. Buffers grow on first use and are reused, so
// steady-state calls do not allocate.
type Ctx struct {
	Pool *parallel.Pool
	// Precision is the arithmetic of Sgemm's products (precision.go);
	// the zero value is Float32.
	Precision Precision

	cur  call        // the call in progress, read by the loop bodies
	thr  []threadBuf // per-thread scratch, indexed by the For index
	bblk []float32   // the shared packed B block (blocked path)
	ablk []float32   // the whole packed A (small-m path)

	// Loop bodies handed to Pool.For, made once so calls do not allocate.
	packBFn, blockFn, smallFn func(t int)

	// SgemmFilledB and SgemmFilledA (filled*.go): loop bodies and the
	// caller's filler.
	filledFn, filledAFn func(t int)
	fill                BFiller
	fillA               AFiller
	doneA               TileFunc
}

// threadBuf is one thread's scratch: its packed A block, a packed B panel
// and an edge tile.
type threadBuf struct {
	a, b, tile []float32
	tmp        []float32 // a float32 panel on its way to the pair layout
}

// NewCtx returns a context that runs on pool.
func NewCtx(pool *parallel.Pool) *Ctx { return &Ctx{Pool: pool} }

// Sgemm computes C = alpha·op(A)·op(B) + beta·C followed by the epilogue
// ep (nil: none), where op(X) is X or Xᵀ. op(A) is m×k, op(B) is k×n.
// With beta = 0, C's prior contents are ignored (NaNs included). Work is
// spread over ctx.Pool (nil: the caller's thread only). Scratch space comes
// from ctx so that steady-state calls do not allocate.
func (ctx *Ctx) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep *Epilogue) {
	checkA(transA, m, k, a, lda)
	checkB(transB, k, n, b, ldb)
	ctx.run(call{ks: kernelsFor(ctx.Precision), transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, ep: ep})
}

// call is one GEMM's arguments plus the state of the block in progress.
type call struct {
	ks             *kernelSet
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	ep             *Epilogue
	pa             *PackedA  // A packed ahead of time, or nil
	pb             *PackedB  // B packed ahead of time, or nil
	ap             []float32 // small path: all of op(A) in PackedA's layout

	// byCols: the epilogue is done by the kernels' store (epKern) with
	// these clamp bounds.
	epInKernel bool
	epLo, epHi float32
	epColBias  bool // the bias is per column (epKernCol, epKernRowCol)

	// Blocked path: the current block and the thread grid.
	jc, nb, pc, kb int
	tm, tn         int
}

// checkA panics unless a holds op(A) (m×k) with row stride lda: the
// assembly kernels do no bounds checks of their own.
func checkA(transA bool, m, k int, a []float32, lda int) {
	rows, cols := m, k
	if transA {
		rows, cols = k, m
	}
	checkMat("A", rows, cols, a, lda)
}

func checkB(transB bool, k, n int, b []float32, ldb int) {
	rows, cols := k, n
	if transB {
		rows, cols = n, k
	}
	checkMat("B", rows, cols, b, ldb)
}

func checkMat(name string, rows, cols int, x []float32, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols || len(x) < (rows-1)*ld+cols {
		panic("gemm: " + name + " is too short for its shape and stride")
	}
}

// run checks C, handles the degenerate shapes and picks the path.
func (ctx *Ctx) run(cl call) {
	if cl.m == 0 || cl.n == 0 {
		return
	}
	checkMat("C", cl.m, cl.n, cl.c, cl.ldc)
	if cl.k == 0 || cl.alpha == 0 {
		scaleC(&cl)
		return
	}
	if ctx.packBFn == nil {
		ctx.packBFn, ctx.blockFn, ctx.smallFn = ctx.packBBody, ctx.blockBody, ctx.smallBody
	}
	if t := ctx.Pool.Threads(); len(ctx.thr) < t {
		ctx.thr = append(ctx.thr, make([]threadBuf, t-len(ctx.thr))...)
	}
	if cl.m <= cl.ks.smallM {
		ctx.small(cl)
	} else {
		ctx.blocked(cl)
	}
	ctx.cur = call{} // drop references to the caller's slices
}

// scaleC is C = beta·C then the epilogue: the whole GEMM when the product
// is empty (k = 0) or scaled away (alpha = 0).
func scaleC(cl *call) {
	for i := 0; i < cl.m; i++ {
		row := cl.c[i*cl.ldc : i*cl.ldc+cl.n]
		if cl.beta == 0 {
			clear(row)
		} else {
			for j := range row {
				row[j] *= cl.beta
			}
		}
		applyEpilogue(cl.ks, cl.ep, i, row, 0)
	}
}

// finishTile writes an r×w edge tile computed into tile (row stride nr)
// to C at (i, j) with the given beta.
func finishTile(cl *call, tile []float32, nr, i, j, r, w int, beta float32) {
	for ii := 0; ii < r; ii++ {
		crow := cl.c[(i+ii)*cl.ldc+j : (i+ii)*cl.ldc+j+w]
		trow := tile[ii*nr : ii*nr+w]
		if beta == 0 {
			copy(crow, trow)
			continue
		}
		for jj, v := range trow {
			crow[jj] = v + beta*crow[jj]
		}
	}
}

// epilogueTile applies ep to the r×w tile of C at (i, j).
func epilogueTile(cl *call, i, j, r, w int) {
	for ii := 0; ii < r; ii++ {
		applyEpilogue(cl.ks, cl.ep, i+ii, cl.c[(i+ii)*cl.ldc+j:(i+ii)*cl.ldc+j+w], j)
	}
}

// split returns the [lo, hi) share of part t of n items cut into parts.
func split(n, parts, t int) (lo, hi int) {
	return n * t / parts, n * (t + 1) / parts
}
