// Command vec generates the AVX2 and AVX-512 loops of package
// backend/cpu/vec. Every routine has a pure-Go twin in that package
// (generic.go, math32.go) that states its meaning; the SIMD code follows
// the same algorithm lane by lane.
//
// Each routine walks its slices in blocks of U vectors, then single
// vectors, then finishes the last n mod W elements with a masked load and
// store (AVX-512 opmask, AVX2 VMASKMOVPS), so no caller needs a scalar
// tail loop.
package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// isa is one instruction-set level the routines are generated for.
type isa struct {
	suffix string
	w      int // float32 lanes per vector
	avx512 bool
}

var (
	avx2   = isa{"AVX2", 8, false}
	avx512 = isa{"AVX512", 16, true}
)

func (s isa) vreg() VecVirtual {
	if s.avx512 {
		return ZMM()
	}
	return YMM()
}

// ld loads a constant vector into a register (needed where the operand
// order forces a register, e.g. to make VMAXPS propagate NaN from x).
func (s isa) ld(m Mem) VecVirtual {
	x := s.vreg()
	VMOVUPS(m, x)
	return x
}

func (s isa) bcast(name string) VecVirtual {
	x := XMM()
	Load(Param(name), x)
	v := s.vreg()
	VBROADCASTSS(x, v)
	return v
}

// mask is a lane predicate: an opmask register on AVX-512, a vector of
// all-ones/all-zeros lanes on AVX2.
type mask struct {
	k Op
	v VecVirtual
}

// lt returns the lanes where a < b (ordered: false for NaN).
func (s isa) lt(a VecVirtual, b Op) mask {
	if s.avx512 {
		k := K()
		VCMPPS(U8(0x11), b, a, k)
		return mask{k: k}
	}
	v := s.vreg()
	VCMPPS(U8(0x11), b, a, v)
	return mask{v: v}
}

// signMask returns the lanes whose sign bit is set.
func (s isa) signMask(x VecVirtual) mask {
	if s.avx512 {
		k := K()
		VPMOVD2M(x, k)
		return mask{k: k}
	}
	return mask{v: x}
}

// blend returns m ? t : f.
func (s isa) blend(m mask, t, f VecVirtual) VecVirtual {
	d := s.vreg()
	if s.avx512 {
		VBLENDMPS(t, f, m.k, d)
	} else {
		VBLENDVPS(m.v, t, f, d)
	}
	return d
}

// tailMask builds the mask of the first n lanes (0 < n < w).
func (s isa) tailMask(n Register) mask {
	if s.avx512 {
		base := GP64()
		LEAQ(tailTable16(), base)
		k := K()
		KMOVW(Mem{Base: base, Index: n, Scale: 2}, k)
		return mask{k: k}
	}
	base, neg := GP64(), GP64()
	LEAQ(tailTable8(), base)
	MOVQ(n, neg)
	NEGQ(neg)
	v := s.vreg()
	VMOVUPS(Mem{Base: base, Index: neg, Scale: 4, Disp: 32}, v)
	return mask{v: v}
}

func (s isa) loadMasked(m Mem, tm mask) VecVirtual {
	x := s.vreg()
	if s.avx512 {
		VMOVUPS_Z(m, tm.k, x)
	} else {
		VMASKMOVPS(m, tm.v, x)
	}
	return x
}

func (s isa) storeMasked(x VecVirtual, m Mem, tm mask) {
	if s.avx512 {
		VMOVUPS(x, tm.k, m)
	} else {
		VMASKMOVPS(x, tm.v, m)
	}
}

var (
	consts = map[uint32]Mem{}
	tab8   *Mem
	tab16  *Mem
)

// ci is a vector constant of 16 copies of a 32-bit pattern; ymm code
// reads its first 32 bytes.
func ci(bits uint32) Mem {
	if m, ok := consts[bits]; ok {
		return m
	}
	m := GLOBL(fmt.Sprintf("vconst_%08x", bits), RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(bits))
	}
	consts[bits] = m
	return m
}

func cf(v float32) Mem { return ci(math.Float32bits(v)) }

// tailTable8 is eight all-ones words then eight zeros: the 8 words at
// offset 32-4n are the AVX2 mask of the first n lanes.
func tailTable8() Mem {
	if tab8 == nil {
		m := GLOBL("vtail8", RODATA|NOPTR)
		for i := 0; i < 16; i++ {
			v := uint32(0)
			if i < 8 {
				v = 0xffffffff
			}
			DATA(4*i, U32(v))
		}
		tab8 = &m
	}
	return *tab8
}

// tailTable16 holds (1<<n)-1 for n = 0..16 as 16-bit opmasks.
func tailTable16() Mem {
	if tab16 == nil {
		m := GLOBL("vtail16", RODATA|NOPTR)
		for i := 0; i <= 16; i++ {
			DATA(2*i, U16(uint16((1<<i)-1)))
		}
		tab16 = &m
	}
	return *tab16
}

func main() {
	ConstraintExpr("amd64,!noasm,gc")
	genCPUID()
	for _, s := range []isa{avx2, avx512} {
		genBinary(s)
		genUnary(s)
		genReduce(s)
		genSelect(s)
		genRows(s)
	}
	Generate()
}
