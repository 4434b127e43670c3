package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// kernelBF16 emits kernbf16_avx512_<mr>, the mr×32 bfloat16-pair
// micro-kernel with the signature of the float32 ones and the meaning of
// kernelPairsGeneric in the gemm package: k pair steps, each of mr words
// of A and 32 words of B (bstride words apart), each word two bfloat16
// (step 2q in the low half, 2q+1 in the high half); VDPBF16PS adds both
// products of a word pair to a float32 accumulator. Columns are limited by
// mask as in the float32 masked kernels.
//
// Registers are physical (VDPBF16PS is raw bytes): accumulators Z0–Z27
// (2 per row and set), B in Z28–Z29, the A word a {1to16} broadcast
// memory operand of VDPBF16PS; alpha, beta and a temporary in Z28–Z31 for
// the store. K1, K2: the column masks of the two halves.
//
// With ep it emits kernbf16epc_avx512_<mr> instead, which stores with the
// epilogue of storeEp (a bias per column): see storeEpBF16.
func kernelBF16(mr int, ep ...bool) {
	withEp := len(ep) > 0 && ep[0]
	name := fmt.Sprintf("kernbf16_avx512_%d", mr)
	if withEp {
		name = fmt.Sprintf("kernbf16epc_avx512_%d", mr)
		TEXT(name, NOSPLIT, "func(k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, mask uint32, bias *float32, lo, hi float32, res *float32, ldr int)")
		Doc(fmt.Sprintf("%s is kernbf16_avx512_%d storing with the epilogue of storeEp in the generator, bias per column.", name, mr))
	} else {
		TEXT(name, NOSPLIT, "func(k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, mask uint32)")
		Doc(fmt.Sprintf("%s is the %d×32 bfloat16-pair micro-kernel (AVX512_BF16, columns limited by mask); see kernelPairsGeneric.", name, mr))
	}
	var (
		k, a, b, bs, b2 = reg.R8, reg.RSI, reg.RDI, reg.RDX, reg.R9
		c, ldc, m       = reg.R10, reg.R11, reg.RAX
		km              = []reg.Physical{reg.K1, reg.K2}
		bv              = []reg.VecPhysical{reg.Z28, reg.Z29}
	)
	Load(Param("mask"), m.As32())
	KMOVW(m.As32(), km[0])
	SHRL(U8(16), m.As32())
	KMOVW(m.As32(), km[1])
	Load(Param("k"), k)
	Load(Param("a"), a)
	Load(Param("b"), b)
	Load(Param("bstride"), bs)
	SHLQ(U8(2), bs)
	LEAQ(Mem{Base: b, Index: bs, Scale: 2}, b2)

	// Fetch the C tile while the product is computed (as kernel does).
	Load(Param("c"), c)
	Load(Param("ldc"), ldc)
	SHLQ(U8(2), ldc)
	for i := 0; i < mr; i++ {
		PREFETCHT0(Mem{Base: c})
		PREFETCHT0(Mem{Base: c, Disp: 127})
		if i+1 < mr {
			ADDQ(ldc, c)
		}
	}

	// One accumulator set, unlike kernel's short tiles: alternate sets
	// summed at the end would change the order of the additions, and these
	// kernels are bitwise equal to kernelPairsGeneric. The cost is at
	// r ≤ 2 (2 or 4 chains of VDPBF16PS, latency ~6 cycles on Zen 4): r = 1
	// runs at ~85–95 GFLOP/s instead of ~137 with 4 sets, r = 2 at ~160
	// instead of ~207; r ≥ 3 reaches the ~228 peak either way.
	const sets = 1
	acc := func(q, i, v int) reg.VecPhysical {
		return zmm(2*(q*mr+i) + v)
	}
	for q := 0; q < sets; q++ {
		for i := 0; i < mr; i++ {
			for v := 0; v < 2; v++ {
				x := acc(q, i, v)
				VPXORD(x, x, x)
			}
		}
	}
	step := func(q, aoff int, brow Mem, maskB bool) {
		for v := range bv {
			if maskB {
				VMOVUPS_Z(brow.Offset(64*v), km[v], bv[v])
			} else {
				VMOVUPS(brow.Offset(64*v), bv[v])
			}
		}
		for i := 0; i < mr; i++ {
			for v := range bv {
				rawEVEX(opVDPBF16PS, acc(q, i, v), bv[v], memRM(gpr(a), int32(aoff+4*i), true), nil)
			}
		}
	}
	loop := func(l string, maskB bool) { unrolledLoop(name, l, mr, sets, k, a, b, b2, bs, maskB, step, nil) }
	Load(Param("mask"), m.As32())
	CMPL(m.As32(), U32(0xffffffff))
	JNE(LabelRef(name + "_m_loop4"))
	loop(name, false)
	loop(name+"_m", true)

	Label(name + "_sum")
	for q := 1; q < sets; q++ {
		for i := 0; i < mr; i++ {
			for v := 0; v < 2; v++ {
				VADDPS(acc(q, i, v), acc(0, i, v), acc(0, i, v))
			}
		}
	}
	if withEp {
		storeEpBF16(name, mr, acc, km)
		return
	}
	storeBF16(name, mr, acc, km)
}

