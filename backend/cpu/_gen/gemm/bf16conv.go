package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The converters of the reduced-precision paths (meanings in the gemm
// package's precision_generic.go). Rounding to bfloat16 is done with
// integer arithmetic, bf16Bits' formula: VCVTNE(2)PS2BF16 would treat
// float32 denormals as zero (SDM: DAZ is implied), unlike bf16Bits, and
// this costs a few single-cycle integer operations in loops bound by
// memory anyway. Physical registers throughout (shift counts need CX).

// bf16Consts broadcasts the constants of roundBF16Vec into Z24–Z27.
func bf16Consts() {
	for _, kv := range []struct {
		v uint32
		z reg.VecPhysical
	}{{1, reg.Z24}, {0x7fff, reg.Z25}, {0xffff0000, reg.Z26}, {0x00400000, reg.Z27}} {
		MOVL(U32(kv.v), reg.EAX)
		VPBROADCASTD(reg.EAX, kv.z)
	}
}

// roundBF16Vec sets y to the 16 floats of x rounded to bfloat16 in their
// upper halves (lower halves: garbage): x + 0x7fff + bit 16 of x, or x
// with its quiet bit set where x is NaN (bf16Bits). Uses K3.
func roundBF16Vec(x, y reg.VecPhysical) {
	VPSRLD(U8(16), x, y)
	VPANDD(reg.Z24, y, y)
	VPADDD(x, y, y)
	VPADDD(reg.Z25, y, y)
	VCMPPS(U8(3), x, x, reg.K3) // unordered: NaN
	VPORD(reg.Z27, x, reg.K3, y)
}

// tailMask sets K1 to the low n bits (n < 32 in CX; clobbers AX).
func tailMask() {
	MOVL(U32(1), reg.EAX)
	SHLL(reg.CL, reg.EAX)
	DECL(reg.EAX)
	KMOVW(reg.EAX, reg.K1)
}

// pairPack emits pairpack_avx512(kb int, src *float32, w int, dst
// *float32), pairConvertGeneric: ⌈kb/2⌉ rows of w (1..32) words, word i
// of row q holding bfloat16(src[2q·w+i]) | bfloat16(src[(2q+1)·w+i])<<16
// (high half 0 past kb). Loads and stores are masked to w columns.
func pairPack() {
	name := "pairpack_avx512"
	TEXT(name, NOSPLIT, "func(kb int, src *float32, w int, dst *float32)")
	Doc(name + " converts kb rows of w ≤ 32 floats into ⌈kb/2⌉ rows of bfloat16 pairs; see pairConvertGeneric.")
	kb, src, w, dst := reg.R8, reg.RSI, reg.RDX, reg.RDI
	Load(Param("w"), reg.RCX)
	MOVQ(U32(1), reg.RAX)
	SHLQ(reg.CL, reg.RAX)
	DECQ(reg.RAX) // w ones (w = 32 included: 64-bit shift)
	KMOVW(reg.EAX, reg.K1)
	SHRQ(U8(16), reg.RAX)
	KMOVW(reg.EAX, reg.K2)
	Load(Param("kb"), kb)
	Load(Param("src"), src)
	Load(Param("dst"), dst)
	Load(Param("w"), w)
	SHLQ(U8(2), w)
	bf16Consts()
	km := []reg.Physical{reg.K1, reg.K2}

	Label(name + "_loop")
	CMPQ(kb, U8(2))
	JL(LabelRef(name + "_tail"))
	for v := 0; v < 2; v++ {
		lo, hi, rlo, rhi := zmm(v), zmm(2+v), zmm(4+v), zmm(6+v)
		VMOVUPS_Z(Mem{Base: src, Disp: 64 * v}, km[v], lo)
		VMOVUPS_Z(Mem{Base: src, Index: w, Scale: 1, Disp: 64 * v}, km[v], hi)
		roundBF16Vec(lo, rlo)
		roundBF16Vec(hi, rhi)
		VPSRLD(U8(16), rlo, rlo)
		VPANDD(reg.Z26, rhi, rhi)
		VPORD(rhi, rlo, rlo)
		VMOVUPS(rlo, km[v], Mem{Base: dst, Disp: 64 * v})
	}
	LEAQ(Mem{Base: src, Index: w, Scale: 2}, src)
	ADDQ(w, dst)
	SUBQ(U8(2), kb)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_tail")
	TESTQ(kb, kb)
	JE(LabelRef(name + "_done"))
	for v := 0; v < 2; v++ { // odd kb: the last row alone, high halves 0
		lo, rlo := zmm(v), zmm(4+v)
		VMOVUPS_Z(Mem{Base: src, Disp: 64 * v}, km[v], lo)
		roundBF16Vec(lo, rlo)
		VPSRLD(U8(16), rlo, rlo)
		VMOVUPS(rlo, km[v], Mem{Base: dst, Disp: 64 * v})
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// roundInPlace emits name(x *float32, n int): each of the n floats at x
// replaced by f(in, out) of it, 16 per step, the last n mod 16 under a
// mask (K1). f may use Z1–Z7, K3 and the bf16Consts registers.
func roundInPlace(name, doc string, consts func(), f func(in, out reg.VecPhysical)) {
	TEXT(name, NOSPLIT, "func(x *float32, n int)")
	Doc(doc)
	x, n := reg.RSI, reg.RDX
	Load(Param("x"), x)
	Load(Param("n"), n)
	if consts != nil {
		consts()
	}
	Label(name + "_loop")
	CMPQ(n, U8(16))
	JL(LabelRef(name + "_tail"))
	VMOVUPS(Mem{Base: x}, reg.Z0)
	f(reg.Z0, reg.Z4)
	VMOVUPS(reg.Z4, Mem{Base: x})
	ADDQ(U8(64), x)
	SUBQ(U8(16), n)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_tail")
	TESTQ(n, n)
	JE(LabelRef(name + "_done"))
	MOVQ(n, reg.RCX)
	tailMask()
	VMOVUPS_Z(Mem{Base: x}, reg.K1, reg.Z0)
	f(reg.Z0, reg.Z4)
	VMOVUPS(reg.Z4, reg.K1, Mem{Base: x})
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// roundFP16AVX2 emits roundfp16_avx2(x *float32, n int) with F16C: 8
// floats per step, then one at a time.
func roundFP16AVX2() {
	name := "roundfp16_avx2"
	TEXT(name, NOSPLIT, "func(x *float32, n int)")
	Doc(name + " rounds n floats in place to half precision (F16C, ties to even); see roundFP16Generic.")
	x, n := reg.RSI, reg.RDX
	Load(Param("x"), x)
	Load(Param("n"), n)
	Label(name + "_loop")
	CMPQ(n, U8(8))
	JL(LabelRef(name + "_tail"))
	VMOVUPS(Mem{Base: x}, reg.Y0)
	VCVTPS2PH(U8(0), reg.Y0, reg.X1)
	VCVTPH2PS(reg.X1, reg.Y0)
	VMOVUPS(reg.Y0, Mem{Base: x})
	ADDQ(U8(32), x)
	SUBQ(U8(8), n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_tail")
	TESTQ(n, n)
	JE(LabelRef(name + "_done"))
	VMOVSS(Mem{Base: x}, reg.X0)
	VCVTPS2PH(U8(0), reg.X0, reg.X1)
	VCVTPH2PS(reg.X1, reg.X0)
	VMOVSS(reg.X0, Mem{Base: x})
	ADDQ(U8(4), x)
	DECQ(n)
	JMP(LabelRef(name + "_tail"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// precisionConverters emits the converters and rounders.
func precisionConverters() {
	pairPack()
	roundInPlace("roundbf16_avx512",
		"roundbf16_avx512 rounds n floats in place to bfloat16 (ties to even); see roundBF16Generic.",
		bf16Consts, func(in, out reg.VecPhysical) {
			roundBF16Vec(in, out)
			VPANDD(reg.Z26, out, out)
		})
	roundInPlace("roundfp16_avx512",
		"roundfp16_avx512 rounds n floats in place to half precision (ties to even, ±Inf beyond); see roundFP16Generic.",
		nil, func(in, out reg.VecPhysical) {
			VCVTPS2PH(U8(0), in, reg.Y1) // imm 0: round to nearest even, not MXCSR
			VCVTPH2PS(reg.Y1, out)
		})
	roundFP16AVX2()
}
