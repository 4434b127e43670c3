// Command dwconv generates the AVX2 and AVX-512 tap loops of the
// depthwise convolution in package backend/cpu, and the AVX-512 routines
// for 3×3 windows (depthwise conv and max pool) described in plane.go.
// The tap loops' meaning is the
// pure-Go dwTapsGo in backend/cpu/conv_depthwise_taps.go:
//
//	out[o] = bias + Σ_t w[t]·src[offs[t]+o]   for 0 ≤ o < n
//
// Each block of 8 vectors of outputs keeps its sums in registers for all
// taps (one broadcast weight and one load+FMA per vector and tap), so the
// output is written once instead of once per tap; what is left after the
// blocks goes in blocks of 4, 2 and 1 vectors. The caller guarantees n
// is a multiple of dwBlock and that src has room for the reads, so there
// is no masked tail.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// dwBlock is the multiple of n the routines require: a whole number of
// vectors at both levels (one ZMM, two YMM). It equals dwTapsBlock in
// backend/cpu.
const dwBlock = 16

func main() {
	ConstraintExpr("amd64,!noasm,gc")
	gen("dwTapsAVX2", 8, YMM)
	gen("dwTapsAVX512", 16, ZMM)
	genSplit2()
	genPlaneConsts()
	for _, op := range []string{"dw", "max"} {
		for s := 1; s <= 2; s++ {
			for pw := 0; pw <= 1; pw++ {
				genPlane(fmt.Sprintf("%sPlanes3S%dP%dAVX512", op, s, pw), s, pw, op == "max", 16)
				genPlane(fmt.Sprintf("%sPlanes3S%dP%dAVX512Y", op, s, pw), s, pw, op == "max", 8)
			}
		}
	}
	Generate()
}

// gen emits one routine for vectors of lanes float32s; accumulators are
// 8 vectors (enough independent FMA chains to hide their latency), and a
// block of 128 outputs is 128/(8·lanes) register blocks.
func gen(name string, lanes int, vreg func() VecVirtual) {
	TEXT(name, NOSPLIT, "func(out *float32, n int, src *float32, offs *int, w *float32, ntaps int, bias float32)")
	Doc(name+" sets out[o] = bias + Σ_t w[t]·src[offs[t]+o] for o < n.",
		fmt.Sprintf("n must be a multiple of %d and ntaps ≥ 1.", dwBlock))
	out := Load(Param("out"), GP64())
	n := Load(Param("n"), GP64())
	src := Load(Param("src"), GP64())
	offs := Load(Param("offs"), GP64())
	w := Load(Param("w"), GP64())
	ntaps := Load(Param("ntaps"), GP64())
	bx := XMM()
	Load(Param("bias"), bx)
	bias := vreg()
	VBROADCASTSS(bx, bias)

	// Blocks of 8, 4, 2 and then 1 vectors: each tap's FMA into one
	// accumulator waits for the previous tap's, so a block needs several
	// independent accumulators to keep the FMA units busy.
	for _, accs := range []int{8, 4, 2, 1} {
		tapBlock(name, lanes, accs, vreg, out, n, src, offs, w, ntaps, bias)
	}
	VZEROUPPER()
	RET()
}

// tapBlock emits the loop over blocks of accs vectors: while n ≥
// accs·lanes, sum all taps into accs registers and store them.
func tapBlock(name string, lanes, accs int, vreg func() VecVirtual, out, n, src, offs, w, ntaps Register, bias VecVirtual) {
	step := accs * lanes
	loop, next := fmt.Sprintf("%s_block%d", name, accs), fmt.Sprintf("%s_tap%d", name, accs)
	end := fmt.Sprintf("%s_end%d", name, accs)
	Label(loop)
	CMPQ(n, U32(step))
	JL(LabelRef(end))
	acc := make([]VecVirtual, accs)
	for i := range acc {
		acc[i] = vreg()
		VMOVAPS(bias, acc[i])
	}
	t := GP64()
	XORQ(t, t)
	Label(next)
	wv := vreg()
	VBROADCASTSS(Mem{Base: w, Index: t, Scale: 4}, wv)
	off := GP64()
	MOVQ(Mem{Base: offs, Index: t, Scale: 8}, off)
	p := GP64()
	LEAQ(Mem{Base: src, Index: off, Scale: 4}, p)
	for i := range acc {
		VFMADD231PS(Mem{Base: p, Disp: i * lanes * 4}, wv, acc[i])
	}
	INCQ(t)
	CMPQ(t, ntaps)
	JL(LabelRef(next))
	for i := range acc {
		VMOVUPS(acc[i], Mem{Base: out, Disp: i * lanes * 4})
	}
	ADDQ(U32(step*4), out)
	ADDQ(U32(step*4), src)
	SUBQ(U32(step), n)
	JMP(LabelRef(loop))
	Label(end)
}

// genSplit2 emits the stride-2 phase split: 16 floats per step are
// shuffled within 128-bit lanes (VSHUFPS) and the 64-bit pairs put in
// order (VPERMPD). AVX2 only: it also serves the AVX-512 level, where a
// YMM loop is not the bottleneck.
func genSplit2() {
	TEXT("dwSplit2AVX2", NOSPLIT, "func(even, odd, src *float32, n int)")
	Doc("dwSplit2AVX2 sets even[i] = src[2i] and odd[i] = src[2i+1] for 2i < n;",
		"n must be a multiple of 16.")
	even := Load(Param("even"), GP64())
	odd := Load(Param("odd"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	Label("split2_loop")
	CMPQ(n, Imm(0))
	JLE(LabelRef("split2_done"))
	a, b := YMM(), YMM()
	VMOVUPS(Mem{Base: src}, a)
	VMOVUPS(Mem{Base: src, Disp: 32}, b)
	e, o := YMM(), YMM()
	VSHUFPS(U8(0x88), b, a, e) // a0 a2 b0 b2 | a4 a6 b4 b6
	VSHUFPS(U8(0xDD), b, a, o) // a1 a3 b1 b3 | a5 a7 b5 b7
	VPERMPD(U8(0xD8), e, e)    // a0 a2 a4 a6 b0 b2 b4 b6
	VPERMPD(U8(0xD8), o, o)
	VMOVUPS(e, Mem{Base: even})
	VMOVUPS(o, Mem{Base: odd})
	ADDQ(U32(64), src)
	ADDQ(U32(32), even)
	ADDQ(U32(32), odd)
	SUBQ(U32(16), n)
	JMP(LabelRef("split2_loop"))
	Label("split2_done")
	VZEROUPPER()
	RET()
}