// storeEpBF16 is storeEp with a bias per column for the physical
// registers of kernelBF16: C = min(max(acc (+ C when beta ≠ 0) + bias[j]
// (+ res[i·ldr+j] when res is not nil), lo), hi), alpha 1 and beta 0 or 1.
// lo and hi live in Z30 and Z31, a temporary in Z28.
func storeEpBF16(name string, mr int, acc func(q, i, v int) reg.VecPhysical, km []reg.Physical) {
	c, ldc, bias, res, ldr, t := reg.R10, reg.R11, reg.RAX, reg.RBX, reg.RCX, reg.R12
	lo, hi, tmp := reg.Z30, reg.Z31, reg.Z28
	Load(Param("c"), c)
	Load(Param("ldc"), ldc)
	SHLQ(U8(2), ldc)
	Load(Param("bias"), bias)
	Load(Param("res"), res)
	Load(Param("ldr"), ldr)
	SHLQ(U8(2), ldr)
	VBROADCASTSS(paramAddr("lo"), lo)
	VBROADCASTSS(paramAddr("hi"), hi)
	MOVL(paramAddr("beta"), t.As32())
	SHLL(U8(1), t.As32()) // drop the sign: ±0 skip C
	JNE(LabelRef(name + "_epaccum"))
	ks := []reg.Register{km[0], km[1]}
	epStores(name, epTile{rows: mr, nv: 2, vb: 64, acc: func(i, v int) reg.Register { return acc(0, i, v) }, km: ks,
		c: c, ldc: ldc, bias: bias, res: res, ldr: ldr, lo: lo, hi: hi, t: tmp, colBias: true})
}

// storeBF16 writes the tile: C = alpha·acc, or alpha·acc + beta·C when
// beta ≠ 0 (C not read when beta = ±0). Both products are rounded before
// the sum, as the Go reference computes it (no FMA).
func storeBF16(name string, mr int, acc func(q, i, v int) reg.VecPhysical, km []reg.Physical) {
	c, ldc, t := reg.R10, reg.R11, reg.RBX
	alpha, beta, tmp := reg.Z30, reg.Z31, reg.Z28
	Load(Param("c"), c)
	Load(Param("ldc"), ldc)
	SHLQ(U8(2), ldc)
	VBROADCASTSS(paramAddr("alpha"), alpha)
	VBROADCASTSS(paramAddr("beta"), beta)
	MOVL(paramAddr("beta"), t.As32())
	SHLL(U8(1), t.As32()) // drop the sign: ±0 skip C; NaN does not
	JNE(LabelRef(name + "_accum"))
	for i := 0; i < mr; i++ {
		for v := 0; v < 2; v++ {
			x := acc(0, i, v)
			VMULPS(alpha, x, x)
			VMOVUPS(x, km[v], Mem{Base: c, Disp: 64 * v})
		}
		if i+1 < mr {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()

	Label(name + "_accum")
	for i := 0; i < mr; i++ {
		for v := 0; v < 2; v++ {
			x := acc(0, i, v)
			VMOVUPS_Z(Mem{Base: c, Disp: 64 * v}, km[v], tmp)
			VMULPS(tmp, beta, tmp)
			VMULPS(alpha, x, x)
			VADDPS(tmp, x, x)
			VMOVUPS(x, km[v], Mem{Base: c, Disp: 64 * v})
		}
		if i+1 < mr {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// zmm is the physical register Zn.
func zmm(n int) reg.VecPhysical {
	return []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
		reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15,
		reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23,
		reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31}[n]
}
