package gemm

// BFiller packs op(B) on demand: it writes the columns [j0, j0+cols) of
// depth [p0, p0+kb) into dst as ⌈cols/NR⌉ column panels of NR columns
// (zero-padded), each kb rows of NR floats (the layout of pack.go). It is
// called concurrently from the pool's threads with distinct dst, so it
// must only read shared state.
type BFiller func(dst []float32, j0, cols, p0, kb int)

// SgemmFilledB computes C (pa.M()×n) = op(A)·B then ep, where B (pa.K()×n)
// is never stored whole: fill packs it block by block, typically straight
// from an image (implicit im2col). Threads split the output into a grid
// of row panels × column panels (preferring columns, since a thread
// packs B for its own columns) in one Pool.For; each packs column chunks
// of B whose kc-deep block stays in L2 and runs every row panel of its
// share against it. The epilogue runs per chunk, row by row over the
// chunk width, after the chunk's last kc slice.
func (ctx *Ctx) SgemmFilledB(pa *PackedA, n int, fill BFiller, c []float32, ldc int, ep *Epilogue) {
	ctx.byCols(call{ks: pa.ks, m: pa.m, n: n, k: pa.k, alpha: 1, pa: pa, c: c, ldc: ldc, ep: ep}, fill)
}

// SgemmPackedACols is SgemmFilledB with B (pa.K()×n, row stride ldb, not
// transposed) given as a matrix: the micro-kernels read its rows in
// place, so nothing is packed (a 1×1 convolution's input).
func (ctx *Ctx) SgemmPackedACols(pa *PackedA, n int, b []float32, ldb int, c []float32, ldc int, ep *Epilogue) {
	checkB(false, pa.k, n, b, ldb)
	ctx.byCols(call{ks: pa.ks, m: pa.m, n: n, k: pa.k, alpha: 1, pa: pa, b: b, ldb: ldb, c: c, ldc: ldc, ep: ep}, nil)
}

// byCols runs SgemmFilledB and SgemmPackedACols (fill nil).
func (ctx *Ctx) byCols(cl call, fill BFiller) {
	n := cl.n
	if cl.m == 0 || n == 0 {
		return
	}
	checkMat("C", cl.m, n, cl.c, cl.ldc)
	if cl.k == 0 {
		scaleC(&cl)
		return
	}
	if ctx.filledFn == nil {
		ctx.filledFn = ctx.filledBody
	}
	threads := ctx.Pool.Threads()
	if len(ctx.thr) < threads {
		ctx.thr = append(ctx.thr, make([]threadBuf, threads-len(ctx.thr))...)
	}
	cl.tm, cl.tn = gridCols(cl.m, n, cl.ks.mr, cl.ks.nr, threads)
	cl.planEpilogue(false)
	ctx.cur, ctx.fill = cl, fill
	ctx.Pool.For(cl.tm*cl.tn, ctx.filledFn)
	ctx.cur, ctx.fill = call{}, nil
}

// NR is the column panel width a BFiller for pa must pack.
func (pa *PackedA) NR() int { return pa.ks.nr }

// filledChunk is the budget of a thread's packed B chunk, in floats
// (384 KiB: with a kc-deep A panel in L1 it leaves L2 room for C).
var filledChunk = 96 << 10

// filledCBlock bounds the C block of a chunk, in floats (256 KiB).
var filledCBlock = 64 << 10

// gridCols picks how threads split an m×n output of mr-row and nr-column
// panels: tm×tn = threads with the fewest rows × columns for the busiest
// thread (counting real rows, so that 16 rows do not split as 14 + 2),
// ties going to the larger tn (each thread fills B for its own columns).
func gridCols(m, n, mr, nr, threads int) (tm, tn int) {
	mp, np := ceilDiv(m, mr), ceilDiv(n, nr)
	best := -1
	for d := 1; d <= threads; d++ {
		if threads%d != 0 {
			continue
		}
		w := min(ceilDiv(mp, d)*mr, m) * ceilDiv(np, threads/d)
		if best < 0 || w < best {
			best, tm, tn = w, d, threads/d
		}
	}
	return tm, tn
}

