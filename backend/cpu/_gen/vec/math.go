package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The transcendental kernels. Their scalar twins, with the same constants
// and operation order, are exp32, sigmoid32, tanh32 and erf32 in
// backend/cpu/vec/math32.go; comments there give the derivations.

// expV returns e^x. x is clamped to [-104, 89] (NaN passes through), n =
// round(x·log2 e) by the 1.5·2²³ trick, r = x - n·ln2 in two parts
// (Cephes), e^r by a degree-7 polynomial, and 2^n applied as two factors
// 2^(n>>1)·2^(n-(n>>1)) so results down in the subnormal range stay exact.
func expV(s isa, x VecVirtual) VecVirtual {
	t := s.vreg()
	VMAXPS(x, s.ld(cf(-104)), t)
	VMINPS(t, s.ld(cf(89)), t)
	kf := s.vreg()
	VMULPS(cf(1.44269504088896341), t, kf)
	VADDPS(cf(12582912), kf, kf)
	ni := s.vreg()
	VPSUBD(ci(0x4b400000), kf, ni)
	VSUBPS(cf(12582912), kf, kf)
	VFNMADD231PS(cf(0.693359375), kf, t)
	VFNMADD231PS(cf(-2.12194440e-4), kf, t)
	y := s.ld(cf(1.9875691500e-4))
	for _, c := range []float32{1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1} {
		VFMADD213PS(cf(c), t, y)
	}
	z := s.vreg()
	VMULPS(t, t, z)
	VFMADD213PS(t, z, y)
	VADDPS(cf(1), y, y)
	e1, e2 := s.vreg(), s.vreg()
	VPSRAD(U8(1), ni, e1)
	VPSUBD(e1, ni, e2)
	VPADDD(ci(127), e1, e1)
	VPSLLD(U8(23), e1, e1)
	VPADDD(ci(127), e2, e2)
	VPSLLD(U8(23), e2, e2)
	VMULPS(e1, y, y)
	VMULPS(e2, y, y)
	return y
}

// sigmoidV returns 1/(1+e^-x) from e = e^-|x|: 1/(1+e) for x ≥ 0 and
// e/(1+e) for x < 0, which never overflows and keeps full relative
// precision for large negative x.
func sigmoidV(s isa, x VecVirtual) VecVirtual {
	a := s.vreg()
	VORPS(ci(0x80000000), x, a) // -|x|
	e := expV(s, a)
	d := s.vreg()
	VADDPS(cf(1), e, d)
	pos := s.vreg()
	VDIVPS(d, s.ld(cf(1)), pos)
	neg := s.vreg()
	VMULPS(pos, e, neg)
	return s.blend(s.signMask(x), neg, pos)
}

// tanhV uses the Cephes tanhf split: an odd polynomial below |x| = 0.625,
// else 1 - 2/(e^{2|x|}+1) with x's sign.
func tanhV(s isa, x VecVirtual) VecVirtual {
	a := s.vreg()
	VANDPS(ci(0x7fffffff), x, a)
	s2 := s.vreg()
	VADDPS(a, a, s2)
	e := expV(s, s2)
	VADDPS(cf(1), e, e)
	q := s.vreg()
	VDIVPS(e, s.ld(cf(2)), q)
	big := s.ld(cf(1))
	VSUBPS(q, big, big)
	sg := s.vreg()
	VANDPS(ci(0x80000000), x, sg)
	VORPS(sg, big, big)
	z := s.vreg()
	VMULPS(x, x, z)
	p := s.ld(cf(-5.70498872745e-3))
	for _, c := range []float32{2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1} {
		VFMADD213PS(cf(c), z, p)
	}
	VMULPS(z, p, p)
	VFMADD213PS(x, x, p)
	return s.blend(s.lt(a, cf(0.625)), p, big)
}

// erfV is the rational approximation x·P(x²)/Q(x²) on x clamped to
// [-4, 4] (Eigen's generic_fast_erf_float coefficients).
func erfV(s isa, x VecVirtual) VecVirtual {
	t := s.vreg()
	VMINPS(x, s.ld(cf(4)), t)
	VMAXPS(t, s.ld(cf(-4)), t)
	x2 := s.vreg()
	VMULPS(t, t, x2)
	p := s.ld(cf(-2.72614225801306e-10))
	for _, c := range erfP[1:] {
		VFMADD213PS(cf(c), x2, p)
	}
	VMULPS(t, p, p)
	q := s.ld(cf(-1.45660718464996e-05))
	for _, c := range erfQ[1:] {
		VFMADD213PS(cf(c), x2, q)
	}
	VDIVPS(q, p, p)
	return p
}

var (
	erfP = []float32{-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
		-7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02}
	erfQ = []float32{-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
		-7.37332916720468e-03, -1.42647390514189e-02}
)

var _ = Mem{}

// logV returns ln x for positive normal x (and NaN for NaN), as Cephes
// logf: x = m·2^e with m in [√½, √2), ln(1+f) for f = m-1 by a degree-9
// polynomial, e·ln2 added in two parts. The softmax rows need it only for
// sums in [1, n].
func logV(s isa, x VecVirtual) VecVirtual {
	e := s.vreg()
	VPSRLD(U8(23), x, e)
	VPSUBD(ci(126), e, e)
	ef := s.vreg()
	VCVTDQ2PS(e, ef)
	m := s.vreg()
	VANDPS(ci(0x807fffff), x, m)
	VORPS(ci(0x3f000000), m, m)
	// m in [0.5, 1): below √½ it is doubled and e lowered by one.
	small := s.lt(m, cf(0.707106781186547524))
	z := s.vreg()
	VXORPS(z, z, z)
	one := s.ld(cf(1))
	t := s.blend(small, m, z)
	u := s.blend(small, one, z)
	VSUBPS(one, m, m)
	VADDPS(t, m, m)
	VSUBPS(u, ef, ef)
	VMULPS(m, m, z)
	y := s.ld(cf(7.0376836292e-2))
	for _, c := range []float32{-1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
		-1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1} {
		VFMADD213PS(cf(c), m, y)
	}
	VMULPS(m, y, y)
	VMULPS(z, y, y)
	VFMADD231PS(cf(-2.12194440e-4), ef, y)
	VFMADD231PS(cf(-0.5), z, y)
	VADDPS(m, y, y)
	VFMADD231PS(cf(0.693359375), ef, y)
	// x - x is 0, or NaN for a NaN x, which the bit arithmetic above lost.
	VSUBPS(x, x, z)
	VADDPS(z, y, y)
	return y
}
