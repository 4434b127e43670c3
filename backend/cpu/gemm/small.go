package gemm

// small handles m ≤ ks.smallM, where B is used by only a few row panels:
// packing B into a shared block costs about as much as using it, and the
// block would fall out of L2 between uses. Threads split the column
// panels; each streams its panels of B once — straight from B when it is
// not transposed and the panel is full or the kernels are masked (they
// take B's row stride), else from a per-thread packed panel, or from
// PackedB — running every row group of A against them. A is packed
// whole first (a single untransposed row already is its own packing).
// m = 1 is the GEMV of batch-1 inference.
func (ctx *Ctx) small(cl call) {
	switch {
	case cl.pa != nil:
		cl.ap = cl.pa.data
	case cl.m == 1 && !cl.transA:
		cl.ap = cl.a[:cl.k]
	case rowKernelsPay(cl):
		cl.ap = nil // smallBody reads A in place
	default:
		ctx.ablk = grow(ctx.ablk, cl.m*cl.k)
		packAll(ctx.ablk, cl.ks, cl.transA, cl.a, cl.lda, cl.m, cl.k)
		cl.ap = ctx.ablk
	}
	cl.planEpilogue(cl.ap == nil)
	cl.tn = min(ctx.Pool.Threads(), ceilDiv(cl.n, cl.ks.nr))
	ctx.cur = cl
	ctx.Pool.For(cl.tn, ctx.smallFn)
}

// rowKernelsPay reports whether the small path reads a row-major A in
// place (kernRow) rather than packing it. Packing transposes A through
// gathers, which costs as much as the product when A is small (attention's
// per-head products run 1.6× faster in place); read in place, a depth
// block of A is reused from L1 across the column panels as well as the
// packed one is. Past one depth block (k > kc) the rows' jumps lose to
// the packed panels once A serves more than a few column panels
// (84 against 103 GFLOP/s at 64×512×1024 with the in-place path forced).
func rowKernelsPay(cl call) bool {
	if cl.ks.kernRow == nil || cl.transA || cl.m == 1 || rowKernelsOff {
		return false
	}
	return cl.k <= cl.ks.kc || ceilDiv(cl.n, cl.ks.nr) <= 2
}

// rowKernelsOff turns the in-place path off, for the benchmark's
// comparison.
var rowKernelsOff bool

// packAll packs all of op(A) (m×k) in PackedA's layout.
func packAll(dst []float32, ks *kernelSet, transA bool, a []float32, lda, m, k int) {
	for pc := 0; pc < k; pc += ks.kc {
		packA(ks, dst[pc*m:], transA, a, lda, 0, m, pc, min(ks.kc, k-pc))
	}
}

// smallBody runs thread t's share of the column panels.
func (ctx *Ctx) smallBody(t int) {
	cl := &ctx.cur
	ks := cl.ks
	mr, nr := ks.mr, ks.nr
	lo, hi := split(ceilDiv(cl.n, nr), cl.tn, t)
	tb := &ctx.thr[t]
	tb.tile = grow(tb.tile, mr*nr)
	gemv := cl.m == 1 && cl.pb == nil && !cl.transB && ks.gemv != nil
	for jp := lo; jp < hi; jp++ {
		j := jp * nr
		w := min(nr, cl.n-j)
		if gemv && j+ks.gemvN <= hi*nr && j+ks.gemvN <= cl.n {
			ks.gemv(cl.k, &cl.ap[0], &cl.b[j], cl.ldb, &cl.c[j], cl.ldc, cl.alpha, cl.beta, 0)
			if cl.ep != nil {
				epilogueTile(cl, 0, j, 1, ks.gemvN)
			}
			jp += ks.gemvN/nr - 1
			continue
		}
		for pc := 0; pc < cl.k; pc += ks.kc {
			kb := min(ks.kc, cl.k-pc)
			beta := cl.beta
			if pc > 0 {
				beta = 1
			}
			var bp *float32
			bs := nr
			switch {
			case cl.pb != nil:
				bp = &cl.pb.block(pc)[jp*nr*kb]
			case !cl.transB && (w == nr || ks.masked):
				bp, bs = &cl.b[pc*cl.ldb+j], cl.ldb
			default:
				tb.b = grow(tb.b, nr*kb)
				packBPanel(ks, tb.b, cl.transB, cl.b, cl.ldb, j, w, pc, kb)
				bp = &tb.b[0]
			}
			epHere := cl.epInKernel && pc+kb >= cl.k
			if cl.ap == nil {
				for i := 0; i < cl.m; i += mr {
					r := min(mr, cl.m-i)
					if epHere {
						cl.epRowTile(r, kb, pc, bp, bs, i, j, w, beta)
						continue
					}
					ks.kernRow[r-1](kb, &cl.a[i*cl.lda+pc], cl.lda, bp, bs, &cl.c[i*cl.ldc+j], cl.ldc, cl.alpha, beta, colMask(w))
				}
				continue
			}
			ablk := cl.ap[pc*cl.m:]
			for i := 0; i < cl.m; i += mr {
				r := min(mr, cl.m-i)
				if epHere {
					cl.epTile(r, kb, &ablk[i*kb], bp, bs, i, j, w, beta)
					continue
				}
				kern := ks.kern[r-1]
				if w == nr || ks.masked {
					kern(kb, &ablk[i*kb], bp, bs, &cl.c[i*cl.ldc+j], cl.ldc, cl.alpha, beta, colMask(w))
				} else {
					kern(kb, &ablk[i*kb], bp, bs, &tb.tile[0], nr, cl.alpha, 0, colMask(nr))
					finishTile(cl, tb.tile, nr, i, j, r, w, beta)
				}
			}
		}
		if cl.ep != nil && !cl.epInKernel {
			epilogueTile(cl, 0, j, cl.m, w)
		}
	}
}
