package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// kernel emits an mr × (nv·lanes) tile kernel, k unrolled by 4. A masked
// kernel reads B and reads and writes C only in the columns whose bit is
// set in mask (bit j: column j; the set bits must be a prefix); the others
// ignore mask. With ep (masked kernels only), the kernel takes three more
// parameters and stores with an epilogue instead (storeEp).
func kernel(s isa, name string, mr, nv int, masked bool, ep ...bool) {
	emitKernel(s, name, mr, nv, kernelForm{masked: masked, ep: len(ep) > 0 && ep[0]})
}

// rowKernel emits kernrow_<isa>_<mr>: the masked kernel with A read in
// place from mr rows lda elements apart (element (i, p) at a[i*lda+p])
// instead of packed, so that a product too small to amortize packing A
// skips it.
func rowKernel(s isa, mr int) {
	emitKernel(s, fmt.Sprintf("kernrow_%s_%d", s.name, mr), mr, s.nv, kernelForm{masked: true, rowsA: true})
}

// colBiasKernels emits kernepc_<isa>_<mr> and kernrowepc_<isa>_<mr>: the
// epilogue kernels with a bias per column (a Linear layer's) rather than
// per row, A packed or in place.
func colBiasKernels(s isa, mr int) {
	emitKernel(s, fmt.Sprintf("kernepc_%s_%d", s.name, mr), mr, s.nv, kernelForm{masked: true, ep: true, colBias: true})
	emitKernel(s, fmt.Sprintf("kernrowepc_%s_%d", s.name, mr), mr, s.nv, kernelForm{masked: true, ep: true, colBias: true, rowsA: true})
}

// kernelForm selects a kernel variant: masked columns, an epilogue in the
// store (with its bias per column rather than per row), A in place.
type kernelForm struct {
	masked, ep, colBias, rowsA bool
}

