//go:build amd64 && gc && !noasm

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// guardBits fills the parts of buffers that a kernel must not write.
const guardBits = 0x7fc0dead

// randPairWords returns n words of two random bfloat16 halves in the
// normal range (|x| in [2⁻²⁴, 1)), so that VDPBF16PS's flushing of
// denormals never applies.
func randPairWords(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		lo, hi := bf16Bits(r.Float32()*2-1), bf16Bits(r.Float32()*2-1)
		s[i] = math.Float32frombits(lo | hi<<16)
	}
	return s
}

func needBF16(t testing.TB) {
	if !cpuBF16 {
		t.Skip("CPU lacks AVX512_BF16 (or AVX-512)")
	}
}

func needAVX512(t testing.TB) {
	if _, avx512 := detect(); !avx512 {
		t.Skip("CPU lacks AVX-512")
	}
}

// TestPairKernels compares every kernbf16_avx512_r with kernelPairsGeneric
// bit for bit, on every column mask, and checks that columns outside the
// mask and the gaps between C rows stay untouched.
func TestPairKernels(t *testing.T) {
	needBF16(t)
	r := rand.New(rand.NewPCG(7, 7))
	const ldc, alpha = 32 + 5, float32(0.7)
	for mr := 1; mr <= 14; mr++ {
		kern := bf16Kernels[mr-1]
		for _, k := range []int{0, 1, 2, 3, 7, 64, 193} {
			for _, bstride := range []int{32, 51} {
				a := randPairWords(r, max(k*mr, 1))
				b := randPairWords(r, max((k-1)*bstride+32, 1))
				c0 := make([]float32, (mr-1)*ldc+32)
				for i := range c0 {
					c0[i] = r.Float32()*2 - 1
				}
				for _, beta := range []float32{0, 1.3} {
					// The reference tile: all 32 columns, C in a copy.
					want := append([]float32(nil), c0...)
					kernelPairsGeneric(mr, 32, k, &a[0], &b[0], bstride, &want[0], ldc, alpha, beta)
					for w := 1; w <= 32; w++ {
						c := make([]float32, len(c0))
						for i := range c {
							if i%ldc < w {
								c[i] = c0[i]
							} else {
								c[i] = math.Float32frombits(guardBits)
							}
						}
						kern(k, &a[0], &b[0], bstride, &c[0], ldc, alpha, beta, colMask(w))
						for i := range c {
							e := want[i]
							if i%ldc >= w {
								e = math.Float32frombits(guardBits)
							}
							if math.Float32bits(c[i]) != math.Float32bits(e) {
								t.Fatalf("r=%d k=%d bstride=%d beta=%v w=%d: C[%d][%d] = %v (%#x), want %v (%#x)",
									mr, k, bstride, beta, w, i/ldc, i%ldc, c[i], math.Float32bits(c[i]), e, math.Float32bits(e))
							}
						}
					}
				}
			}
		}
	}
}

// TestPairKernelOrder checks the order of VDPBF16PS's two additions that
// kernelPairsGeneric follows (high halves first). Step 1 sets acc = 1;
// step 2 has the high product h = 2⁻²⁴ and the low one l = -2⁻²⁴. High
// first: 1 + h ties to 1, then 1 + l = 1 - 2⁻²⁴ exactly. Low first, or
// both products summed with one rounding: 1.
func TestPairKernelOrder(t *testing.T) {
	needBF16(t)
	one := bf16Bits(1)
	h := bf16Bits(float32(math.Ldexp(1, -24)))
	l := bf16Bits(float32(-math.Ldexp(1, -24)))
	a := []float32{math.Float32frombits(one), math.Float32frombits(one | one<<16)}
	b := make([]float32, 64)
	for j := 0; j < 32; j++ {
		b[j] = math.Float32frombits(one)
		b[32+j] = math.Float32frombits(l | h<<16)
	}
	want := make([]float32, 32)
	kernelPairsGeneric(1, 32, 2, &a[0], &b[0], 32, &want[0], 32, 1, 0)
	if want[0] != float32(1-math.Ldexp(1, -24)) {
		t.Fatalf("kernelPairsGeneric gives %v, want 1-2⁻²⁴ (high products first)", want[0])
	}
	got := make([]float32, 32)
	kernbf16_avx512_1(2, &a[0], &b[0], 32, &got[0], 32, 1, 0, colMask(32))
	if got[0] != want[0] {
		t.Fatalf("VDPBF16PS gives %v, kernelPairsGeneric %v: the order of the two additions differs", got[0], want[0])
	}
}

