package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The fused pair packers: one full panel of A or B packed straight into
// the bfloat16 pair layout (pairConvertGeneric's), with the meaning of
// the float32 panel packer (pack.go) followed by pairpack_avx512, in one
// pass over the source instead of a write and a re-read of a float32
// panel. Rounding is roundBF16Vec's integer formula (bit-exact with
// bf16Bits, denormals and NaNs included). Virtual registers: nothing
// here is raw EVEX.
//
// The two rounded floats of a word are joined by one VPERMT2W picking
// their upper halves from two registers (gemm_pairperm):
//   - copy (rows of a panel step in two registers): word i from the odd
//     words 2i+1 of the even step and of the odd step;
//   - gather (a pair of adjacent floats per 64-bit lane, 8 lanes per
//     register): word i of 16 from words 4i+1 and 4i+3 of the lane's
//     register.

// pairPerm emits gemm_pairperm, the VPERMT2W indices: 32 words for the
// copy packers, then 32 for the gather packers (index ≥ 32: the second
// table).
func pairPerm() Mem {
	perm := GLOBL("gemm_pairperm", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U16(2*i+1))
		DATA(4*i+2, U16(32+2*i+1))
	}
	for i := 0; i < 16; i++ {
		base := 4*i + 1
		if i >= 8 {
			base = 32 + 4*(i-8) + 1
		}
		DATA(64+4*i, U16(base))
		DATA(64+4*i+2, U16(base+2))
	}
	return perm
}

// bf16Round holds the constants of round in virtual registers.
type bf16Round struct{ one, bias, quiet reg.VecVirtual }

func newBF16Round() bf16Round {
	c := bf16Round{ZMM(), ZMM(), ZMM()}
	t := GP32()
	for _, kv := range []struct {
		v uint32
		z reg.VecVirtual
	}{{1, c.one}, {0x7fff, c.bias}, {0x00400000, c.quiet}} {
		MOVL(U32(kv.v), t)
		VPBROADCASTD(t, kv.z)
	}
	return c
}

// round returns the 16 floats of x rounded to bfloat16 in their upper
// halves (lower halves: garbage), as roundBF16Vec.
func (c bf16Round) round(x reg.VecVirtual) reg.VecVirtual {
	y, nan := ZMM(), K()
	VPSRLD(U8(16), x, y)
	VPANDD(c.one, y, y)
	VPADDD(x, y, y)
	VPADDD(c.bias, y, y)
	VCMPPS(U8(3), x, x, nan) // unordered: NaN
	VPORD(c.quiet, x, nan, y)
	return y
}