func emitKernel(s isa, name string, mr, nv int, f kernelForm) {
	masked, withEp, rowsA := f.masked, f.ep, f.rowsA
	aParams := "a, b *float32"
	if rowsA {
		aParams = "a *float32, lda int, b *float32"
	}
	bias := "per row"
	if f.colBias {
		bias = "per column"
	}
	inPlace := ""
	if rowsA {
		inPlace = fmt.Sprintf(" reading A as %d rows lda apart", mr)
	}
	switch {
	case withEp:
		TEXT(name, NOSPLIT, "func(k int, "+aParams+", bstride int, c *float32, ldc int, alpha, beta float32, mask uint32, bias *float32, lo, hi float32, res *float32, ldr int)")
		Doc(fmt.Sprintf("%s is the %d×%d micro-kernel for %s (columns limited by mask)%s with the epilogue of storeEp in the generator, bias %s.", name, mr, nv*s.lanes, s.name, inPlace, bias))
	case rowsA:
		TEXT(name, NOSPLIT, "func(k int, "+aParams+", bstride int, c *float32, ldc int, alpha, beta float32, mask uint32)")
		Doc(fmt.Sprintf("%s is the %d×%d micro-kernel for %s (columns limited by mask)%s; see kernelGeneric.", name, mr, nv*s.lanes, s.name, inPlace))
	default:
		TEXT(name, NOSPLIT, "func(k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, mask uint32)")
		what := "ignores mask"
		if masked {
			what = "columns limited by mask"
		}
		Doc(fmt.Sprintf("%s is the %d×%d micro-kernel for %s (%s); see kernelGeneric.", name, mr, nv*s.lanes, s.name, what))
	}
	var km []reg.OpmaskVirtual
	if masked {
		m := Load(Param("mask"), GP32())
		for v := 0; v < nv; v++ {
			km = append(km, K())
			KMOVW(m, km[v])
			if v+1 < nv {
				SHRL(U8(16), m)
			}
		}
	}
	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	// aAddr is the address of A's row i at step u of the unrolled block;
	// advA moves A on by n steps. Rows in place are reached from a base
	// every third row (a + 3j·lda) plus lda or 2·lda.
	aAddr := func(i, u int) Mem { return Mem{Base: a, Disp: 4 * (u*mr + i)} }
	var advA func(n int)
	if rowsA {
		lda := Load(Param("lda"), GP64())
		SHLQ(U8(2), lda)
		bases := []reg.Register{a}
		for j := 3; j < mr; j += 3 {
			r := GP64()
			LEAQ(Mem{Base: bases[len(bases)-1], Index: lda, Scale: 2}, r)
			ADDQ(lda, r)
			bases = append(bases, r)
		}
		aAddr = func(i, u int) Mem {
			m := Mem{Base: bases[i/3], Disp: 4 * u}
			if i%3 > 0 {
				m.Index, m.Scale = lda, uint8(i%3)
			}
			return m
		}
		advA = func(n int) {
			for _, r := range bases {
				ADDQ(U8(4*n), r)
			}
		}
	}
	b := Load(Param("b"), GP64())
	bs := Load(Param("bstride"), GP64())
	SHLQ(U8(2), bs)
	b2 := GP64()
	LEAQ(Mem{Base: b, Index: bs, Scale: 2}, b2)

	// Fetch the C tile while the product is computed: its rows are often
	// a power-of-two stride apart, which the cache handles worst.
	{
		c := Load(Param("c"), GP64())
		ldc := Load(Param("ldc"), GP64())
		SHLQ(U8(2), ldc)
		for i := 0; i < mr; i++ {
			PREFETCHT0(Mem{Base: c})
			PREFETCHT0(Mem{Base: c, Disp: nv*s.lanes*4 - 1})
			if i+1 < mr {
				ADDQ(ldc, c)
			}
		}
	}

	// Short tiles have too few accumulators to cover FMA latency, so they
	// keep several sets, used by alternate k steps and summed at the end.
	sets := max(1, 8/(mr*nv))
	acc := make([][][]reg.VecVirtual, sets)
	for q := range acc {
		acc[q] = make([][]reg.VecVirtual, mr)
		for i := range acc[q] {
			acc[q][i] = make([]reg.VecVirtual, nv)
			for v := range acc[q][i] {
				acc[q][i][v] = s.vec()
				VXORPS(acc[q][i][v], acc[q][i][v], acc[q][i][v])
			}
		}
	}
	bv := make([]reg.VecVirtual, nv)
	for v := range bv {
		bv[v] = s.vec()
	}
	bc := s.vec()
	vb := s.lanes * 4 // bytes per vector
	// step emits one k step; maskB loads B under the column mask (needed
	// only when the tile is partial: masked loads cost ~2.5% here).
	step := func(q, aoff int, brow Mem, maskB bool) {
		u := aoff / (4 * mr)
		if mr == 1 && !maskB {
			// Each B vector is used once: fold its load into the FMA.
			VBROADCASTSS(aAddr(0, u), bc)
			for v := range bv {
				VFMADD231PS(brow.Offset(v*vb), bc, acc[q][0][v])
			}
			return
		}
		for v := range bv {
			if maskB {
				VMOVUPS_Z(brow.Offset(v*vb), km[v], bv[v])
			} else {
				VMOVUPS(brow.Offset(v*vb), bv[v])
			}
		}
		for i := 0; i < mr; i++ {
			VBROADCASTSS(aAddr(i, u), bc)
			for v := range bv {
				VFMADD231PS(bv[v], bc, acc[q][i][v])
			}
		}
	}
	loop := func(l string, maskB bool) { unrolledLoop(name, l, mr, sets, k, a, b, b2, bs, maskB, step, advA) }
	if masked {
		full := GP32()
		Load(Param("mask"), full)
		CMPL(full, U32(0xffffffff))
		JNE(LabelRef(name + "_m_loop4"))
	}
	loop(name, false)
	if masked {
		loop(name+"_m", true)
	}

	Label(name + "_sum")
	for q := 1; q < sets; q++ {
		for i := range acc[0] {
			for v := range acc[0][i] {
				VADDPS(acc[q][i][v], acc[0][i][v], acc[0][i][v])
			}
		}
	}
	if withEp {
		storeEp(s, name, acc[0], km, f.colBias)
		return
	}
	store(s, name, acc[0], bv[0], km)
}

