package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// packCopy emits packcopy_<w>(kb int, src *float32, ld int, dst *float32):
// dst[p*w+i] = src[p*ld+i] for p < kb, i < w (AVX-512; w = 14 or 32).
// It packs the full panels of Aᵀ and B.
func packCopy(w int) {
	name := fmt.Sprintf("packcopy_%d", w)
	TEXT(name, NOSPLIT, "func(kb int, src *float32, ld int, dst *float32)")
	Doc(fmt.Sprintf("%s copies kb rows of %d floats, ld apart in src, to consecutive rows of dst.", name, w))
	kb, src, ld, dst := Load(Param("kb"), GP64()), Load(Param("src"), GP64()), Load(Param("ld"), GP64()), Load(Param("dst"), GP64())
	SHLQ(U8(2), ld)
	mask := K()
	m := GP32()
	MOVL(U32(1<<(w%16)-1), m)
	KMOVW(m, mask)
	x, y := ZMM(), ZMM()
	TESTQ(kb, kb)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	if w == 32 {
		VMOVUPS(Mem{Base: src}, x)
		VMOVUPS(Mem{Base: src, Disp: 64}, y)
		VMOVUPS(x, Mem{Base: dst})
		VMOVUPS(y, Mem{Base: dst, Disp: 64})
	} else {
		VMOVUPS_Z(Mem{Base: src}, mask, x)
		VMOVUPS(x, mask, Mem{Base: dst})
	}
	ADDQ(ld, src)
	ADDQ(U8(4*w), dst)
	DECQ(kb)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// packGather emits packgather_<w>(kb int, src *float32, ld int, dst
// *float32): dst[p*w+i] = src[i*ld+p] for p < kb, i < w (AVX-512 gathers;
// requires w·ld < 2³¹). It packs the full panels of A and Bᵀ.
func packGather(w int, iota Mem) {
	name := fmt.Sprintf("packgather_%d", w)
	TEXT(name, NOSPLIT, "func(kb int, src *float32, ld int, dst *float32)")
	Doc(fmt.Sprintf("%s transposes a %d×kb block (rows ld apart in src) into kb rows of %d floats.", name, w, w))
	kb, src, dst := Load(Param("kb"), GP64()), Load(Param("src"), GP64()), Load(Param("dst"), GP64())
	ld := GP64()
	Load(Param("ld"), ld)
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
	full, part, k := K(), K(), K()
	m := GP32()
	MOVL(U32(0xffff), m)
	KMOVW(m, full)
	MOVL(U32(1<<(w%16)-1), m)
	KMOVW(m, part)
	x := ZMM()
	TESTQ(kb, kb)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	for v := range idx {
		msk := full
		if w%16 != 0 && v == len(idx)-1 {
			msk = part
		}
		KMOVW(msk, k) // the gather clears its mask
		VXORPS(x, x, x)
		VGATHERDPS(Mem{Base: src, Index: idx[v], Scale: 4}, k, x)
		if msk == part {
			VMOVUPS(x, part, Mem{Base: dst, Disp: 64 * v})
		} else {
			VMOVUPS(x, Mem{Base: dst, Disp: 64 * v})
		}
	}
	ADDQ(U8(4), src)
	ADDQ(U8(4*w), dst)
	DECQ(kb)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// packCopyAVX2 is packCopy for AVX2 (w = 6 or 16), partial rows through
// VMASKMOVPS with the first w lanes of lanes (a table of 8 ones then 8
// zeros).
func packCopyAVX2(w int, lanes Mem) {
	name := fmt.Sprintf("packcopy_avx2_%d", w)
	TEXT(name, NOSPLIT, "func(kb int, src *float32, ld int, dst *float32)")
	Doc(fmt.Sprintf("%s copies kb rows of %d floats, ld apart in src, to consecutive rows of dst.", name, w))
	kb, src, ld, dst := Load(Param("kb"), GP64()), Load(Param("src"), GP64()), Load(Param("ld"), GP64()), Load(Param("dst"), GP64())
	SHLQ(U8(2), ld)
	x, y, mask := YMM(), YMM(), YMM()
	if w < 8 {
		VMOVDQU(lanes.Offset(4*(8-w)), mask)
	}
	TESTQ(kb, kb)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	if w == 16 {
		VMOVUPS(Mem{Base: src}, x)
		VMOVUPS(Mem{Base: src, Disp: 32}, y)
		VMOVUPS(x, Mem{Base: dst})
		VMOVUPS(y, Mem{Base: dst, Disp: 32})
	} else {
		VMASKMOVPS(Mem{Base: src}, mask, x)
		VMASKMOVPS(x, mask, Mem{Base: dst})
	}
	ADDQ(ld, src)
	ADDQ(U8(4*w), dst)
	DECQ(kb)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// packGatherAVX2 is packGather for AVX2 (w = 6 or 16).
func packGatherAVX2(w int, iota, lanes Mem) {
	name := fmt.Sprintf("packgather_avx2_%d", w)
	TEXT(name, NOSPLIT, "func(kb int, src *float32, ld int, dst *float32)")
	Doc(fmt.Sprintf("%s transposes a %d×kb block (rows ld apart in src) into kb rows of %d floats.", name, w, w))
	kb, src, dst := Load(Param("kb"), GP64()), Load(Param("src"), GP64()), Load(Param("dst"), GP64())
	ld := GP64()
	Load(Param("ld"), ld)
	ldv := YMM()
	MOVQ(ld, ldv.AsX())
	VPBROADCASTD(ldv.AsX(), ldv)
	idx := []reg.VecVirtual{YMM()}
	VPMULLD(iota, ldv, idx[0])
	if w > 8 {
		t := YMM()
		VPSLLD(U8(3), ldv, t)
		idx = append(idx, YMM())
		VPADDD(t, idx[0], idx[1])
	}
	mask, m, x := YMM(), YMM(), YMM()
	if w < 8 {
		VMOVDQU(lanes.Offset(4*(8-w)), mask)
	} else {
		VPCMPEQD(mask, mask, mask)
	}
	TESTQ(kb, kb)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	for v := range idx {
		VMOVDQA(mask, m) // the gather clears its mask
		VXORPS(x, x, x)
		VGATHERDPS(m, Mem{Base: src, Index: idx[v], Scale: 4}, x)
		if w < 8 {
			VMASKMOVPS(x, mask, Mem{Base: dst})
		} else {
			VMOVUPS(x, Mem{Base: dst, Disp: 32 * v})
		}
	}
	ADDQ(U8(4), src)
	ADDQ(U8(4*w), dst)
	DECQ(kb)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// packGatherMasked emits packgather_masked(kb int, src *float32, ld int,
// dst *float32, gmask, smask uint32, dw int): for p < kb, lane i < 32 of
// step p is src[i*ld+p] where bit i of gmask is set and 0 elsewhere, and
// the lanes of smask are stored at dst + p*dw (AVX-512; requires
// 32·ld < 2³¹). It packs the partial panels that packgather_14 and
// packgather_32 cannot: A's last rows (gmask = smask = dw lanes) and Bᵀ's
// last columns (gmask the columns, smask all 32 lanes: zero padding).
func packGatherMasked(iota Mem) {
	name := "packgather_masked"
	TEXT(name, NOSPLIT, "func(kb int, src *float32, ld int, dst *float32, gmask, smask uint32, dw int)")
	Doc(name + " transposes up to 32 rows (ld apart in src; the rows of gmask) into kb steps dw floats apart, storing the lanes of smask.")
	kb, src, dst := Load(Param("kb"), GP64()), Load(Param("src"), GP64()), Load(Param("dst"), GP64())
	ld := GP64()
	Load(Param("ld"), ld)
	dw := Load(Param("dw"), GP64())
	SHLQ(U8(2), dw)
	ldv := ZMM()
	VPBROADCASTD(ld.As32(), ldv)
	idx0, idx1, t := ZMM(), ZMM(), ZMM()
	VPMULLD(iota, ldv, idx0)
	VPSLLD(U8(4), ldv, t)
	VPADDD(t, idx0, idx1)
	g0, g1, s0, s1, k := K(), K(), K(), K(), K()
	m := GP32()
	Load(Param("gmask"), m)
	KMOVW(m, g0)
	SHRL(U8(16), m)
	KMOVW(m, g1)
	Load(Param("smask"), m)
	KMOVW(m, s0)
	SHRL(U8(16), m)
	KMOVW(m, s1)
	x := ZMM()
	TESTQ(kb, kb)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	for v, gm := range []reg.Register{g0, g1} {
		sm := []reg.Register{s0, s1}[v]
		KMOVW(gm, k) // the gather clears its mask
		VXORPS(x, x, x)
		VGATHERDPS(Mem{Base: src, Index: []reg.VecVirtual{idx0, idx1}[v], Scale: 4}, k, x)
		VMOVUPS(x, sm, Mem{Base: dst, Disp: 64 * v})
	}
	ADDQ(U8(4), src)
	ADDQ(dw, dst)
	DECQ(kb)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
