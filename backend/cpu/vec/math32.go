package vec

import "math"

// Scalar float32 twins of the SIMD transcendental kernels: the same
// constants and order of operations, one lane at a time. They are the
// generic level's implementation and the documented meaning of the
// assembly (backend/cpu/_gen/vec/math.go).

// exp32 is e^x to about 1 ulp (Cephes expf): x is clamped to [-104, 89]
// (beyond them e^x is 0 or +Inf in float32; NaN passes the clamp), n =
// round(x·log2 e) is found by adding 1.5·2²³, r = x - n·ln2 is formed with
// ln2 split in two so it is exact, e^r comes from a degree-7 polynomial
// and 2^n is applied as the two normal factors 2^(n>>1) and 2^(n-(n>>1)),
// so results in the subnormal range round once and correctly.
func exp32(x float32) float32 {
	t := min(max(x, -104), 89)
	kf := t*1.44269504088896341 + 12582912
	n := int32(math.Float32bits(kf) - 0x4b400000)
	kf -= 12582912
	r := t - kf*0.693359375
	r -= kf * -2.12194440e-4
	y := float32(1.9875691500e-4)
	y = y*r + 1.3981999507e-3
	y = y*r + 8.3334519073e-3
	y = y*r + 4.1665795894e-2
	y = y*r + 1.6666665459e-1
	y = y*r + 5.0000001201e-1
	y = y*(r*r) + r
	y++
	e1 := n >> 1
	e2 := n - e1
	return y * math.Float32frombits(uint32(e1+127)<<23) * math.Float32frombits(uint32(e2+127)<<23)
}

// sigmoid32 is 1/(1+e^-x) computed from e = e^-|x| as 1/(1+e) or
// e/(1+e), so it neither overflows nor loses relative precision for large
// negative x.
func sigmoid32(x float32) float32 {
	e := exp32(-abs32(x))
	pos := 1 / (e + 1)
	if math.Signbit(float64(x)) {
		return e * pos
	}
	return pos
}

// tanh32 follows Cephes tanhf: an odd polynomial for |x| < 0.625, else
// 1 - 2/(e^{2|x|}+1) with the sign of x.
func tanh32(x float32) float32 {
	a := abs32(x)
	if a < 0.625 {
		z := x * x
		p := float32(-5.70498872745e-3)
		p = p*z + 2.06390887954e-2
		p = p*z - 5.37397155531e-2
		p = p*z + 1.33314422036e-1
		p = p*z - 3.33332819422e-1
		return (p*z)*x + x
	}
	big := 1 - 2/(exp32(a+a)+1)
	return float32(math.Copysign(float64(big), float64(x)))
}

// erf32 is the rational approximation x·P(x²)/Q(x²) on x clamped to
// [-4, 4], beyond which erf is ±1 in float32 (coefficients of Eigen's
// generic_fast_erf_float). Its error is below 4e-7 absolute.
func erf32(x float32) float32 {
	t := min(max(x, -4), 4)
	x2 := t * t
	p := float32(-2.72614225801306e-10)
	p = p*x2 + 2.77068142495902e-08
	p = p*x2 - 2.10102402082508e-06
	p = p*x2 - 5.69250639462346e-05
	p = p*x2 - 7.34990630326855e-04
	p = p*x2 - 2.95459980854025e-03
	p = p*x2 - 1.60960333262415e-02
	p *= t
	q := float32(-1.45660718464996e-05)
	q = q*x2 - 2.13374055278905e-04
	q = q*x2 - 1.68282697438203e-03
	q = q*x2 - 7.37332916720468e-03
	q = q*x2 - 1.42647390514189e-02
	return p / q
}

// gelu32 is x·Φ(x) = x/2·(1 + erf(x/√2)).
func gelu32(x float32) float32 {
	return (erf32(x*0.70710678118654752) + 1) * (x * 0.5)
}

// geluTanh32 is x/2·(1 + tanh(k·(x + 0.044715·x³))), k = sqrt(2/π),
// with the inner term written as x·(k + k·0.044715·x²).
func geluTanh32(x float32) float32 {
	const k = 0.7978845608028654
	p := float32(k*0.044715)*(x*x) + k
	return (tanh32(x*p) + 1) * (x * 0.5)
}

func silu32(x float32) float32 { return x * sigmoid32(x) }

// hardSwish32 is x·clamp(x/6 + 1/2, 0, 1); a NaN x gives NaN.
func hardSwish32(x float32) float32 {
	h := x*(1.0/6) + 0.5
	return x * max(min(h, 1), 0)
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// log32 is ln x for positive normal x, and NaN for NaN (Cephes logf): x =
// m·2^e with m in [√½, √2), ln(1+f) for f = m-1 by a degree-9 polynomial
// plus the -f²/2 term, and e·ln2 added in two parts (0.693359375 is exact
// in a few bits). The short-row LogSoftmax routines take it of sums in
// [1, n], where it is within 2 ulp of ln.
func log32(x float32) float32 {
	b := math.Float32bits(x)
	e := float32(int32(b>>23) - 126)
	m := math.Float32frombits(b&0x807fffff | 0x3f000000)
	if m < 0.707106781186547524 {
		e--
		m = m - 1 + m
	} else {
		m--
	}
	z := m * m
	y := float32(7.0376836292e-2)
	y = y*m - 1.1514610310e-1
	y = y*m + 1.1676998740e-1
	y = y*m - 1.2420140846e-1
	y = y*m + 1.4249322787e-1
	y = y*m - 1.6668057665e-1
	y = y*m + 2.0000714765e-1
	y = y*m - 2.4999993993e-1
	y = y*m + 3.3333331174e-1
	y = y * m * z
	y += e * -2.12194440e-4
	y += -0.5 * z
	y += m
	y += e * 0.693359375
	return y + (x - x)
}