// specialFloats are the values every converter is tried on.
var specialFloats = []float32{
	0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), math.Float32frombits(0x7f800001), math.Float32frombits(0xffc00001),
	math.Float32frombits(0x7fbfffff), 65504, 65519, 65520, -65520, -70000, 1e-8, -1e-8,
	float32(math.Ldexp(1, -24)), float32(math.Ldexp(1, -25)), float32(3 * math.Ldexp(1, -26)),
	float32(math.Ldexp(1, -14)), 1e-40, -1e-45, math.Float32frombits(0x007fffff),
	math.Float32frombits(0x80400000), math.MaxFloat32, -math.MaxFloat32,
	math.Float32frombits(0x7f7fffff), math.Float32frombits(0x3f808000), math.Float32frombits(0x3f818000),
	math.Float32frombits(0x3f808001), math.Float32frombits(0x3f807fff), 1, -2, 1.0 / 3,
}

// randSpecial is a random float, one of specialFloats a quarter of the
// time.
func randSpecial(r *rand.Rand) float32 {
	if r.IntN(4) == 0 {
		return specialFloats[r.IntN(len(specialFloats))]
	}
	return float32(math.Ldexp(r.Float64()*2-1, r.IntN(40)-20))
}

// sameBits reports whether two bfloat16 or float32 bit patterns (of the
// given exponent and fraction masks) are equal, any NaN matching any NaN.
func sameBits(got, want uint32, expMask, fracMask uint32) bool {
	isNaN := func(x uint32) bool { return x&expMask == expMask && x&fracMask != 0 }
	if isNaN(want) {
		return isNaN(got)
	}
	return got == want
}

func TestPairPack(t *testing.T) {
	needAVX512(t)
	r := rand.New(rand.NewPCG(3, 3))
	for _, kb := range []int{0, 1, 2, 3, 4, 5, 8, 9, 64, 65} {
		for w := 1; w <= 32; w++ {
			src := make([]float32, kb*w+1)
			for i := range src {
				src[i] = randSpecial(r)
			}
			// The special values, spread over steps and columns.
			for i := 0; i < kb*w && i < len(specialFloats); i++ {
				src[(i*w)%(kb*w)+i/max(kb, 1)%w] = specialFloats[i]
			}
			q := (kb + 1) / 2
			want := make([]float32, q*w)
			pairConvertGeneric(kb, src, w, want)
			// dst with a guard word on each side.
			dst := make([]float32, q*w+2)
			for i := range dst {
				dst[i] = math.Float32frombits(guardBits)
			}
			if kb > 0 {
				pairpack_avx512(kb, &src[0], w, &dst[1])
			}
			if math.Float32bits(dst[0]) != guardBits || math.Float32bits(dst[q*w+1]) != guardBits {
				t.Fatalf("kb=%d w=%d: wrote outside dst", kb, w)
			}
			for i, e := range want {
				g, e := math.Float32bits(dst[1+i]), math.Float32bits(e)
				if !sameBits(g&0xffff, e&0xffff, 0x7f80, 0x7f) || !sameBits(g>>16, e>>16, 0x7f80, 0x7f) {
					t.Fatalf("kb=%d w=%d: word %d (step %d, column %d) = %#08x, want %#08x (from %v, %v)",
						kb, w, i, 2*(i/w), i%w, g, e, src[2*(i/w)*w+i%w], pairHigh(src, kb, w, i))
				}
			}
		}
	}
}

// pairHigh is the source of word i's high half, for messages.
func pairHigh(src []float32, kb, w, i int) any {
	if p := 2*(i/w) + 1; p < kb {
		return src[p*w+i%w]
	}
	return "none"
}