// filledBody runs thread t's rectangle of an SgemmFilledB.
func (ctx *Ctx) filledBody(t int) {
	cl := &ctx.cur
	ks := cl.ks
	mr, nr := ks.mr, ks.nr
	mlo, mhi := split(ceilDiv(cl.m, mr), cl.tm, t/cl.tn)
	nlo, nhi := split(ceilDiv(cl.n, nr), cl.tn, t%cl.tn)
	if mlo == mhi || nlo == nhi {
		return
	}
	kc := min(ks.kc, cl.k)
	rowEnd := min(mhi*mr, cl.m)
	// The chunk's packed B stays in L2, and so does its C block when a
	// separate pass applies the epilogue.
	chunk := max(1, filledChunk/(nr*kc))
	if cl.ep != nil && !cl.epInKernel {
		chunk = max(1, min(chunk, filledCBlock/(nr*(rowEnd-mlo*mr))))
	}
	// B read in place is taken from memory once, panel by panel, for all
	// the thread's row panels while it is in L1, when their slice of A
	// stays in L2; otherwise A panels stay in L1 and B panels are reread.
	bOuter := ctx.fill == nil && (rowEnd-mlo*mr)*kc <= filledCBlock
	tb := &ctx.thr[t]
	if ctx.fill != nil {
		tb.b = grow(tb.b, min(chunk, nhi-nlo)*nr*kc)
	} else {
		tb.b = grow(tb.b, nr*kc)
	}
	tb.tile = grow(tb.tile, mr*nr)
	for jp0 := nlo; jp0 < nhi; jp0 += chunk {
		jp1 := min(jp0+chunk, nhi)
		j0 := jp0 * nr
		cols := min(jp1*nr, cl.n) - j0
		for pc := 0; pc < cl.k; pc += ks.kc {
			kb := min(ks.kc, cl.k-pc)
			if ctx.fill != nil {
				ctx.fill(tb.b, j0, cols, pc, kb)
			}
			var beta float32
			if pc > 0 {
				beta = 1
			}
			ablk := cl.pa.block(pc)
			if bOuter {
				for jp := jp0; jp < jp1; jp++ {
					for i := mlo * mr; i < rowEnd; i += mr {
						cl.filledTile(tb, ablk, i, min(mr, rowEnd-i), jp, jp-jp0, pc, kb, beta)
					}
				}
				continue
			}
			for i := mlo * mr; i < rowEnd; i += mr {
				for jp := jp0; jp < jp1; jp++ {
					cl.filledTile(tb, ablk, i, min(mr, rowEnd-i), jp, jp-jp0, pc, kb, beta)
				}
			}
		}
		if cl.ep != nil && !cl.epInKernel {
			for i := mlo * mr; i < rowEnd; i++ {
				applyEpilogue(ks, cl.ep, i, cl.c[i*cl.ldc+j0:i*cl.ldc+j0+cols], j0)
			}
		}
	}
}

// filledTile runs the micro-kernel for rows [i, i+r) and column panel jp
// (panel q of the chunk) over the depth [pc, pc+kb) of a byCols product.
func (cl *call) filledTile(tb *threadBuf, ablk []float32, i, r, jp, q, pc, kb int, beta float32) {
	ks := cl.ks
	nr := ks.nr
	j := jp * nr
	w := min(nr, cl.n-j)
	bp, bs := cl.bPanel(tb, q, j, w, pc, kb)
	if cl.epInKernel && pc+kb >= cl.k {
		cl.epTile(r, kb, &ablk[i*kb], bp, bs, i, j, w, beta)
		return
	}
	if w == nr || ks.masked {
		ks.kern[r-1](kb, &ablk[i*kb], bp, bs, &cl.c[i*cl.ldc+j], cl.ldc, 1, beta, colMask(w))
		return
	}
	ks.kern[r-1](kb, &ablk[i*kb], bp, bs, &tb.tile[0], nr, 1, 0, colMask(nr))
	finishTile(cl, tb.tile, nr, i, j, r, w, beta)
}

// zeroBias stands for a missing bias in the epilogue kernels.
var zeroBias [32]float32

// bPanel is where the kernels of byCols read the column panel at j (w
// columns, depth [pc, pc+kb)) and its row stride: panel q of the filled
// chunk, or B itself, or a copy in tb.b padded to nr when B's panel is
// partial and the kernels are not masked.
func (cl *call) bPanel(tb *threadBuf, q, j, w, pc, kb int) (*float32, int) {
	nr := cl.ks.nr
	switch {
	case cl.b == nil:
		return &tb.b[q*nr*kb], nr
	case w == nr || cl.ks.masked:
		return &cl.b[pc*cl.ldb+j], cl.ldb
	}
	packBPanel(cl.ks, tb.b, false, cl.b, cl.ldb, j, w, pc, kb)
	return &tb.b[0], nr
}
