package cpu

import "github.com/dlc-go/dlc/backend/cpu/gemm"

// Implicit im2col: with constant weights, the GEMM's right operand
// (kdim × OH·OW columns) is never written out. gemm.SgemmFilledB asks for
// it one column chunk and kc slice at a time, already in packed panel
// layout, and the filler gathers each packed row with the segment tables
// built here: for panel q and kernel tap (i, j), the panel's columns fall
// into runs of consecutive output positions on one output row, and each
// run reads consecutive elements of one (phase-split) input row, so a
// packed row is a few masked contiguous loads. Padding lanes are simply
// not covered by any segment (zero). For a stride-1 conv whose input and
// output rows have equal width the runs of one tap share one offset and
// merge, so a row is usually a single masked load.

// convSegTables builds one gemm.SegmentTable per nr-column panel of the
// OH·OW output positions, over the kernel taps (i, j) in row-major order.
func convSegTables(g *win2, colTaps []im2colTap, nr int) []gemm.SegmentTable {
	n := g.oh * g.ow
	taps := g.kh * g.kw
	tabs := make([]gemm.SegmentTable, (n+nr-1)/nr)
	perTap := make([][]gemm.Segment, taps)
	var runs []segRun
	for q := range tabs {
		runs = panelRuns(runs[:0], g, q*nr, min(nr, n-q*nr))
		nseg := 1
		for t := range perTap {
			perTap[t] = tapSegments(perTap[t][:0], g, colTaps[t%g.kw], t/g.kw, runs)
			nseg = max(nseg, len(perTap[t]))
		}
		flat := make([]gemm.Segment, taps*nseg)
		for t, segs := range perTap {
			copy(flat[t*nseg:], segs)
		}
		tabs[q] = gemm.NewSegmentTable(flat, taps, nseg)
	}
	return tabs
}

// convSegBudget bounds the segment tables of one conv, in bytes.
const convSegBudget = 16 << 20

// segTablesFit reports whether convSegTables' tables for panels nr wide
// stay within convSegBudget (an upper bound: a panel spans at most
// ⌈nr/OW⌉+1 output rows, hence as many segments per tap).
func segTablesFit(g *win2, nr int) bool {
	panels := (g.oh*g.ow + nr - 1) / nr
	nseg := (nr+g.ow-1)/g.ow + 1
	return panels*g.kh*g.kw*nseg*8 <= convSegBudget
}

// segRun is a run of a panel's lanes [c0, c1) on output row oh starting
// at output column ow0.
type segRun struct{ c0, c1, oh, ow0 int }

// panelRuns splits the w columns starting at output position j0 into
// output-row runs.
func panelRuns(runs []segRun, g *win2, j0, w int) []segRun {
	for c := 0; c < w; {
		oh, ow := (j0+c)/g.ow, (j0+c)%g.ow
		l := min(w-c, g.ow-ow)
		runs = append(runs, segRun{c0: c, c1: c + l, oh: oh, ow0: ow})
		c += l
	}
	return runs
}

// tapSegments appends the segments of tap (i, tap) for runs, merging runs
// that read from the same offset.
func tapSegments(segs []gemm.Segment, g *win2, tap im2colTap, i int, runs []segRun) []gemm.Segment {
	for _, r := range runs {
		ih := r.oh*g.sh - g.ph + i*g.dh
		if ih < 0 || ih >= g.h {
			continue
		}
		lo, hi := max(tap.lo, r.ow0), min(tap.hi, r.ow0+r.c1-r.c0)
		if lo >= hi {
			continue
		}
		off := int32(ih*g.w + tap.at - tap.lo + r.ow0 - r.c0)
		a, b := r.c0+lo-r.ow0, r.c0+hi-r.ow0 // lanes [a, b)
		mask := uint32((uint64(1)<<b - 1) &^ (uint64(1)<<a - 1))
		merged := false
		for k := range segs {
			if segs[k].Off == off {
				segs[k].Mask |= mask
				merged = true
				break
			}
		}
		if !merged {
			segs = append(segs, gemm.Segment{Off: off, Mask: mask})
		}
	}
	return segs
}

// fillCols is the gemm.BFiller of the implicit path: panels of columns
// [j0, j0+cols) and rows [p0, p0+kb) of the current group's im2col
// matrix, from k.x (phase-split when the column stride is > 1).
func (k *convKernel) fillCols(dst []float32, j0, cols, p0, kb int) {
	taps := k.g.kh * k.g.kw
	src := k.x[p0/taps*k.inPlane : k.cg*k.inPlane]
	q0 := j0 / k.nr
	for q := 0; q*k.nr < cols; q++ {
		gemm.PackSegmentRows(dst[q*k.nr*kb:(q+1)*k.nr*kb], k.nr, src, k.inPlane, &k.segTabs[q0+q], p0%taps, kb)
	}
}