func TestRoundInPlace(t *testing.T) {
	needAVX512(t)
	type rounder struct {
		name string
		asm  func(x *float32, n int)
		ref  func([]float32)
	}
	rs := []rounder{
		{"roundbf16_avx512", roundbf16_avx512, roundBF16Generic},
		{"roundfp16_avx512", roundfp16_avx512, roundFP16Generic},
	}
	if cpuF16C {
		rs = append(rs, rounder{"roundfp16_avx2", roundfp16_avx2, roundFP16Generic})
	}
	r := rand.New(rand.NewPCG(5, 5))
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	ns = append(ns, 1000, 1007)
	for _, rd := range rs {
		for _, n := range ns {
			x := make([]float32, n+2)
			for i := range x {
				x[i] = randSpecial(r)
			}
			x[0], x[n+1] = math.Float32frombits(guardBits), math.Float32frombits(guardBits)
			for i := 0; i < n && i < len(specialFloats); i++ {
				x[1+(i*7)%n] = specialFloats[i]
			}
			want := append([]float32(nil), x...)
			rd.ref(want[1 : n+1])
			if n > 0 {
				rd.asm(&x[1], n)
			}
			for i := range x {
				if !sameBits(math.Float32bits(x[i]), math.Float32bits(want[i]), 0x7f800000, 0x7fffff) ||
					(i == 0 || i == n+1) && math.Float32bits(x[i]) != guardBits {
					t.Fatalf("%s n=%d: x[%d] = %v (%#x), want %v (%#x)", rd.name, n, i-1,
						x[i], math.Float32bits(x[i]), want[i], math.Float32bits(want[i]))
				}
			}
		}
	}
}

// TestArchPrecisionLevels checks that archPrecision follows the active
// level (DLC_CPU, setLevel).
func TestArchPrecisionLevels(t *testing.T) {
	for _, l := range availableLevels() {
		restore := setLevel(l)
		p := archPrecision()
		restore()
		if (p.pairKern != nil) != (l == "avx512" && cpuBF16) {
			t.Errorf("level %s: pair kernels present = %v", l, p.pairKern != nil)
		}
		if (p.roundBF16 != nil) != (l == "avx512") || (p.pairConvert != nil) != (l == "avx512") {
			t.Errorf("level %s: bf16 converters present = %v", l, p.roundBF16 != nil)
		}
		if (p.roundFP16 != nil) != (l == "avx512" || l == "avx2" && cpuF16C) {
			t.Errorf("level %s: fp16 rounder present = %v", l, p.roundFP16 != nil)
		}
		if p.pairKern != nil && len(p.pairKern) != 14 {
			t.Errorf("level %s: %d pair kernels", l, len(p.pairKern))
		}
	}
}

// BenchmarkPairKernel compares the 14×32 float32 kernel on k steps with
// the bfloat16-pair kernel on k/2 pair steps (the same products), panels
// in L1/L2; both count 2·14·32·k flops per call.
func BenchmarkPairKernel(b *testing.B) {
	needBF16(b)
	for _, k := range []int{128, 256, 384} {
		r := rand.New(rand.NewPCG(1, 1))
		a, bp, c := randSlice(r, 14*k), randSlice(r, 32*k), make([]float32, 14*32)
		pa, pb := randPairWords(r, 14*k/2), randPairWords(r, 32*k/2)
		flops := func(b *testing.B) {
			b.ReportMetric(2*14*32*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(fmt.Sprintf("fp32/k=%d", k), func(b *testing.B) {
			for range b.N {
				kern_avx512_14(k, &a[0], &bp[0], 32, &c[0], 32, 1, 0, colMask(32))
			}
			flops(b)
		})
		b.Run(fmt.Sprintf("bf16/k=%d", k), func(b *testing.B) {
			for range b.N {
				kernbf16_avx512_14(k/2, &pa[0], &pb[0], 32, &c[0], 32, 1, 0, colMask(32))
			}
			flops(b)
		})
	}
}

// BenchmarkPairKernelRows times every row count of the pair kernel (k/2 =
// 128 pair steps), to check that short tiles hide VDPBF16PS latency.
func BenchmarkPairKernelRows(b *testing.B) {
	needBF16(b)
	const k = 256
	r := rand.New(rand.NewPCG(1, 1))
	pa, pb, c := randPairWords(r, 14*k/2), randPairWords(r, 32*k/2), make([]float32, 14*32)
	for mr := 1; mr <= 14; mr++ {
		b.Run(fmt.Sprint(mr), func(b *testing.B) {
			kern := bf16Kernels[mr-1]
			for range b.N {
				kern(k/2, &pa[0], &pb[0], 32, &c[0], 32, 1, 0, colMask(32))
			}
			b.ReportMetric(2*float64(mr)*32*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
