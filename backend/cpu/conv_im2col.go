package cpu

// im2col lays one group of an image out as the GEMM's right operand: row
// (c, i, j) of k.col holds, for every output position of the current tile
// of output rows, the input element under kernel tap (i, j) of channel c,
// or 0 where the tap is in padding.
//
// With a column stride s > 1 the group's input rows are first split into
// their s phases (elements ≡ r mod s, see splitPhases), which turns every
// strided gather into a contiguous copy.

// im2colTap is where kernel column j's inputs are in a (phase-split)
// input row: outputs [lo, hi) copy consecutive elements from at.
type im2colTap struct{ lo, hi, at int }

// im2colTaps precomputes each kernel column's im2colTap.
func im2colTaps(g *win2) []im2colTap {
	taps := make([]im2colTap, g.kw)
	for j := range taps {
		iw0 := j*g.dw - g.pw
		lo, hi := validRange(iw0, g.sw, g.w, g.ow)
		t := im2colTap{lo: lo, hi: hi}
		if lo < hi {
			iw := iw0 + lo*g.sw // input column of output lo
			r := iw % g.sw
			t.at = phaseStart(g.w, g.sw, r) + (iw-r)/g.sw
		}
		taps[j] = t
	}
	return taps
}

// splitRows phase-splits part of the group's cg·H input rows into
// k.xSplit, skipping the rows no output reads (every other row of a
// strided 1×1 conv).
func (k *convKernel) splitRows(part int) {
	rows := k.cg * k.g.h
	for r := part * rows / k.colParts; r < (part+1)*rows/k.colParts; r++ {
		if k.rowUsed[r%k.g.h] {
			splitPhases(k.xSplit[r*k.g.w:(r+1)*k.g.w], k.x[r*k.g.w:(r+1)*k.g.w], k.g.sw)
		}
	}
}

// usedRows reports which input rows some output row reads.
func usedRows(g *win2) []bool {
	used := make([]bool, g.h)
	for oh := 0; oh < g.oh; oh++ {
		for i := 0; i < g.kh; i++ {
			if ih := oh*g.sh - g.ph + i*g.dh; ih >= 0 && ih < g.h {
				used[ih] = true
			}
		}
	}
	return used
}

// im2colRows fills rows [part·kdim/parts, (part+1)·kdim/parts) of k.col
// for the output rows [k.tile0, k.tile1) of the group's input k.x.
func (k *convKernel) im2colRows(part int) {
	lo, hi := part*k.kdim/k.colParts, (part+1)*k.kdim/k.colParts
	g := &k.g
	taps := g.kh * g.kw
	n := (k.tile1 - k.tile0) * g.ow
	for row := lo; row < hi; row++ {
		c, t := row/taps, row%taps
		i, tap := t/g.kw, k.colTaps[t%g.kw]
		plane := k.x[c*k.inPlane : (c+1)*k.inPlane]
		dst := k.col[row*n : (row+1)*n]
		for oh := k.tile0; oh < k.tile1; oh++ {
			d := dst[(oh-k.tile0)*g.ow : (oh-k.tile0+1)*g.ow]
			ih := oh*g.sh - g.ph + i*g.dh
			if ih < 0 || ih >= g.h {
				clear(d)
				continue
			}
			clear(d[:tap.lo])
			clear(d[tap.hi:])
			copy(d[tap.lo:tap.hi], plane[ih*g.w+tap.at:])
		}
	}
}

// splitPhases writes src's elements in phase order: first those at
// indices ≡ 0 mod s, then ≡ 1, and so on.
func splitPhases(dst, src []float32, s int) {
	if s == 2 {
		split2(dst[:(len(src)+1)/2], dst[(len(src)+1)/2:], src, 0)
		return
	}
	o := 0
	for r := 0; r < s; r++ {
		for i := r; i < len(src); i += s {
			dst[o] = src[i]
			o++
		}
	}
}

// phaseStart is where phase r begins in splitPhases' output for a row of
// w elements (phase q < r holds ⌈(w-q)/s⌉ elements).
func phaseStart(w, s, r int) int {
	n := 0
	for q := 0; q < r; q++ {
		n += (w - q + s - 1) / s
	}
	return n
}
