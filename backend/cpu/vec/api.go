package vec

import "math"

// Elementwise arithmetic. In every function below the other slices must
// be at least len(dst) long (only their first len(dst) elements are
// read), and dst may be the same slice as any input.

// Add sets dst[i] = a[i] + b[i].
func Add(dst, a, b []float32) { k.add(dst, a[:len(dst)], b[:len(dst)]) }

// Sub sets dst[i] = a[i] - b[i].
func Sub(dst, a, b []float32) { k.sub(dst, a[:len(dst)], b[:len(dst)]) }

// Mul sets dst[i] = a[i] · b[i].
func Mul(dst, a, b []float32) { k.mul(dst, a[:len(dst)], b[:len(dst)]) }

// Div sets dst[i] = a[i] / b[i].
func Div(dst, a, b []float32) { k.div(dst, a[:len(dst)], b[:len(dst)]) }

// Maximum sets dst[i] = max(a[i], b[i]); which operand a NaN comes
// from is unspecified.
func Maximum(dst, a, b []float32) { k.maximum(dst, a[:len(dst)], b[:len(dst)]) }

// AddScalar sets dst[i] = a[i] + s.
func AddScalar(dst, a []float32, s float32) { k.addS(dst, a[:len(dst)], s) }

// SubScalar sets dst[i] = a[i] - s.
func SubScalar(dst, a []float32, s float32) { k.subS(dst, a[:len(dst)], s) }

// ScalarSub sets dst[i] = s - a[i].
func ScalarSub(dst, a []float32, s float32) { k.rsubS(dst, a[:len(dst)], s) }

// MulScalar sets dst[i] = a[i] · s.
func MulScalar(dst, a []float32, s float32) { k.mulS(dst, a[:len(dst)], s) }

// DivScalar sets dst[i] = a[i] / s (a true division, not a multiply by
// 1/s, so results match the reference bit for bit).
func DivScalar(dst, a []float32, s float32) { k.divS(dst, a[:len(dst)], s) }

// ScalarDiv sets dst[i] = s / a[i].
func ScalarDiv(dst, a []float32, s float32) { k.rdivS(dst, a[:len(dst)], s) }

// AddScaled sets dst[i] += alpha · x[i] (axpy; fused multiply-add in the
// SIMD levels).
func AddScaled(dst, x []float32, alpha float32) { k.axpy(dst, x[:len(dst)], alpha) }

// Unary maps: dst[i] = f(src[i]); src must be at least len(dst) long and
// may be dst itself. The transcendental ones follow the float32
// algorithms of math32.go at every level.

// Relu sets dst[i] = max(src[i], 0); NaN stays NaN.
func Relu(dst, src []float32) { k.relu(dst, src[:len(dst)]) }

// Abs sets dst[i] = |src[i]|.
func Abs(dst, src []float32) { k.abs(dst, src[:len(dst)]) }

// Neg sets dst[i] = -src[i].
func Neg(dst, src []float32) { k.neg(dst, src[:len(dst)]) }

// Sqrt sets dst[i] = √src[i], correctly rounded.
func Sqrt(dst, src []float32) { k.sqrt(dst, src[:len(dst)]) }

// Exp sets dst[i] = e^src[i] (about 1 ulp; subnormal results, overflow to
// +Inf, 0 for -Inf and NaN are all handled).
func Exp(dst, src []float32) { k.exp(dst, src[:len(dst)]) }

// Sigmoid sets dst[i] = 1/(1+e^-src[i]).
func Sigmoid(dst, src []float32) { k.sigmoid(dst, src[:len(dst)]) }

// Silu sets dst[i] = src[i]·sigmoid(src[i]).
func Silu(dst, src []float32) { k.silu(dst, src[:len(dst)]) }

// Tanh sets dst[i] = tanh src[i].
func Tanh(dst, src []float32) { k.tanh(dst, src[:len(dst)]) }

// Erf sets dst[i] = erf src[i] (absolute error below 4e-7).
func Erf(dst, src []float32) { k.erf(dst, src[:len(dst)]) }