// storeEp writes the accumulated tile with an epilogue: C = min(max(acc
// (+ C when beta ≠ 0) + bias[i] (+ res[i·ldr+j] when res is not nil),
// lo), hi), row i's bias broadcast over the row (alpha must be 1, beta 0
// or 1); with colBias, bias[j] of each column instead, read under the
// column mask. Operands are ordered so that a NaN sum stays NaN through
// the max and min.
func storeEp(s isa, name string, acc [][]reg.VecVirtual, km []reg.OpmaskVirtual, colBias bool) {
	nv := len(acc[0])
	vb := s.lanes * 4
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	bias := Load(Param("bias"), GP64())
	res := Load(Param("res"), GP64())
	ldr := Load(Param("ldr"), GP64())
	SHLQ(U8(2), ldr)
	lo, hi, bt, t := s.vec(), s.vec(), s.vec(), s.vec()
	VBROADCASTSS(paramAddr("lo"), lo)
	VBROADCASTSS(paramAddr("hi"), hi)
	zero := XMM()
	VXORPS(zero, zero, zero)
	VUCOMISS(paramAddr("beta"), zero)
	JNE(LabelRef(name + "_epaccum"))
	JP(LabelRef(name + "_epaccum"))
	ks := make([]reg.Register, len(km))
	for v := range km {
		ks[v] = km[v]
	}
	epStores(name, epTile{rows: len(acc), nv: nv, vb: vb, acc: func(i, v int) reg.Register { return acc[i][v] }, km: ks,
		c: c, ldc: ldc, bias: bias, res: res, ldr: ldr, lo: lo, hi: hi, bt: bt, t: t, colBias: colBias})
}

// epTile is what epStores needs of a kernel's store: the accumulators
// (rows × nv vectors of vb bytes), the column masks, the C, bias and
// residual pointers and strides (strides in bytes), the clamp bounds, a
// register for a broadcast row bias (unused with colBias) and a
// temporary. kernel uses virtual registers, kernelBF16 physical ones.
type epTile struct {
	rows, nv, vb           int
	acc                    func(i, v int) reg.Register
	km                     []reg.Register
	c, ldc, bias, res, ldr reg.Register
	lo, hi, bt, t          reg.Register
	colBias                bool
}

// epStores emits the four stores of storeEp after the test of beta has
// jumped to name+"_epaccum" for beta ≠ 0: C read or not, a residual or
// none, each ending in RET.
func epStores(name string, e epTile) {
	for _, acc2 := range []bool{false, true} {
		if acc2 {
			Label(name + "_epaccum")
		}
		TESTQ(e.res, e.res)
		JNE(LabelRef(fmt.Sprintf("%s_epres%v", name, acc2)))
		for _, withRes := range []bool{false, true} {
			if withRes {
				Label(fmt.Sprintf("%s_epres%v", name, acc2))
			}
			for i := 0; i < e.rows; i++ {
				if !e.colBias {
					VBROADCASTSS(Mem{Base: e.bias, Disp: 4 * i}, e.bt)
				}
				for v := 0; v < e.nv; v++ {
					x := e.acc(i, v)
					if acc2 {
						VMOVUPS_Z(Mem{Base: e.c, Disp: v * e.vb}, e.km[v], e.t)
						VADDPS(e.t, x, x)
					}
					if e.colBias {
						// Masked: lanes past the tile's columns may lie
						// past the bias (they are never stored).
						VADDPS(Mem{Base: e.bias, Disp: v * e.vb}, x, e.km[v], x)
					} else {
						VADDPS(e.bt, x, x)
					}
					if withRes {
						VMOVUPS_Z(Mem{Base: e.res, Disp: v * e.vb}, e.km[v], e.t)
						VADDPS(e.t, x, x)
					}
					VMAXPS(x, e.lo, x)
					VMINPS(x, e.hi, x)
					VMOVUPS(x, e.km[v], Mem{Base: e.c, Disp: v * e.vb})
				}
				if i+1 < e.rows {
					ADDQ(e.ldc, e.c)
					if withRes {
						ADDQ(e.ldr, e.res)
					}
				}
			}
			VZEROUPPER()
			RET()
		}
	}
}

