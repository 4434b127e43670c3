package gemm

import (
	"fmt"
	"sync"
	"unsafe"
)

// Precision is the arithmetic of the products a Ctx computes with Sgemm:
// mixed-precision training multiplies in a reduced precision while
// everything else (accumulation, activations, master weights) stays
// float32.
type Precision uint8

const (
	// Float32 is plain single precision.
	Float32 Precision = iota
	// BFloat16 rounds both operands to bfloat16 (8-bit significand,
	// float32's range) and accumulates in float32. Where the CPU has
	// AVX512_BF16, operands are packed as bfloat16 pairs and multiplied by
	// VDPBF16PS (twice the products of an FMA per instruction, half the
	// bytes per packed panel); elsewhere the float32 kernels run on
	// operands rounded while they are packed (same values, no speed-up).
	BFloat16
	// Float16 rounds operands to IEEE half precision (11-bit significand,
	// ±65504, larger values become ±Inf, tiny ones flush to its subnormal
	// grid) and accumulates in float32. No CPU dlc runs on multiplies
	// halves natively (that is AVX512_FP16), so it is always emulated on
	// the float32 kernels: it reproduces half precision's rounding,
	// overflow and underflow, which dynamic loss scaling exists to handle,
	// but not its speed.
	Float16
)

// ParsePrecision reads a precision's name: "float32" (or "fp32" or ""),
// "bf16" (or "bfloat16"), "fp16" (or "float16").
func ParsePrecision(s string) (Precision, error) {
	switch s {
	case "", "float32", "fp32":
		return Float32, nil
	case "bf16", "bfloat16":
		return BFloat16, nil
	case "fp16", "float16":
		return Float16, nil
	}
	return Float32, fmt.Errorf("unknown precision %q (want float32, bf16 or fp16)", s)
}

func (p Precision) String() string {
	switch p {
	case BFloat16:
		return "bf16"
	case Float16:
		return "fp16"
	}
	return "float32"
}

// PrecisionPath says how this machine computes products in precision p
// at the active level: "native" (bf16 pairs on VDPBF16PS), "rounded"
// (float32 kernels on rounded operands) or "float32".
func PrecisionPath(p Precision) string {
	ks := kernelsFor(p)
	switch {
	case ks.pairs:
		return "native"
	case ks.round != nil:
		return "rounded"
	}
	return "float32"
}

// kernelsFor is the kernel set that computes Sgemm in precision p at the
// active level. Only Sgemm honours a Ctx's precision: operands packed
// ahead of time (PackA, PackB: constant weights) stay float32.
func kernelsFor(p Precision) *kernelSet {
	if p == Float32 {
		return active
	}
	key := precisionKey{active, p}
	if ks, ok := precisionSets.Load(key); ok {
		return ks.(*kernelSet)
	}
	ks, _ := precisionSets.LoadOrStore(key, newPrecisionSet(active, p, archPrecision()))
	return ks.(*kernelSet)
}

type precisionKey struct {
	base *kernelSet
	p    Precision
}

// precisionSets caches the derived kernel sets by base level and
// precision.
var precisionSets sync.Map

// newPrecisionSet derives base's set for precision p. Both derived kinds
// always take the blocked path (smallM 0, no GEMV): the small path reads
// B in place, which a rounded or converted operand cannot be.
func newPrecisionSet(base *kernelSet, p Precision, arch archPrecisionKernels) *kernelSet {
	ks := *base
	// The rounded sets keep the float32 epilogue kernels (their packed
	// panels are float32); nothing reads A in place, which would skip
	// the rounding.
	ks.smallM, ks.gemv, ks.gemvN, ks.kernRow, ks.epKernRowCol = 0, nil, 0, nil, nil
	switch {
	case p == BFloat16 && base.level == "avx512" && arch.pairKern != nil && arch.pairConvert != nil:
		ks.level = "avx512-bf16"
		ks.pairs, ks.kern = true, arch.pairKern
		ks.epKern, ks.epKernCol = nil, arch.pairEpKernCol
		// A pair step is 4 bytes like a float32 step: twice the depth
		// fills the same cache as the float32 blocking.
		ks.kc *= 2
		ks.pairCopyA, ks.pairGatherA, ks.pairCopyB, ks.pairGatherB = arch.pairCopyA, arch.pairGatherA, arch.pairCopyB, arch.pairGatherB
		conv := arch.pairConvert
		ks.pairConvert = func(kb int, src []float32, w int, dst []float32) {
			if kb > 0 {
				conv(kb, &src[0], w, &dst[0])
			}
		}
	case p == BFloat16:
		ks.level += "-bf16-rounded"
		ks.round = roundWith(arch.roundBF16, roundBF16Generic)
	default: // Float16
		ks.level += "-fp16-rounded"
		ks.round = roundWith(arch.roundFP16, roundFP16Generic)
	}
	return &ks
}

