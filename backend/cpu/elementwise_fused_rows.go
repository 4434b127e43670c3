package cpu

import "github.com/dlc-go/dlc/backend/cpu/vec"

// Short rows. The broadcast plan cuts the output into rows along which
// every input is a vector or a scalar; when those rows are short (the
// softmax gradient's dy - sum over [B,H,S,T] and [B,H,S,1] has rows of T,
// 28 in a small Transformer), one block per row would pay each
// instruction's call overhead every few elements. The kernel then takes
// groups of rows as one block: an input laid out like the output is one
// slice across the group, an input constant everywhere stays a scalar,
// and any other input (a scalar per row, a row repeated) is first copied
// into a register of its own, row by row.

// shortRowMax is the longest row that is grouped.
const shortRowMax = 64

// groupRows decides whether blocks take groups of rows, and gives each
// input that must be copied its register.
func (k *elementwiseKernel) groupRows() {
	p := k.plan
	if p.inner > shortRowMax || p.outer < 2 {
		return
	}
	k.rowsPer = min(ewBlock/p.inner, p.outer)
	k.ones = make([]float32, p.inner)
	fill(k.ones, 1)
	k.copyReg = make([]int, len(p.strides))
	for j := range k.copyReg {
		k.copyReg[j] = -1
		if !everywhereScalar(p, j) && !likeOutput(p, j) {
			k.copyReg[j] = k.nreg
			k.nreg++
		}
	}
}

// everywhereScalar reports whether input j is broadcast along every dim.
func everywhereScalar(p *bcastPlan, j int) bool {
	for _, s := range p.strides[j] {
		if s != 0 {
			return false
		}
	}
	return true
}

// likeOutput reports whether input j is laid out as the output is, so
// that consecutive rows of it are consecutive in memory.
func likeOutput(p *bcastPlan, j int) bool {
	want := 1
	for d := len(p.dims) - 1; d >= 0; d-- {
		if p.strides[j][d] != want {
			return false
		}
		want *= p.dims[d]
	}
	return true
}

// groupBlocks runs work items [lo, hi), each a group of rowsPer rows (the
// last may be shorter), on part c's registers.
func (k *elementwiseKernel) groupBlocks(c, lo, hi int) {
	regs, offs := k.scratch[c], k.offs[c]
	p := k.plan
	for it := lo; it < hi; it++ {
		b0 := it * k.rowsPer
		rows := min(k.rowsPer, p.outer-b0)
		for j, r := range k.copyReg {
			offs[j] = p.offset(j, b0)
			if r >= 0 {
				k.copyRows(j, regs[r*k.blk:], b0, rows, offs[j])
			}
		}
		k.block(regs, offs, b0, 0, rows*p.inner)
	}
}

// copyRows copies rows b0.. b0+rows-1 of input j, the first at offset
// off, into dst. Rows follow each other along the plan's last outer dim
// (step st), so only a carry into the dims above needs the full offset.
func (k *elementwiseKernel) copyRows(j int, dst []float32, b0, rows, off int) {
	p := k.plan
	x, n := k.ins[j], p.inner
	d := len(p.dims) - 2
	st, pos := p.strides[j][d], b0%p.dims[d]
	for i := range rows {
		if i > 0 {
			if pos++; pos == p.dims[d] {
				pos, off = 0, p.offset(j, b0+i)
			} else {
				off += st
			}
		}
		row := dst[i*n : (i+1)*n]
		if k.strides[j] == 0 {
			// 1·v is v bit for bit (signed zeros, infinities, NaN), and one
			// vector call is quicker than a scalar loop for a short row.
			vec.MulScalar(row, k.ones, x[off])
		} else {
			copy(row, x[off:off+n])
		}
	}
}
