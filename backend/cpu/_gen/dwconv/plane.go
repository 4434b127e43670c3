package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The 3×3 window routines (AVX-512) read the unpadded input planes in
// place. Their meaning is dwPlanesGo / maxPlanesGo in
// backend/cpu/conv_depthwise_plane.go: for channel c < nc, output row r
// and output column o,
//
//	acc = bias[c·bs] + Σ_{i,j<3} w[9c+3i+j]·in(c, row(r, i), s·o+j−pw)   (depthwise)
//	acc = max_{i,j<3} in(c, row(r, i), s·o+j−pw)                          (max pool)
//	y[c·oh·ow + r·ow + o] = min(max(acc, lo), hi)                         (depthwise)
//
// where in() outside [0, W) is the padding value fill[0], and a padding
// row reads from fill. One iteration of the row loop makes R output rows
// (R = 2 at stride 1, sharing the loads of the 2 middle input rows; 1
// at stride 2) from R·s+3−s input rows, whose byte offsets in a plane
// (−1: padding) are the iteration's entry in rows; with R = 2 the entry
// ends with the byte offset d of the second output row from the first:
// 4·ow, or 0 for a lone last row, which is then computed twice and
// stored once. Columns go in blocks of L outputs (L = 16, one ZMM, or 8,
// one YMM). The masks start with the lanes of a row's first L inputs
// inside [0, W); then each block has, per vector load, its lanes inside
// [0, W) (the only lanes loaded: the reads never leave the rows) and the
// lanes o < ow to store. Stride 1 loads L inputs per row and block and
// shifts them against the previous ones (VALIGND); stride 2 loads 2L and
// deinterleaves them (VPERMI2PS/VPERMT2PS) into even and odd inputs.

// planeMaskStride returns how many uint16 masks a block has for stride s:
// the loads, then the store.
func planeMaskStride(s int) int {
	if s == 1 {
		return 2
	}
	return 4
}

