package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// packSegments emits packsegs(rows int, src *float32, plane int, segs
// *int32, taps, nseg, t0 int, dst *float32, w int), the AVX-512 form of
// packSegmentsGeneric in the gemm package: row r of dst (w ≤ 32 floats,
// stored under a lane mask) is
// tap t = (t0+r) mod taps of plane q = (t0+r)/taps, lane l taken from
// src[q·plane + Off + l] for the segment of tap t whose Mask has bit l,
// 0 where no segment has it. A Segment is {Off int32; Mask uint32}; a
// tap's nseg segments are consecutive in segs. Masked-off lanes are not
// read (AVX-512 masked loads do not fault), so Off may point before src.
func packSegments() {
	const name = "packsegs"
	TEXT(name, NOSPLIT, "func(rows int, src *float32, plane int, segs *int32, taps, nseg, t0 int, dst *float32, w int)")
	Doc(name + " packs rows of 32 lanes gathered by segment tables; see packSegmentsGeneric.")
	rows, src, plane := Load(Param("rows"), GP64()), Load(Param("src"), GP64()), Load(Param("plane"), GP64())
	seg0, taps, nseg := Load(Param("segs"), GP64()), Load(Param("taps"), GP64()), Load(Param("nseg"), GP64())
	t, dst := Load(Param("t0"), GP64()), Load(Param("dst"), GP64())
	SHLQ(U8(2), plane)
	// Store masks: lanes [0, min(w, 16)) and [16, w); dst advances 4·w.
	w := Load(Param("w"), GP64())
	slo, shi := K(), K()
	{
		one, sm := GP64(), GP64()
		MOVQ(U32(1), one)
		MOVQ(w, reg.RCX)
		SHLQ(reg.CL, one)
		DECQ(one)
		MOVQ(one, sm)
		KMOVW(sm.As32(), slo)
		SHRQ(U8(16), sm)
		KMOVW(sm.As32(), shi)
		SHLQ(U8(2), w)
	}
	stride := GP64() // bytes of one tap's segments
	MOVQ(nseg, stride)
	SHLQ(U8(3), stride)
	cur := GP64()
	MOVQ(t, cur)
	IMULQ(stride, cur)
	ADDQ(seg0, cur)
	x, y := ZMM(), ZMM()
	lo, hi := K(), K()
	s, n, m, off := GP64(), GP64(), GP32(), GP64()
	TESTQ(rows, rows)
	JE(LabelRef(name + "_done"))
	CMPQ(nseg, U8(1))
	JE(LabelRef(name + "_one"))

	Label(name + "_row")
	VXORPS(x, x, x)
	VXORPS(y, y, y)
	MOVQ(cur, s)
	MOVQ(nseg, n)
	Label(name + "_seg")
	MOVL(Mem{Base: s, Disp: 4}, m)
	TESTL(m, m)
	JE(LabelRef(name + "_next"))
	MOVLQSX(Mem{Base: s}, off)
	KMOVW(m, lo)
	SHRL(U8(16), m)
	KMOVW(m, hi)
	VMOVUPS(Mem{Base: src, Index: off, Scale: 4}, lo, x)
	VMOVUPS(Mem{Base: src, Index: off, Scale: 4, Disp: 64}, hi, y)
	Label(name + "_next")
	ADDQ(U8(8), s)
	DECQ(n)
	JNE(LabelRef(name + "_seg"))
	VMOVUPS(x, slo, Mem{Base: dst})
	VMOVUPS(y, shi, Mem{Base: dst, Disp: 64})
	ADDQ(w, dst)
	ADDQ(stride, cur)
	INCQ(t)
	CMPQ(t, taps)
	JL(LabelRef(name + "_more"))
	XORQ(t, t)
	MOVQ(seg0, cur)
	ADDQ(plane, src)
	Label(name + "_more")
	DECQ(rows)
	JNE(LabelRef(name + "_row"))

	JMP(LabelRef(name + "_done"))

	// One segment per tap (stride-1 convs whose input and output rows
	// have equal width, 1×1 convs): zeroing masked loads, no segment loop.
	Label(name + "_one")
	MOVL(Mem{Base: cur, Disp: 4}, m)
	MOVLQSX(Mem{Base: cur}, off)
	KMOVW(m, lo)
	SHRL(U8(16), m)
	KMOVW(m, hi)
	VMOVUPS_Z(Mem{Base: src, Index: off, Scale: 4}, lo, x)
	VMOVUPS_Z(Mem{Base: src, Index: off, Scale: 4, Disp: 64}, hi, y)
	VMOVUPS(x, slo, Mem{Base: dst})
	VMOVUPS(y, shi, Mem{Base: dst, Disp: 64})
	ADDQ(w, dst)
	ADDQ(U8(8), cur)
	INCQ(t)
	CMPQ(t, taps)
	JL(LabelRef(name + "_onemore"))
	XORQ(t, t)
	MOVQ(seg0, cur)
	ADDQ(plane, src)
	Label(name + "_onemore")
	DECQ(rows)
	JNE(LabelRef(name + "_one"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}
