package gemm

// blocked is the GotoBLAS/BLIS loop nest (Goto & van de Geijn, "Anatomy of
// high-performance matrix multiplication", TOMS 2008): for each nc-wide
// column block and kc-deep slice, B is packed once into ctx.bblk (shared,
// packed in parallel), then every thread packs mc×kc blocks of its own
// rows of A and sweeps the micro-kernel over its rectangle of tiles. The
// jr loop (B panels, kept in L1) is outside the ir loop (A panels,
// streamed from L2).
func (ctx *Ctx) blocked(cl call) {
	ks := cl.ks
	threads := ctx.Pool.Threads()
	mp := ceilDiv(cl.m, ks.mr)
	cl.planEpilogue(cl.pa == nil && blockRowsInPlace(&cl))
	for jc := 0; jc < cl.n; jc += ks.nc {
		nb := min(ks.nc, cl.n-jc)
		np := ceilDiv(nb, ks.nr)
		cl.tm, cl.tn = grid(mp, np, threads)
		for pc := 0; pc < cl.k; pc += ks.kc {
			cl.jc, cl.nb, cl.pc, cl.kb = jc, nb, pc, min(ks.kc, cl.k-pc)
			ctx.cur = cl
			if cl.pb == nil {
				ctx.bblk = grow(ctx.bblk, np*ks.nr*ks.steps(cl.kb))
				ctx.Pool.For(min(threads, np), ctx.packBFn)
			}
			ctx.Pool.For(cl.tm*cl.tn, ctx.blockFn)
		}
	}
}

// grid picks how threads split a block of mp row panels × np column
// panels: tm×tn = threads with the least work per thread, preferring to
// split rows (each thread then packs only its own rows of A).
func grid(mp, np, threads int) (tm, tn int) {
	best := -1
	for d := threads; d >= 1; d-- {
		if threads%d != 0 {
			continue
		}
		w := ceilDiv(mp, d) * ceilDiv(np, threads/d)
		if best < 0 || w < best {
			best, tm, tn = w, d, threads/d
		}
	}
	return tm, tn
}

// packBBody packs part t of the current B block.
func (ctx *Ctx) packBBody(t int) {
	cl := &ctx.cur
	nr := cl.ks.nr
	np := ceilDiv(cl.nb, nr)
	lo, hi := split(np, min(ctx.Pool.Threads(), np), t)
	cols := min(hi*nr, cl.nb) - lo*nr
	packBFor(cl.ks, ctx.bblk[lo*nr*cl.ks.steps(cl.kb):], &ctx.thr[t].tmp, cl.transB, cl.b, cl.ldb, cl.jc+lo*nr, cols, cl.pc, cl.kb)
}

// blockBody runs thread t's rectangle of the current block.
func (ctx *Ctx) blockBody(t int) {
	cl := &ctx.cur
	ks := cl.ks
	mr, nr := ks.mr, ks.nr
	// kb is the depth of the block in kernel steps (pairs of depth steps
	// for a pair set).
	kb := ks.steps(cl.kb)
	mlo, mhi := split(ceilDiv(cl.m, mr), cl.tm, t/cl.tn)
	nlo, nhi := split(ceilDiv(cl.nb, nr), cl.tn, t%cl.tn)
	if mlo == mhi || nlo == nhi {
		return
	}
	tb := &ctx.thr[t]
	tb.tile = grow(tb.tile, mr*nr)
	beta := cl.beta
	if cl.pc > 0 {
		beta = 1
	}
	last := cl.pc+cl.kb >= cl.k
	bblk := ctx.bblk
	if cl.pb != nil {
		bblk = cl.pb.block(cl.pc)[cl.jc*kb:]
	}
	rowEnd := min(mhi*mr, cl.m)
	if cl.pa == nil && blockRowsInPlace(cl) {
		for i := mlo * mr; i < rowEnd; i += mr {
			r := min(mr, rowEnd-i)
			for jp := nlo; jp < nhi; jp++ {
				j := cl.jc + jp*nr
				w := min(nr, cl.jc+cl.nb-j)
				switch {
				case last && cl.epInKernel:
					cl.epRowTile(r, kb, cl.pc, &bblk[jp*nr*kb], nr, i, j, w, beta)
				default:
					ks.kernRow[r-1](kb, &cl.a[i*cl.lda+cl.pc], cl.lda, &bblk[jp*nr*kb], nr, &cl.c[i*cl.ldc+j], cl.ldc, cl.alpha, beta, colMask(w))
				}
			}
			if last && cl.ep != nil && !cl.epInKernel {
				cl.epilogueSpan(i, r, nlo, nhi)
			}
		}
		return
	}
	for ic := mlo * mr; ic < rowEnd; ic += ks.mc {
		rows := min(ks.mc, rowEnd-ic)
		var ablk []float32
		if cl.pa != nil {
			ablk = cl.pa.block(cl.pc)[ic*kb:]
		} else {
			tb.a = grow(tb.a, rows*kb)
			packAFor(ks, tb.a, &tb.tmp, cl.transA, cl.a, cl.lda, ic, rows, cl.pc, cl.kb)
			ablk = tb.a
		}
		for ir := 0; ir < rows; ir += mr {
			r := min(mr, rows-ir)
			i := ic + ir
			ap := &ablk[ir*kb]
			kern := ks.kern[r-1]
			for jp := nlo; jp < nhi; jp++ {
				j := cl.jc + jp*nr
				w := min(nr, cl.jc+cl.nb-j)
				bp := &bblk[jp*nr*kb]
				if last && cl.epInKernel {
					cl.epTile(r, kb, ap, bp, nr, i, j, w, beta)
					continue
				}
				if w == nr || ks.masked {
					kern(kb, ap, bp, nr, &cl.c[i*cl.ldc+j], cl.ldc, cl.alpha, beta, colMask(w))
				} else {
					kern(kb, ap, bp, nr, &tb.tile[0], nr, cl.alpha, 0, colMask(nr))
					finishTile(cl, tb.tile, nr, i, j, r, w, beta)
				}
			}
			if last && cl.ep != nil && !cl.epInKernel {
				cl.epilogueSpan(i, r, nlo, nhi)
			}
		}
	}
}

// epilogueSpan applies the epilogue to rows [i, i+r) over the column
// panels [nlo, nhi) of the current block, just computed and still in
// cache: one call per row rather than per tile row, whose per-call cost
// is most of the work at nr = 32 columns.
func (cl *call) epilogueSpan(i, r, nlo, nhi int) {
	nr := cl.ks.nr
	j0 := cl.jc + nlo*nr
	epilogueTile(cl, i, j0, r, min(cl.jc+nhi*nr, cl.jc+cl.nb)-j0)
}

// blockRowsInPlace reports whether blockBody reads a row-major A in place
// (kernRow): when the whole depth is one block, A's rows are read once
// per column panel either way, and packing them costs a gather pass.
func blockRowsInPlace(cl *call) bool {
	return cl.ks.kernRow != nil && !cl.transA && cl.k <= cl.ks.kc && !rowKernelsOff
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
