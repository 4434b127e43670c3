package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rowVecs is the most vectors a row of the short-row routines takes: 64
// floats at either level.
func (s isa) rowVecs() int { return 64 / s.w }

// genRows emits softmaxRows and logSoftmaxRows(dst, src []float32, n
// int): the row operation on each of the len(dst)/n rows of n elements,
// for 1 ≤ n ≤ rowVecs·W (the Go wrapper checks). A row of v vectors runs
// a loop specialized for v, straight-line code without branches, so the
// out-of-order core overlaps the long dependency chain of one row (max,
// exp, sum, divide) with the next rows'.
func genRows(s isa) {
	rowsRoutine(s, "softmaxRows", func(r row) []VecVirtual {
		xs := make([]VecVirtual, r.v)
		for i := range xs {
			xs[i] = r.load(i)
		}
		m := r.max(xs)
		for i, x := range xs {
			VSUBPS(m, x, x)
			xs[i] = r.exp(i, x)
		}
		sum := r.s.allLanes(tree(r.s, xs, vadd), vadd)
		inv := r.s.ld(cf(1))
		VDIVPS(sum, inv, inv)
		for _, x := range xs {
			VMULPS(inv, x, x)
		}
		return xs
	})
	// LogSoftmax loads the row three times (from L1) rather than keep x
	// and its exp live together, which AVX2's 16 registers cannot hold
	// for 8 vectors.
	rowsRoutine(s, "logSoftmaxRows", func(r row) []VecVirtual {
		xs := make([]VecVirtual, r.v)
		for i := range xs {
			xs[i] = r.load(i)
		}
		m := r.max(xs)
		var sum VecVirtual
		for i := range r.v {
			e := r.load(i)
			VSUBPS(m, e, e)
			e = r.exp(i, e)
			if i == 0 {
				sum = e
			} else {
				VADDPS(e, sum, sum)
			}
		}
		// y = x + -(max + log sum), which is x - (max + log sum) exactly.
		c := logV(r.s, r.s.allLanes(sum, vadd))
		VADDPS(m, c, c)
		VXORPS(ci(0x80000000), c, c)
		for i := range xs {
			xs[i] = r.load(i)
			VADDPS(c, xs[i], xs[i])
		}
		return xs
	})
}

func vadd(a, b, d VecVirtual) { VADDPS(a, b, d) }
func vmax(a, b, d VecVirtual) { VMAXPS(a, b, d) }

// row is what a row body works with: v vectors at src, the last one
// partial, its lanes in mask tm.
type row struct {
	s   isa
	v   int
	src Register
	tm  mask
}

// load loads vector i of the row; lanes past the row are 0.
func (r row) load(i int) VecVirtual {
	m := Mem{Base: r.src, Disp: i * 4 * r.s.w}
	if i < r.v-1 {
		x := r.s.vreg()
		VMOVUPS(m, x)
		return x
	}
	return r.s.loadMasked(m, r.tm)
}

// max returns the maximum of the row's lanes in every lane; xs are kept.
func (r row) max(xs []VecVirtual) VecVirtual {
	last := r.s.blend(r.tm, xs[r.v-1], r.s.ld(cf(float32(negInf()))))
	return r.s.allLanes(tree(r.s, append(xs[:r.v-1:r.v-1], last), vmax), vmax)
}

// exp returns e^x for vector i of the row, with 0 in the lanes past the
// row. Those lanes go through exp as 0, not as what they hold: an exp
// that underflows to a subnormal or 0 costs a microcode assist on Intel
// cores, which one lane of every row would pay.
func (r row) exp(i int, x VecVirtual) VecVirtual {
	if i < r.v-1 {
		return expV(r.s, x)
	}
	r.s.zeroOff(r.tm, x)
	e := expV(r.s, x)
	r.s.zeroOff(r.tm, e)
	return e
}

// zeroOff sets the lanes of x outside m to 0.
func (s isa) zeroOff(m mask, x VecVirtual) {
	if s.avx512 {
		VMOVAPS_Z(x, m.k, x)
	} else {
		VANDPS(m.v, x, x)
	}
}

// rowsRoutine emits one short-row routine: per row, body computes the v
// vectors to store.
func rowsRoutine(s isa, name string, body func(r row) []VecVirtual) {
	TEXT(name+s.suffix, NOSPLIT, "func(dst, src []float32, n int)")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	left := Load(Param("dst").Len(), GP64())
	n := Load(Param("n"), GP64())
	shift := map[int]uint8{8: 3, 16: 4}[s.w]
	// nv = ceil(n/W) vectors, the last holding tail = n - (nv-1)·W lanes.
	nv := GP64()
	MOVQ(n, nv)
	ADDQ(U32(s.w-1), nv)
	SHRQ(U8(shift), nv)
	tail := GP64()
	MOVQ(nv, tail)
	SHLQ(U8(shift), tail)
	NEGQ(tail)
	ADDQ(n, tail)
	ADDQ(U32(s.w), tail)
	tm := s.tailMask(tail)
	rowBytes := GP64()
	MOVQ(n, rowBytes)
	SHLQ(U8(2), rowBytes)
	for v := 1; v <= s.rowVecs(); v++ {
		CMPQ(nv, U32(v))
		JE(LabelRef(fmt.Sprintf("rows%d", v)))
	}
	JMP(LabelRef("done"))
	for v := 1; v <= s.rowVecs(); v++ {
		Label(fmt.Sprintf("rows%d", v))
		TESTQ(left, left)
		JZ(LabelRef("done"))
		xs := body(row{s: s, v: v, src: src, tm: tm})
		for i, x := range xs {
			m := Mem{Base: dst, Disp: i * 4 * s.w}
			if i < v-1 {
				VMOVUPS(x, m)
			} else {
				s.storeMasked(x, m, tm)
			}
		}
		ADDQ(rowBytes, src)
		ADDQ(rowBytes, dst)
		SUBQ(n, left)
		JMP(LabelRef(fmt.Sprintf("rows%d", v)))
	}
	Label("done")
	VZEROUPPER()
	RET()
}

// tree folds xs pairwise, (x0 op x1) op (x2 op x3) and so on, into a new
// register (xs are kept): a chain of depth log2 len(xs), not len(xs)-1.
func tree(s isa, xs []VecVirtual, op func(a, b, d VecVirtual)) VecVirtual {
	if len(xs) == 1 {
		d := s.vreg()
		VMOVAPS(xs[0], d)
		return d
	}
	for len(xs) > 1 {
		var next []VecVirtual
		for i := 0; i+1 < len(xs); i += 2 {
			d := s.vreg()
			op(xs[i+1], xs[i], d)
			next = append(next, d)
		}
		if len(xs)%2 == 1 {
			next = append(next, xs[len(xs)-1])
		}
		xs = next
	}
	return xs[0]
}

// allLanes reduces x across its lanes by a butterfly of swaps (256-bit
// halves, 128-bit lanes, pairs, neighbours), leaving the result in every
// lane, so no broadcast follows.
func (s isa) allLanes(x VecVirtual, op func(a, b, d VecVirtual)) VecVirtual {
	t := s.vreg()
	if s.avx512 {
		VSHUFF32X4(U8(0x4e), x, x, t)
		op(t, x, x)
		VSHUFF32X4(U8(0xb1), x, x, t)
		op(t, x, x)
	} else {
		VPERM2F128(U8(0x01), x, x, t)
		op(t, x, x)
	}
	VPERMILPS(U8(0x4e), x, t)
	op(t, x, x)
	VPERMILPS(U8(0xb1), x, t)
	op(t, x, x)
	return x
}