// pairPackCopy emits pairpackcopy_<w>(kb int, src *float32, ld int, dst
// *float32) (w = 14 or 32): packcopy_<w> (kb rows of w floats, ld apart)
// then pairConvertGeneric: ⌈kb/2⌉ rows of w words.
func pairPackCopy(w int, perm Mem) {
	name := fmt.Sprintf("pairpackcopy_%d", w)
	TEXT(name, NOSPLIT, "func(kb int, src *float32, ld int, dst *float32)")
	Doc(fmt.Sprintf("%s packs kb rows of %d floats, ld apart in src, into ⌈kb/2⌉ rows of bfloat16 pairs (packcopy_%d, then pairConvertGeneric).", name, w, w))
	kb, src, ld, dst := Load(Param("kb"), GP64()), Load(Param("src"), GP64()), Load(Param("ld"), GP64()), Load(Param("dst"), GP64())
	SHLQ(U8(2), ld)
	c := newBF16Round()
	idx := ZMM()
	VMOVDQU32(perm, idx)
	nv := (w + 15) / 16
	mask := K()
	m := GP32()
	MOVL(U32(1<<(w%16)-1), m)
	KMOVW(m, mask)
	load := func(at Mem) reg.VecVirtual {
		x := ZMM()
		if w%16 != 0 {
			VMOVUPS_Z(at, mask, x)
		} else {
			VMOVUPS(at, x)
		}
		return x
	}
	store := func(x reg.VecVirtual, at Mem) {
		if w%16 != 0 {
			VMOVUPS(x, mask, at)
		} else {
			VMOVUPS(x, at)
		}
	}

	Label(name + "_loop")
	CMPQ(kb, U8(2))
	JL(LabelRef(name + "_tail"))
	for v := 0; v < nv; v++ {
		lo := c.round(load(Mem{Base: src, Disp: 64 * v}))
		hi := c.round(load(Mem{Base: src, Index: ld, Scale: 1, Disp: 64 * v}))
		VPERMT2W(hi, idx, lo)
		store(lo, Mem{Base: dst, Disp: 64 * v})
	}
	LEAQ(Mem{Base: src, Index: ld, Scale: 2}, src)
	ADDQ(U8(4*w), dst)
	SUBQ(U8(2), kb)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_tail")
	TESTQ(kb, kb)
	JE(LabelRef(name + "_done"))
	for v := 0; v < nv; v++ { // odd kb: the last row alone, high halves 0
		lo := c.round(load(Mem{Base: src, Disp: 64 * v}))
		VPSRLD(U8(16), lo, lo)
		store(lo, Mem{Base: dst, Disp: 64 * v})
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// pairPackGather emits pairpackgather_<w>(kb int, src *float32, ld int,
// dst *float32) (w = 14 or 32): packgather_<w> (w rows of kb floats, ld
// apart, transposed) then pairConvertGeneric. Blocks of 16 depth steps
// are transposed in registers (pairTransposeBlocks); the remaining steps
// take one 64-bit gather per 8 rows and pair step (a word's two floats
// are adjacent in src), the odd last step gathers single floats (nothing
// past kb is read). Requires w·ld < 2³¹.
func pairPackGather(w int, iota, perm, tr Mem) {
	name := fmt.Sprintf("pairpackgather_%d", w)
	TEXT(name, NOSPLIT, "func(kb int, src *float32, ld int, dst *float32)")
	Doc(fmt.Sprintf("%s packs a %d×kb block (rows ld apart in src), transposed, into ⌈kb/2⌉ rows of bfloat16 pairs (packgather_%d, then pairConvertGeneric).", name, w, w))
	kb, src, dst := Load(Param("kb"), GP64()), Load(Param("src"), GP64()), Load(Param("dst"), GP64())
	ld := GP64()
	Load(Param("ld"), ld)
	c := newBF16Round()
	pidx := ZMM()
	VMOVDQU32(perm.Offset(64), pidx)

	// Row offsets i·ld: zmm (16 rows) for the float gathers, ymm (8 rows)
	// for the pair gathers.
	ldv := ZMM()
	VPBROADCASTD(ld.As32(), ldv)
	idx := []reg.VecVirtual{ZMM()}
	VPMULLD(iota, ldv, idx[0])
	if w > 16 {
		t := ZMM()
		VPSLLD(U8(4), ldv, t)
		idx = append(idx, ZMM())
		VPADDD(t, idx[0], idx[1])
	}
	var qidx []reg.Register
	for _, x := range idx {
		hi := YMM()
		VEXTRACTI32X8(U8(1), x, hi)
		qidx = append(qidx, x.AsY(), hi)
	}
	full, part, k := K(), K(), K()
	m := GP32()
	MOVL(U32(0xffff), m)
	KMOVW(m, full)
	if w%16 != 0 { // the masks of the last rows: 16-row and 8-row gathers
		MOVL(U32(1<<(w%16)-1), m)
		KMOVW(m, part)
	}
	partQ := K()
	if w%8 != 0 {
		MOVL(U32(1<<(w%8)-1), m)
		KMOVW(m, partQ)
	}
	nv := (w + 15) / 16
	pairTransposeBlocks(name, w, kb, src, ld, dst, c, pidx, tr)

	Label(name + "_loop")
	CMPQ(kb, U8(2))
	JL(LabelRef(name + "_tail"))
	for v := 0; v < nv; v++ {
		var r [2]reg.VecVirtual
		for h := 0; h < 2; h++ {
			g := 2*v + h
			msk := full
			if w%8 != 0 && g == len(qidx)-1 {
				msk = partQ
			}
			x := ZMM()
			KMOVW(msk, k) // the gather clears its mask
			VPXORD(x, x, x)
			VPGATHERDQ(Mem{Base: src, Index: qidx[g], Scale: 4}, k, x)
			r[h] = c.round(x)
		}
		VPERMT2W(r[1], pidx, r[0])
		if w%16 != 0 && v == nv-1 {
			VMOVUPS(r[0], part, Mem{Base: dst, Disp: 64 * v})
		} else {
			VMOVUPS(r[0], Mem{Base: dst, Disp: 64 * v})
		}
	}
	ADDQ(U8(8), src)
	ADDQ(U8(4*w), dst)
	SUBQ(U8(2), kb)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_tail")
	TESTQ(kb, kb)
	JE(LabelRef(name + "_done"))
	for v := range idx { // odd kb: the last step alone, high halves 0
		msk := full
		if w%16 != 0 && v == len(idx)-1 {
			msk = part
		}
		x := ZMM()
		KMOVW(msk, k)
		VPXORD(x, x, x)
		VPGATHERDD(Mem{Base: src, Index: idx[v], Scale: 4}, k, x)
		y := c.round(x)
		VPSRLD(U8(16), y, y)
		VMOVUPS(y, msk, Mem{Base: dst, Disp: 64 * v})
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// pairPackers emits the fused pair packers of the 14-row A panels and
// the 32-column B panels.
func pairPackers(iota Mem) {
	perm, tr := pairPerm(), pairTransposeTables()
	for _, w := range []int{14, 32} {
		pairPackCopy(w, perm)
		pairPackGather(w, iota, perm, tr)
	}
}

// pairTransposeTables emits gemm_pairtr, the VPERMI2D indices of the 8×8
// transposes of pairTransposeBlocks (index ≥ 16: the second table):
//   - A0, A1: from two registers of rows (2m, 2m+1) and (2m+2, 2m+3), 8
//     pair steps each, the 4 rows' steps 0–3 (A0) or 4–7 (A1), row-major;
//   - B0, B1: from two A results (rows 0–3 and 4–7), steps 0–1 (B0) or
//     2–3 (B1) of the 8 rows, step-major.
func pairTransposeTables() Mem {
	tr := GLOBL("gemm_pairtr", RODATA|NOPTR)
	for t := 0; t < 2; t++ {
		for l := 0; l < 16; l++ { // A: lane l = row r, step s
			r, s := l/4, l%4+4*t
			DATA(64*t+4*l, U32(16*(r/2)+8*(r%2)+s))
		}
	}
	for t := 0; t < 2; t++ {
		for l := 0; l < 16; l++ { // B: lane l = step s, row r
			s, r := l/8+2*t, l%8
			DATA(128+64*t+4*l, U32(16*(r/4)+4*(r%4)+s))
		}
	}
	return tr
}

// pairTransposeBlocks emits the main loop of pairpackgather_<w> while 16
// or more depth steps are left: 8 pair steps at a time by contiguous
// loads of 16 floats from each of the w rows, rounded and joined to 8
// words per row (VPERMT2W, two rows per register), then an 8×8 word
// transpose (two VPERMI2D stages) per 8 rows, stored as 8-word pieces of
// the panel's steps (w = 14: the last 6 rows under a mask, rows 14–15
// never read). Gathers cost ~3–4× these loads and shuffles on Zen 4
// (BenchmarkPairPackers).
func pairTransposeBlocks(name string, w int, kb, src, ld, dst reg.Register, c bf16Round, pidx reg.VecVirtual, tr Mem) {
	tab := make([]reg.VecVirtual, 4) // A0, A1, B0, B1
	for i := range tab {
		tab[i] = ZMM()
		VMOVDQU32(tr.Offset(64*i), tab[i])
	}
	perm := func(a, b, idx reg.VecVirtual) reg.VecVirtual {
		t := ZMM()
		VMOVDQA64(idx, t)
		VPERMI2D(b, a, t)
		return t
	}
	ld4, row := GP64(), GP64()
	MOVQ(ld, ld4)
	SHLQ(U8(2), ld4)
	last := K() // the rows of the last group of 8
	if w%8 != 0 {
		m := GP32()
		MOVL(U32(1<<(w%8)-1), m)
		KMOVW(m, last)
	}

	Label(name + "_block")
	CMPQ(kb, U8(16))
	JL(LabelRef(name + "_loop"))
	MOVQ(src, row)
	for g := 0; 8*g < w; g++ { // rows 8g..8g+7
		var z [4]reg.VecVirtual
		for m := range z {
			if 8*g+2*m >= w { // past the last row: any lanes, not stored
				z[m] = z[m-1]
				continue
			}
			a, b := ZMM(), ZMM()
			VMOVUPS(Mem{Base: row}, a)
			VMOVUPS(Mem{Base: row, Index: ld4, Scale: 1}, b)
			LEAQ(Mem{Base: row, Index: ld4, Scale: 2}, row)
			z[m] = c.round(a)
			VPERMT2W(c.round(b), pidx, z[m])
		}
		t := [4]reg.VecVirtual{perm(z[0], z[1], tab[0]), perm(z[0], z[1], tab[1]),
			perm(z[2], z[3], tab[0]), perm(z[2], z[3], tab[1])}
		for h := 0; h < 2; h++ { // steps 4h..4h+3
			for u := 0; u < 2; u++ { // steps 4h+2u, 4h+2u+1
				x := perm(t[h], t[2+h], tab[2+u])
				s := 4*h + 2*u
				at := Mem{Base: dst, Disp: 4*w*s + 32*g}
				if 8*g+8 > w {
					VMOVDQU32(x.AsY(), last, at)
					VEXTRACTI32X8(U8(1), x, last, at.Offset(4*w))
				} else {
					VMOVDQU32(x.AsY(), at)
					VEXTRACTI32X8(U8(1), x, at.Offset(4*w))
				}
			}
		}
	}
	ADDQ(U8(64), src)
	ADDQ(U32(8*4*w), dst)
	SUBQ(U8(16), kb)
	JMP(LabelRef(name + "_block"))
}