// store writes the accumulated tile: C = alpha·acc, or alpha·acc + beta·C
// when beta ≠ 0 (C is not read when beta = 0, so NaNs there vanish).
func store(s isa, name string, acc [][]reg.VecVirtual, t reg.VecVirtual, km []reg.OpmaskVirtual) {
	nv := len(acc[0])
	vb := s.lanes * 4
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	alpha := s.vec()
	beta := s.vec()
	VBROADCASTSS(paramAddr("alpha"), alpha)
	VBROADCASTSS(paramAddr("beta"), beta)
	zero := XMM()
	VXORPS(zero, zero, zero)
	VUCOMISS(paramAddr("beta"), zero)
	JNE(LabelRef(name + "_accum"))
	JP(LabelRef(name + "_accum")) // beta is NaN: keep NaN semantics of beta·C.
	for i := range acc {
		for v := 0; v < nv; v++ {
			VMULPS(alpha, acc[i][v], acc[i][v])
			if km != nil {
				VMOVUPS(acc[i][v], km[v], Mem{Base: c, Disp: v * vb})
			} else {
				VMOVUPS(acc[i][v], Mem{Base: c, Disp: v * vb})
			}
		}
		if i+1 < len(acc) {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()

	Label(name + "_accum")
	for i := range acc {
		for v := 0; v < nv; v++ {
			if km != nil {
				VMOVUPS_Z(Mem{Base: c, Disp: v * vb}, km[v], t)
				VMULPS(t, beta, t)
				VFMADD231PS(alpha, acc[i][v], t)
				VMOVUPS(t, km[v], Mem{Base: c, Disp: v * vb})
				continue
			}
			VMULPS(Mem{Base: c, Disp: v * vb}, beta, t)
			VFMADD231PS(alpha, acc[i][v], t)
			VMOVUPS(t, Mem{Base: c, Disp: v * vb})
		}
		if i+1 < len(acc) {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// fmaPeak emits fmapeak_<isa>(n int): n iterations of 12 independent
// vector FMAs, enough to cover FMA latency × throughput on current cores.
func fmaPeak(s isa) {
	const nacc = 12
	name := "fmapeak_" + s.name
	TEXT(name, NOSPLIT, "func(n int)")
	Doc(fmt.Sprintf("%s runs n iterations of %d independent %d-lane FMAs.", name, nacc, s.lanes))
	n := Load(Param("n"), GP64())
	x, y := s.vec(), s.vec()
	VXORPS(x, x, x)
	VXORPS(y, y, y)
	acc := make([]reg.VecVirtual, nacc)
	for i := range acc {
		acc[i] = s.vec()
		VXORPS(acc[i], acc[i], acc[i])
	}
	Label(name + "_loop")
	for i := range acc {
		VFMADD231PS(x, y, acc[i])
	}
	DECQ(n)
	JNE(LabelRef(name + "_loop"))
	VZEROUPPER()
	RET()
}

// unrolledLoop emits a micro-kernel's depth loop under label l: four
// steps per iteration (B rows bs bytes apart, read through b and b2 =
// b + 2·bs; A advancing 4·mr bytes a step, or as advA moves it), then
// single steps until k is done, jumping to name+"_sum". step(q, aoff, brow, maskB) emits one depth
// step into accumulator set q; kernel and bf16Kernel share it.
func unrolledLoop(name, l string, mr, sets int, k, a, b, b2, bs reg.Register, maskB bool, step func(q, aoff int, brow Mem, maskB bool), advA func(n int)) {
	if advA == nil {
		advA = func(n int) { ADDQ(U32(4*mr*n), a) }
	}
	Label(l + "_loop4")
	CMPQ(k, U8(4))
	JL(LabelRef(l + "_tail"))
	step(0, 0, Mem{Base: b}, maskB)
	step(1%sets, 4*mr, Mem{Base: b, Index: bs, Scale: 1}, maskB)
	step(2%sets, 8*mr, Mem{Base: b2}, maskB)
	step(3%sets, 12*mr, Mem{Base: b2, Index: bs, Scale: 1}, maskB)
	advA(4)
	LEAQ(Mem{Base: b, Index: bs, Scale: 4}, b)
	LEAQ(Mem{Base: b2, Index: bs, Scale: 4}, b2)
	SUBQ(U8(4), k)
	JMP(LabelRef(l + "_loop4"))

	Label(l + "_tail")
	TESTQ(k, k)
	JE(LabelRef(name + "_sum"))
	step(0, 0, Mem{Base: b}, maskB)
	advA(1)
	ADDQ(bs, b)
	DECQ(k)
	JMP(LabelRef(l + "_tail"))
}