// genericPairSet is the pair machinery on Go kernels (kernelPairsGeneric):
// no machine uses it for speed, tests use it to check the pair layout
// where the CPU lacks AVX512_BF16.
func genericPairSet() *kernelSet {
	ks := &kernelSet{level: "generic-bf16", mr: 4, nr: 16, masked: true, kc: 96, mc: 64, nc: 256,
		pairs: true, pairConvert: pairConvertGeneric}
	for r := 1; r <= 4; r++ {
		r := r
		ks.kern = append(ks.kern, func(k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, mask uint32) {
			var tile [4 * 16]float32
			kernelPairsGeneric(r, 16, k, a, b, bstride, &tile[0], 16, 1, 0)
			cs := unsafe.Slice(c, (r-1)*ldc+16)
			for i := 0; i < r; i++ {
				for j := 0; j < 16; j++ {
					if mask&(1<<j) == 0 {
						continue
					}
					v := alpha * tile[i*16+j]
					if beta != 0 {
						v += beta * cs[i*ldc+j]
					}
					cs[i*ldc+j] = v
				}
			}
		})
	}
	return ks
}

// roundWith wraps an assembly rounder (nil: use generic).
func roundWith(asm func(x *float32, n int), generic func([]float32)) func([]float32) {
	if asm == nil {
		return generic
	}
	return func(x []float32) {
		if len(x) > 0 {
			asm(&x[0], len(x))
		}
	}
}

// steps is the number of kernel steps of a kb-deep slice: pairs of depth
// steps in the bfloat16 pair layout.
func (ks *kernelSet) steps(kb int) int {
	if ks.pairs {
		return (kb + 1) / 2
	}
	return kb
}

// packAFor packs rows [i0, i0+rows) × depth [p0, p0+kb) of op(A) in ks's
// layout: packA's, rounded in place for a rounding set, or converted to
// pairs panel by panel through *tmp.
func packAFor(ks *kernelSet, dst []float32, tmp *[]float32, transA bool, a []float32, lda, i0, rows, p0, kb int) {
	if !ks.pairs {
		packA(ks, dst, transA, a, lda, i0, rows, p0, kb)
		if ks.round != nil {
			ks.round(dst[:rows*kb])
		}
		return
	}
	kk := ks.steps(kb)
	*tmp = grow(*tmp, ks.mr*kb)
	for q := 0; q < rows; q += ks.mr {
		r := min(ks.mr, rows-q)
		if r == ks.mr && kb > 0 {
			if transA && ks.pairCopyA != nil {
				ks.pairCopyA(kb, &a[p0*lda+i0+q], lda, &dst[q*kk])
				continue
			}
			if !transA && ks.pairGatherA != nil && gatherOK(lda, r) {
				ks.pairGatherA(kb, &a[(i0+q)*lda+p0], lda, &dst[q*kk])
				continue
			}
		}
		packA(ks, *tmp, transA, a, lda, i0+q, r, p0, kb)
		ks.pairConvert(kb, *tmp, r, dst[q*kk:])
	}
}

// packBFor is packB in ks's layout (see packAFor).
func packBFor(ks *kernelSet, dst []float32, tmp *[]float32, transB bool, b []float32, ldb, j0, cols, p0, kb int) {
	nr := ks.nr
	if !ks.pairs {
		packB(ks, dst, transB, b, ldb, j0, cols, p0, kb)
		if ks.round != nil {
			ks.round(dst[:ceilDiv(cols, nr)*nr*kb])
		}
		return
	}
	kk := ks.steps(kb)
	*tmp = grow(*tmp, nr*kb)
	for q := 0; q < cols; q += nr {
		w, j := min(nr, cols-q), j0+q
		if w == nr && kb > 0 {
			if !transB && ks.pairCopyB != nil {
				ks.pairCopyB(kb, &b[p0*ldb+j], ldb, &dst[q*kk])
				continue
			}
			if transB && ks.pairGatherB != nil && gatherOK(ldb, nr) {
				ks.pairGatherB(kb, &b[j*ldb+p0], ldb, &dst[q*kk])
				continue
			}
		}
		packBPanel(ks, *tmp, transB, b, ldb, j, w, p0, kb)
		ks.pairConvert(kb, *tmp, nr, dst[q*kk:])
	}
}
