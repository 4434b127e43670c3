package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
)

// benchGemm times C = A·B (m×k · k×n) on one thread and reports GFLOP/s.
func benchGemm(b *testing.B, m, n, k int, packed bool) {
	benchGemmOn(b, parallel.Serial, m, n, k, packed)
}

func benchGemmOn(b *testing.B, pool *parallel.Pool, m, n, k int, packed bool) {
	r := rand.New(rand.NewPCG(1, 1))
	a, bm, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	ctx := NewCtx(pool)
	pb := PackB(false, k, n, bm, n)
	b.ResetTimer()
	for range b.N {
		if packed {
			ctx.SgemmPackedB(false, m, 1, a, k, pb, 0, c, n, nil)
		} else {
			ctx.Sgemm(false, false, m, n, k, 1, a, k, bm, n, 0, c, n, nil)
		}
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkSgemm(b *testing.B) {
	for _, s := range []int{256, 512, 1024, 2048} {
		b.Run(fmt.Sprint(s), func(b *testing.B) { benchGemm(b, s, s, s, false) })
	}
}

// BenchmarkSgemmShapes covers batch-1 inference (m = 1, GEMV-like) and
// thin products, plain and with B packed ahead of time.
func BenchmarkSgemmShapes(b *testing.B) {
	for _, s := range [][3]int{{1, 512, 784}, {1, 10, 512}, {1, 4096, 4096}, {16, 512, 784}, {64, 3136, 576}, {196, 256, 2304},
		{4, 4, 4}, {16, 16, 16}, {64, 64, 64}, {128, 3136, 576}} {
		for _, packed := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dx%dx%d/packed=%v", s[0], s[1], s[2], packed), func(b *testing.B) {
				benchGemm(b, s[0], s[1], s[2], packed)
			})
		}
	}
}

// BenchmarkSgemmThreads runs on a pool of every CPU.
func BenchmarkSgemmThreads(b *testing.B) {
	pool := parallel.New(0)
	for _, s := range [][3]int{{1024, 1024, 1024}, {1, 4096, 1024}, {64, 3136, 576}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]), func(b *testing.B) {
			benchGemmOn(b, pool, s[0], s[1], s[2], false)
		})
	}
}

func BenchmarkFMAPeak(b *testing.B) {
	var g float64
	for range b.N {
		g = FMAPeak(2e7)
	}
	b.ReportMetric(g, "GFLOP/s")
}

// BenchmarkSgemmConv times im2col convolution shapes through PackA
// (weights Cout×K packed once, times col K×HW), one thread.
func BenchmarkSgemmConv(b *testing.B) {
	for _, s := range [][3]int{{32, 12544, 27}, {64, 3136, 576}, {16, 12544, 144}, {256, 196, 2304}, {512, 49, 4608}} {
		m, n, k := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			w, col, y := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
			bias := randSlice(r, m)
			ep := &Epilogue{Bias: bias, BiasPerRow: true}
			pa := PackA(false, m, k, w, k)
			ctx := NewCtx(parallel.Serial)
			b.ResetTimer()
			for range b.N {
				ctx.SgemmPackedA(pa, false, n, 1, col, n, 0, y, n, ep)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSgemmTransformer times the products of the Fashion-MNIST
// Transformer's training step (batch 64 × 28 tokens, width 64, 4 heads,
// feed-forward 128) on one thread, with the operand layouts the step
// uses: Linear forward (A·W), input gradient (dy·Wᵀ), weight gradient
// (xᵀ·dy over all 1792 rows) and one head's attention products.
func BenchmarkSgemmTransformer(b *testing.B) {
	for _, s := range []struct {
		name           string
		m, n, k        int
		transA, transB bool
	}{
		{"linear_1792x64x64", 1792, 64, 64, false, false},
		{"ff1_1792x128x64", 1792, 128, 64, false, false},
		{"dx_1792x64x128_Bt", 1792, 64, 128, false, true},
		{"dw_64x128x1792_At", 64, 128, 1792, true, false},
		{"scores_28x28x16_Bt", 28, 28, 16, false, true},
		{"context_28x16x28", 28, 16, 28, false, false},
	} {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a, bm, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			ctx := NewCtx(parallel.Serial)
			for b.Loop() {
				ctx.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n, nil)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSgemmRowKernels compares the small path reading a row-major A
// in place (kernRow) with packing it (rowKernelsPay decides between them).
func BenchmarkSgemmRowKernels(b *testing.B) {
	if active.kernRow == nil {
		b.Skip("no row kernels at this level")
	}
	defer func() { rowKernelsOff = false }()
	for _, s := range [][3]int{{28, 28, 16}, {64, 64, 64}, {64, 128, 256}, {64, 512, 256}, {16, 3136, 576},
		{70, 2048, 256}, {64, 1024, 384}, {64, 512, 1024}, {70, 2048, 1024},
		{1792, 64, 64}, {256, 256, 256}, {512, 512, 384}, {2048, 2048, 256}, {3136, 64, 288}} {
		for _, inPlace := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dx%dx%d/inPlace=%v", s[0], s[1], s[2], inPlace), func(b *testing.B) {
				rowKernelsOff = !inPlace
				benchGemm(b, s[0], s[1], s[2], false)
			})
		}
	}
}
