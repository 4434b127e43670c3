package gemm

// AFiller packs op(A) on demand: it writes the rows [i0, i0+rows) of
// depth [p0, p0+kb) into dst as ⌈rows/MR⌉ row panels in PackedA's layout
// (panel q at q·MR·kb holds kb steps of its r ≤ MR rows, element (p, i)
// at p·r+i). It is called concurrently from the pool's threads with
// distinct dst, so it must only read shared state.
type AFiller func(dst []float32, i0, rows, p0, kb int)

// MR is the row panel height an AFiller for pb must pack.
func (pb *PackedB) MR() int { return pb.ks.mr }

// TileFunc is called by the thread that computed the block of C rows
// [i0, i0+rows) × columns [j0, j0+cols), once the block is final; t is
// the thread's index in the pool (< Pool.Threads()).
type TileFunc func(t, i0, rows, j0, cols int)

// SgemmFilledA computes C (m×pb.N()) = A·op(B) then ep, where A (m×pb.K())
// is packed block by block by fill, typically from an image (the
// transposed im2col of a convolution whose output plane is too narrow to
// fill the column panels of the direct product). Threads split the
// columns of B when they can (each then packs all of A, which is meant to
// be small: a few hundred rows), else the rows, in one Pool.For. Each
// kc slice of a B panel is loaded once and run against every row panel
// of A, whose packed slice stays in L2. done, when not nil, is called
// for each thread's block after its epilogue (a caller moving C
// elsewhere saves a pass over the pool).
func (ctx *Ctx) SgemmFilledA(m int, fill AFiller, pb *PackedB, c []float32, ldc int, ep *Epilogue, done TileFunc) {
	cl := call{ks: pb.ks, m: m, n: pb.n, k: pb.k, alpha: 1, pb: pb, c: c, ldc: ldc, ep: ep}
	if m == 0 || cl.n == 0 {
		return
	}
	checkMat("C", m, cl.n, c, ldc)
	if cl.k == 0 {
		scaleC(&cl)
		return
	}
	if ctx.filledAFn == nil {
		ctx.filledAFn = ctx.filledABody
	}
	threads := ctx.Pool.Threads()
	if len(ctx.thr) < threads {
		ctx.thr = append(ctx.thr, make([]threadBuf, threads-len(ctx.thr))...)
	}
	cl.tm, cl.tn = gridFilledA(m, cl.n, cl.ks.mr, cl.ks.nr, threads)
	ctx.cur, ctx.fillA, ctx.doneA = cl, fill, done
	ctx.Pool.For(cl.tm*cl.tn, ctx.filledAFn)
	ctx.cur, ctx.fillA, ctx.doneA = call{}, nil, nil
}

// gridFilledA picks the tm×tn = threads split of an SgemmFilledA with the
// least time for its busiest thread, modelled per packed depth step as
// rows·cols/16 FMAs (16 lanes) plus ~0.7 cycles per row packed: a thread
// packs all the rows of its share, so splitting columns repeats the
// packing while splitting rows repeats nothing but may cut unevenly.
func gridFilledA(m, n, mr, nr, threads int) (tm, tn int) {
	mp, np := ceilDiv(m, mr), ceilDiv(n, nr)
	best := -1
	for d := 1; d <= threads; d++ {
		if threads%d != 0 {
			continue
		}
		rows, cols := min(ceilDiv(mp, d)*mr, m), min(ceilDiv(np, threads/d)*nr, n)
		if w := rows * (cols + 11); best < 0 || w < best {
			best, tm, tn = w, d, threads/d
		}
	}
	return tm, tn
}

// filledABody runs thread t's rectangle of an SgemmFilledA.
func (ctx *Ctx) filledABody(t int) {
	cl := &ctx.cur
	ks := cl.ks
	mr, nr := ks.mr, ks.nr
	mlo, mhi := split(ceilDiv(cl.m, mr), cl.tm, t/cl.tn)
	nlo, nhi := split(ceilDiv(cl.n, nr), cl.tn, t%cl.tn)
	if mlo == mhi || nlo == nhi {
		return
	}
	tb := &ctx.thr[t]
	i0, rowEnd := mlo*mr, min(mhi*mr, cl.m)
	tb.a = grow(tb.a, (rowEnd-i0)*min(ks.kc, cl.k))
	tb.tile = grow(tb.tile, mr*nr)
	for pc := 0; pc < cl.k; pc += ks.kc {
		kb := min(ks.kc, cl.k-pc)
		ctx.fillA(tb.a, i0, rowEnd-i0, pc, kb)
		var beta float32
		if pc > 0 {
			beta = 1
		}
		bblk := cl.pb.block(pc)
		for jp := nlo; jp < nhi; jp++ {
			j := jp * nr
			w := min(nr, cl.n-j)
			bp := &bblk[jp*nr*kb]
			for i := i0; i < rowEnd; i += mr {
				r := min(mr, rowEnd-i)
				ap := &tb.a[(i-i0)*kb]
				if w == nr || ks.masked {
					ks.kern[r-1](kb, ap, bp, nr, &cl.c[i*cl.ldc+j], cl.ldc, 1, beta, colMask(w))
				} else {
					ks.kern[r-1](kb, ap, bp, nr, &tb.tile[0], nr, 1, 0, colMask(nr))
					finishTile(cl, tb.tile, nr, i, j, r, w, beta)
				}
			}
		}
	}
	j0 := nlo * nr
	cols := min(nhi*nr, cl.n) - j0
	if cl.ep != nil {
		for i := i0; i < rowEnd; i++ {
			applyEpilogue(ks, cl.ep, i, cl.c[i*cl.ldc+j0:i*cl.ldc+j0+cols], j0)
		}
	}
	if ctx.doneA != nil {
		ctx.doneA(t, i0, rowEnd-i0, j0, cols)
	}
}
