//go:build amd64 && gc && !noasm

package gemm

import (
	"math/rand/v2"
	"testing"
)

// microBench times one micro-kernel on L1-resident panels (k = 256) and
// reports GFLOP/s: the kernel's ceiling, without packing or cache misses.
func microBench(b *testing.B, mr, nr int, kern func(k int, a, bp, c []float32, ldc int)) {
	const k = 256
	r := rand.New(rand.NewPCG(1, 1))
	a, bp, c := randSlice(r, k*mr), randSlice(r, k*nr), make([]float32, mr*nr)
	b.ResetTimer()
	for range b.N {
		kern(k, a, bp, c, nr)
	}
	b.ReportMetric(2*float64(mr*nr*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkMicroKernel(b *testing.B) {
	for _, ks := range levels[1:] {
		b.Run(ks.level+"/avo", func(b *testing.B) {
			kern := ks.kern[ks.mr-1]
			microBench(b, ks.mr, ks.nr, func(k int, a, bp, c []float32, ldc int) {
				kern(k, &a[0], &bp[0], ks.nr, &c[0], ldc, 1, 0, colMask(ks.nr))
			})
		})
	}
}
