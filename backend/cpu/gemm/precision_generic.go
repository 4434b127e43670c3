package gemm

import (
	"math"
	"unsafe"
)

// The meaning of the reduced-precision kernels, in pure Go: the assembly
// forms (bf16_amd64.go) are tested against these, and machines without
// them run these.

// bf16Bits rounds x to bfloat16 (round to nearest, ties to even; NaNs
// stay NaNs) and returns its 16 bits.
func bf16Bits(x float32) uint32 {
	b := math.Float32bits(x)
	if b&0x7fffffff > 0x7f800000 {
		return (b >> 16) | 0x40 // quiet NaN
	}
	b += 0x7fff + (b>>16)&1
	return b >> 16
}

// bf16Value is the float32 whose upper half is the bfloat16 h.
func bf16Value(h uint32) float32 { return math.Float32frombits(h << 16) }

// roundBF16Generic rounds every element of x to the nearest bfloat16.
func roundBF16Generic(x []float32) {
	for i, v := range x {
		x[i] = bf16Value(bf16Bits(v))
	}
}

// roundFP16Generic rounds every element of x to the nearest IEEE binary16
// value (ties to even), as float32: beyond ±65504 (after rounding) it
// becomes ±Inf, below 2⁻²⁴ it flushes towards the subnormal grid, as a
// conversion to half precision and back would.
func roundFP16Generic(x []float32) {
	for i, v := range x {
		x[i] = fp16Round(v)
	}
}

// fp16Round rounds v to binary16 precision and range.
func fp16Round(v float32) float32 {
	if v != v || math.IsInf(float64(v), 0) {
		return v
	}
	a := math.Abs(float64(v))
	const maxHalf = 65504
	if a >= maxHalf+16 { // halfway to the next binade step rounds up to Inf
		return float32(math.Copysign(math.Inf(1), float64(v)))
	}
	// The spacing of binary16 values near a: 2^(e-10) for normal a with
	// exponent e ≥ -14, 2^-24 for subnormals.
	_, e := math.Frexp(a) // a = f·2^e, f in [0.5, 1)
	exp := max(e-1, -14)
	ulp := math.Ldexp(1, exp-10)
	r := math.RoundToEven(a/ulp) * ulp
	return float32(math.Copysign(r, float64(v)))
}

// pairConvertGeneric converts a packed float32 panel of kb steps of w
// values (step p at src[p·w:]) into the bfloat16 pair layout: ⌈kb/2⌉ steps
// of w 32-bit words, word (q, i) holding step 2q's value in its low half
// and step 2q+1's (0 past kb) in its high half.
func pairConvertGeneric(kb int, src []float32, w int, dst []float32) {
	d := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst))
	for q := 0; 2*q < kb; q++ {
		for i := 0; i < w; i++ {
			lo := bf16Bits(src[2*q*w+i])
			var hi uint32
			if 2*q+1 < kb {
				hi = bf16Bits(src[(2*q+1)*w+i])
			}
			d[q*w+i] = lo | hi<<16
		}
	}
}

// kernelPairsGeneric is the meaning of the bfloat16 micro-kernels (and
// of the AVX512_BF16 VDPBF16PS instruction they use): like kernelGeneric,
// but a and b hold k pair steps (pairConvertGeneric's layout) and each
// step adds hi(a)·hi(b) and then lo(a)·lo(b) to the float32 accumulator.
// The products of two bfloat16 values are exact in float32, so the only
// roundings are the two additions.
func kernelPairsGeneric(r, nr, k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32) {
	var acc [32 * 32]float32
	if k > 0 {
		as := unsafe.Slice((*uint32)(unsafe.Pointer(a)), k*r)
		bs := unsafe.Slice((*uint32)(unsafe.Pointer(b)), (k-1)*bstride+nr)
		for p := 0; p < k; p++ {
			brow := bs[p*bstride : p*bstride+nr]
			for i := 0; i < r; i++ {
				aw := as[p*r+i]
				alo, ahi := bf16Value(aw&0xffff), bf16Value(aw>>16)
				row := acc[i*nr : i*nr+nr]
				for j, bw := range brow {
					row[j] += ahi * bf16Value(bw>>16)
					row[j] += alo * bf16Value(bw&0xffff)
				}
			}
		}
	}
	cs := unsafe.Slice(c, (r-1)*ldc+nr)
	for i := 0; i < r; i++ {
		crow := cs[i*ldc : i*ldc+nr]
		row := acc[i*nr : i*nr+nr]
		for j := range crow {
			if beta == 0 {
				crow[j] = alpha * row[j]
			} else {
				// Explicit conversions keep the two products rounded
				// apart (no FMA), as the assembly store computes them.
				crow[j] = float32(alpha*row[j]) + float32(beta*crow[j])
			}
		}
	}
}