// genPlane emits one routine: depthwise conv (isMax false) or max pool
// with stride s ∈ {1, 2}, left padding pw ∈ {0, 1} and blocks of lanes
// outputs.
func genPlane(name string, s, pw int, isMax bool, lanes int) {
	vreg := ZMM
	if lanes == 8 {
		vreg = YMM
	}
	vb := 4 * lanes // bytes per vector
	const R = 2     // output rows per iteration
	nin := (R-1)*s + 3
	TEXT(name, NOSPLIT, "func(x, y, w, bias *float32, bs, nc, inPlane, ow int, rows *int, iters int, masks *uint16, nb int, fill *float32, lo, hi float32)")
	what := "depthwise 3×3 conv"
	if isMax {
		what = "3×3 max pool"
	}
	Doc(fmt.Sprintf("%s computes a %s with stride %d and left padding %d", name, what, s, pw),
		fmt.Sprintf("over nc planes, %d output rows per iteration, in blocks of %d outputs", R, lanes),
		"(see dwPlanesGo for the meaning of the arguments).")
	ncm, itm := AllocLocal(8), AllocLocal(8) // loop counters, for lack of registers
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	var w, b Register
	if !isMax {
		w = Load(Param("w"), GP64())
		b = Load(Param("bias"), GP64())
	}
	{
		t := Load(Param("nc"), GP64())
		MOVQ(t, ncm)
	}
	fp := Load(Param("fill"), GP64())
	fillv := vreg()
	VBROADCASTSS(Mem{Base: fp}, fillv)
	var lov, hiv VecVirtual
	if !isMax {
		lov, hiv = vreg(), vreg()
		t := XMM()
		Load(Param("lo"), t)
		VBROADCASTSS(t, lov)
		Load(Param("hi"), t)
		VBROADCASTSS(t, hiv)
	}
	var even, odd VecVirtual
	if s == 2 {
		even, odd = vreg(), vreg()
		VMOVUPS(evenIdx, even)
		VMOVUPS(oddIdx, odd)
	}

	Label(name + "_chan")
	var wv [9]VecVirtual
	var bv VecVirtual
	if !isMax {
		for t := range wv {
			wv[t] = vreg()
			VBROADCASTSS(Mem{Base: w, Disp: 4 * t}, wv[t])
		}
		bv = vreg()
		VBROADCASTSS(Mem{Base: b}, bv)
	}
	rp := Load(Param("rows"), GP64())
	{
		t := Load(Param("iters"), GP64())
		MOVQ(t, itm)
	}

	Label(name + "_row")
	mp := Load(Param("masks"), GP64())
	p := make([]Register, nin)
	// carry[i] holds the vectors of input row i a block passes to the
	// next: stride 1, the previous (pw 1) and current inputs; stride 2
	// pw 1, the previous block's odd inputs.
	carry := make([][]VecVirtual, nin)
	k0 := K()
	KMOVW(Mem{Base: mp}, k0)
	for i := range p {
		off := GP64()
		MOVQ(Mem{Base: rp, Disp: 8 * i}, off)
		p[i] = GP64()
		LEAQ(Mem{Base: x, Index: off, Scale: 1}, p[i])
		f := Load(Param("fill"), GP64())
		TESTQ(off, off)
		CMOVQLT(f, p[i])
		if pw == 1 {
			prev := vreg()
			VMOVAPS(fillv, prev)
			carry[i] = append(carry[i], prev)
		}
		if s == 1 {
			c := vreg()
			VMOVAPS(fillv, c)
			VMOVUPS(Mem{Base: p[i]}, k0, c)
			carry[i] = append(carry[i], c)
		}
	}
	var d2 Register
	yb := GP64()
	MOVQ(y, yb)
	var y2 Register
	if R == 2 {
		d2 = GP64()
		MOVQ(Mem{Base: rp, Disp: 8 * nin}, d2)
		y2 = GP64()
		LEAQ(Mem{Base: y, Index: d2, Scale: 1}, y2)
		ADDQ(d2, y)
	}
	ADDQ(U8(2), mp)
	bc := Load(Param("nb"), GP64())

	Label(name + "_block")
	ms := planeMaskStride(s)
	k := make([]Register, ms)
	for l := range k {
		k[l] = K()
		KMOVW(Mem{Base: mp, Disp: 2 * l}, k[l])
	}
	// acc[r] has two dependency chains: kernel rows 0 and 2, and row 1.
	acc := make([][2]VecVirtual, R)
	for r := range acc {
		acc[r] = [2]VecVirtual{vreg(), vreg()}
		if isMax {
			VMOVAPS(fillv, acc[r][0])
			VMOVAPS(fillv, acc[r][1])
		} else {
			VMOVAPS(bv, acc[r][0])
			VPXORD(acc[r][1], acc[r][1], acc[r][1])
		}
	}
	// taps adds the three taps of input row i, for every output row r
	// whose window has it as kernel row i−r.
	taps := func(i int, t [3]VecVirtual) {
		for r := range acc {
			kr := i - r*s
			if kr < 0 || kr > 2 {
				continue
			}
			dst := acc[r][kr%2]
			for j, v := range t {
				if isMax {
					VMAXPS(v, dst, dst)
				} else {
					VFMADD231PS(v, wv[3*kr+j], dst)
				}
			}
		}
	}
	load := func(base Register, disp int, m Register) VecVirtual {
		v := vreg()
		VMOVAPS(fillv, v)
		VMOVUPS(Mem{Base: base, Disp: disp}, m, v)
		return v
	}
	for i := range p {
		if s == 1 {
			n := load(p[i], vb, k[0])
			c := carry[i][len(carry[i])-1]
			t1 := vreg()
			VALIGND(U8(1), c, n, t1) // inputs o0+1 …
			if pw == 1 {
				prev := carry[i][0]
				t0 := vreg()
				VALIGND(U8(lanes-1), prev, c, t0) // inputs o0−1 …
				taps(i, [3]VecVirtual{t0, c, t1})
				VMOVAPS(c, prev)
			} else {
				t2 := vreg()
				VALIGND(U8(2), c, n, t2)
				taps(i, [3]VecVirtual{c, t1, t2})
			}
			VMOVAPS(n, c)
			continue
		}
		a, bb := load(p[i], 0, k[0]), load(p[i], vb, k[1])
		e := vreg()
		VMOVAPS(even, e)
		VPERMI2PS(bb, a, e)   // inputs 2·o0 + 2k
		VPERMT2PS(bb, odd, a) // inputs 2·o0 + 2k + 1
		if pw == 1 {
			prev := carry[i][0]
			t0 := vreg()
			VALIGND(U8(lanes-1), prev, a, t0) // inputs 2·o0 + 2k − 1
			taps(i, [3]VecVirtual{t0, e, a})
			VMOVAPS(a, prev)
		} else {
			nx := vreg()
			VMOVAPS(fillv, nx)
			VBROADCASTSS(Mem{Base: p[i], Disp: 2 * vb}, k[2], nx) // input 2·o0 + 2L
			VALIGND(U8(1), e, nx, nx)                             // inputs 2·o0 + 2k + 2
			taps(i, [3]VecVirtual{e, a, nx})
		}
	}
	// The second row first: a lone last row is stored over its copy.
	for r := R - 1; r >= 0; r-- {
		a := acc[r][0]
		if isMax {
			VMAXPS(acc[r][1], a, a)
		} else {
			VADDPS(acc[r][1], a, a)
			VMAXPS(a, lov, a) // NaN in a wins: it is the second source
			VMINPS(a, hiv, a)
		}
		var dst Register = yb
		if r == 1 {
			dst = y2
		}
		VMOVUPS(a, k[ms-1], Mem{Base: dst})
	}
	for i := range p {
		ADDQ(U32(vb*s), p[i])
	}
	ADDQ(U32(vb), yb)
	if R == 2 {
		ADDQ(U32(vb), y2)
	}
	ADDQ(U32(2*ms), mp)
	DECQ(bc)
	JNZ(LabelRef(name + "_block"))

	ow := Load(Param("ow"), GP64())
	SHLQ(U8(2), ow)
	ADDQ(ow, y)
	ADDQ(U32(8*(nin+R-1)), rp)
	DECQ(itm)
	JNZ(LabelRef(name + "_row"))

	in := Load(Param("inPlane"), GP64())
	SHLQ(U8(2), in)
	ADDQ(in, x)
	if !isMax {
		ADDQ(U32(36), w)
		bs := Load(Param("bs"), GP64())
		SHLQ(U8(2), bs)
		ADDQ(bs, b)
	}
	DECQ(ncm)
	JNZ(LabelRef(name + "_chan"))
	VZEROUPPER()
	RET()
}

// evenIdx and oddIdx are VPERMT2PS index vectors picking the even and the
// odd floats of a pair of registers (the first 8 serve YMM pairs).
var evenIdx, oddIdx Mem

func genPlaneConsts() {
	evenIdx = GLOBL("dwplane_even", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(2*i))
	}
	oddIdx = GLOBL("dwplane_odd", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(2*i+1))
	}
}