// Gelu sets dst[i] = x·Φ(x) with the exact erf form.
func Gelu(dst, src []float32) { k.gelu(dst, src[:len(dst)]) }

// GeluTanh sets dst[i] to ONNX Gelu's approximate="tanh" form.
func GeluTanh(dst, src []float32) { k.geluTanh(dst, src[:len(dst)]) }

// HardSwish sets dst[i] = x·clamp(x/6 + 1/2, 0, 1).
func HardSwish(dst, src []float32) { k.hardSwish(dst, src[:len(dst)]) }

// Clip sets dst[i] = min(max(src[i], lo), hi); NaN stays NaN.
func Clip(dst, src []float32, lo, hi float32) { k.clip(dst, src[:len(dst)], lo, hi) }

// LeakyRelu sets dst[i] = x < 0 ? alpha·x : x.
func LeakyRelu(dst, src []float32, alpha float32) { k.leakyRelu(dst, src[:len(dst)], alpha) }

// HardSigmoid sets dst[i] = clamp(alpha·x + beta, 0, 1); NaN stays NaN.
func HardSigmoid(dst, src []float32, alpha, beta float32) {
	k.hardSigmoid(dst, src[:len(dst)], alpha, beta)
}

// Reductions. They accumulate in float32 in several partial sums (lanes
// and unrolled accumulators), so their rounding differs from a
// left-to-right loop by a few ulps of the total.

// Sum returns the sum of x.
func Sum(x []float32) float32 { return k.sum(x) }

// Max returns the largest element of x, -Inf for an empty x. When x holds
// a NaN the result is unspecified (NaN or the maximum of the others).
func Max(x []float32) float32 { return k.max(x) }

// SumSq returns Σ x[i]².
func SumSq(x []float32) float32 { return k.sumSq(x) }

// Dot returns Σ a[i]·b[i]; b must be at least len(a) long.
func Dot(a, b []float32) float32 { return k.dot(a, b[:len(a)]) }

// SumSqDev returns Σ (x[i] - mean)².
func SumSqDev(x []float32, mean float32) float32 { return k.sumSqDev(x, mean) }

// ExpShiftSum sets dst[i] = e^(src[i] - m) and returns their sum.
func ExpShiftSum(dst, src []float32, m float32) float32 {
	return k.expShiftSum(dst, src[:len(dst)], m)
}

// ExpSum returns Σ e^(x[i] - m).
func ExpSum(x []float32, m float32) float32 { return k.expSum(x, m) }

// Row operations built from the loops above.

// Softmax sets dst to the softmax of src (same length; may alias):
// exp(x - max) / Σ exp(x - max).
func Softmax(dst, src []float32) {
	src = src[:len(dst)]
	s := k.expShiftSum(dst, src, k.max(src))
	k.mulS(dst, dst, 1/s)
}

// LogSoftmax sets dst to x - max - log Σ exp(x - max) of src (same length;
// may alias).
func LogSoftmax(dst, src []float32) {
	src = src[:len(dst)]
	m := k.max(src)
	// The sum is taken without writing dst, so dst may be src.
	s := k.expSum(src, m)
	k.subS(dst, src, m+float32(math.Log(float64(s))))
}

// LayerNorm sets dst = (x - mean)/sqrt(var + eps)·g + b over the row x,
// with the mean and (biased) variance of x; g and b must be at least
// len(dst) long. It returns the mean and 1/sqrt(var + eps).
func LayerNorm(dst, x, g, b []float32, eps float32) (mean, rstd float32) {
	n := len(dst)
	x = x[:n]
	mean = k.sum(x) / float32(n)
	v := k.sumSqDev(x, mean) / float32(n)
	rstd = float32(1 / math.Sqrt(float64(v)+float64(eps)))
	k.lnApply(dst, x, g[:n], b[:n], mean, rstd)
	return mean, rstd
}

// NormApply sets dst[i] = (x[i] - mean)·rstd·g[i] + b[i].
func NormApply(dst, x, g, b []float32, mean, rstd float32) {
	n := len(dst)
	k.lnApply(dst, x[:n], g[:n], b[:n], mean, rstd)
}
