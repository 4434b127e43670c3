//go:build goexperiment.simd && amd64

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestArchsimdKernel(t *testing.T) {
	if Level() != "avx512" {
		t.Skip("needs AVX-512")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{1, 5, 64} {
		for _, beta := range []float32{0, 0.5} {
			a, bp := randSlice(r, k*14), randSlice(r, k*32)
			want := randSlice(r, 14*40)
			got := append([]float32(nil), want...)
			for i := 0; i < 14; i++ {
				genericRow(a, bp, 14, i, k, 32, 32, want[i*40:], 1.5, beta)
			}
			kernSimd14x32(k, a, bp, got, 40, 1.5, beta)
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-4 {
					t.Fatalf("k=%d β=%v: [%d] = %v, want %v", k, beta, i, got[i], want[i])
				}
			}
		}
	}
}

func BenchmarkMicroKernelArchsimd(b *testing.B) {
	if Level() != "avx512" {
		b.Skip("needs AVX-512")
	}
	b.Run("14x32", func(b *testing.B) {
		microBench(b, 14, 32, func(k int, a, bp, c []float32, ldc int) {
			kernSimd14x32(k, a, bp, c, ldc, 1, 0)
		})
	})
	b.Run("6x32", func(b *testing.B) {
		microBench(b, 6, 32, func(k int, a, bp, c []float32, ldc int) {
			kernSimd6x32(k, a, bp, c, ldc, 1, 0)
		})
	})
}

// tuneArchsimd prints the archsimd kernels' best-of-N rates.
func tuneArchsimd(peak float64) {
	r := rand.New(rand.NewPCG(1, 1))
	const k = 256
	for _, mr := range []int{14, 6} {
		a, b, c := randSlice(r, k*mr), randSlice(r, k*32), make([]float32, mr*32)
		f := func() { kernSimd14x32(k, a, b, c, 32, 1, 0) }
		if mr == 6 {
			f = func() { kernSimd6x32(k, a, b, c, 32, 1, 0) }
		}
		g := bestGFLOPS(20000, float64(2*k*mr*32), f)
		fmt.Printf("micro-kernel avx512 %dx32 (archsimd): %.1f GFLOP/s = %.0f%% of FMAPeak %.1f\n", mr, g, 100*g/peak, peak)
	}
}
