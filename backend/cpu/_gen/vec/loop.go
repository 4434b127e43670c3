package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// loop describes one generated routine: it reads the slices ins (all of
// the first one's length n, or of dst's when dst is set), broadcasts the
// float32 parameters scalars, computes body per vector and stores it to
// dst and/or folds it into an accumulator whose horizontal result is
// returned.
type loop struct {
	name    string
	sig     string
	dst     bool
	ins     []string
	scalars []string
	unroll  int
	body    func(s isa, xs, sc []VecVirtual) VecVirtual
	acc     *accum
}

// accum folds body values into per-unroll accumulators.
type accum struct {
	max bool // fold with max (from -Inf) instead of + (from 0)
}

func (a *accum) init(s isa) VecVirtual {
	v := s.vreg()
	if a.max {
		VMOVUPS(cf(float32(negInf())), v)
	} else {
		VXORPS(v, v, v)
	}
	return v
}

// fold accumulates v into acc; in the tail only the lanes of tm count.
func (a *accum) fold(s isa, acc, v VecVirtual, tm *mask) {
	if tm != nil {
		if s.avx512 {
			if a.max {
				VMAXPS(v, acc, tm.k, acc)
			} else {
				VADDPS(v, acc, tm.k, acc)
			}
			return
		}
		if a.max {
			v = s.blend(*tm, v, s.ld(cf(float32(negInf()))))
		} else {
			VANDPS(tm.v, v, v)
		}
	}
	if a.max {
		VMAXPS(v, acc, acc)
	} else {
		VADDPS(v, acc, acc)
	}
}

// horizontal reduces acc to its lane 0 and stores it as the result.
func (a *accum) horizontal(s isa, acc VecVirtual) {
	op := func(x, y Op) {
		if a.max {
			VMAXPS(x, y, y)
		} else {
			VADDPS(x, y, y)
		}
	}
	y := acc.AsY()
	if s.avx512 {
		hi := YMM()
		VEXTRACTF64X4(U8(1), acc, hi)
		op(hi, y)
	}
	x := y.(VecVirtual).AsX()
	hx := XMM()
	VEXTRACTF128(U8(1), y, hx)
	op(hx, x)
	t := XMM()
	VMOVHLPS(x, x, t)
	op(t, x)
	VMOVSHDUP(x, t)
	if a.max {
		VMAXSS(t, x, x)
	} else {
		VADDSS(t, x, x)
	}
	Store(x, ReturnIndex(0))
}

func (l loop) gen(s isa) {
	TEXT(l.name+s.suffix, NOSPLIT, l.sig)
	var dst Register
	var n Register
	if l.dst {
		dst = Load(Param("dst").Base(), GP64())
		n = Load(Param("dst").Len(), GP64())
	} else {
		n = Load(Param(l.ins[0]).Len(), GP64())
	}
	ins := make([]Register, len(l.ins))
	for i, nm := range l.ins {
		ins[i] = Load(Param(nm).Base(), GP64())
	}
	sc := make([]VecVirtual, len(l.scalars))
	for i, nm := range l.scalars {
		sc[i] = s.bcast(nm)
	}
	u := l.unroll
	if u < 1 {
		u = 1
	}
	var accs []VecVirtual
	if l.acc != nil {
		for range u {
			accs = append(accs, l.acc.init(s))
		}
	}
	bytes := 4 * s.w
	step := func(k int, tm *mask) {
		xs := make([]VecVirtual, len(ins))
		for i, p := range ins {
			m := Mem{Base: p, Disp: k * bytes}
			if tm != nil {
				xs[i] = s.loadMasked(m, *tm)
			} else {
				xs[i] = s.vreg()
				VMOVUPS(m, xs[i])
			}
		}
		y := l.body(s, xs, sc)
		if l.dst {
			m := Mem{Base: dst, Disp: k * bytes}
			if tm != nil {
				s.storeMasked(y, m, *tm)
			} else {
				VMOVUPS(y, m)
			}
		}
		if l.acc != nil {
			l.acc.fold(s, accs[k], y, tm)
		}
	}
	advance := func(k int) {
		for _, p := range ins {
			ADDQ(U32(k*bytes), p)
		}
		if l.dst {
			ADDQ(U32(k*bytes), dst)
		}
		SUBQ(U32(k*s.w), n)
	}
	if u > 1 {
		Label("big")
		CMPQ(n, U32(u*s.w))
		JL(LabelRef("single"))
		for k := range u {
			step(k, nil)
		}
		advance(u)
		JMP(LabelRef("big"))
	}
	Label("single")
	CMPQ(n, U32(s.w))
	JL(LabelRef("tail"))
	step(0, nil)
	advance(1)
	JMP(LabelRef("single"))
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	tm := s.tailMask(n)
	step(0, &tm)
	Label("done")
	if l.acc != nil {
		for k := 1; k < u; k++ {
			if l.acc.max {
				VMAXPS(accs[k], accs[0], accs[0])
			} else {
				VADDPS(accs[k], accs[0], accs[0])
			}
		}
		l.acc.horizontal(s, accs[0])
	}
	VZEROUPPER()
	RET()
}

func negInf() float64 { return -1 / zero }

var zero = 0.0
