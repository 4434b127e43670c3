package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Benchmarks run at every level, so `go test -bench .` prints the
// speedup of each SIMD level over the generic loops side by side.

func benchLevels(b *testing.B, f func(b *testing.B)) {
	for _, l := range Levels() {
		b.Run(l.String(), func(b *testing.B) {
			defer SetLevel(l)()
			f(b)
		})
	}
}

func BenchmarkUnary(b *testing.B) {
	const n = 4096
	r := rand.New(rand.NewPCG(1, 1))
	x, y := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 3)
	}
	for _, c := range []struct {
		name string
		f    func(dst, src []float32)
	}{{"Exp", Exp}, {"Sigmoid", Sigmoid}, {"Tanh", Tanh}, {"Gelu", Gelu}, {"GeluTanh", GeluTanh}, {"Relu", Relu}} {
		b.Run(c.name, func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				b.SetBytes(8 * n) // read + write
				for b.Loop() {
					c.f(y, x)
				}
			})
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	const n = 4096
	x, y, z := make([]float32, n), make([]float32, n), make([]float32, n)
	benchLevels(b, func(b *testing.B) {
		b.SetBytes(12 * n)
		for b.Loop() {
			Add(z, x, y)
		}
	})
}

func BenchmarkRows(b *testing.B) {
	for _, n := range []int{128, 256, 768} {
		r := rand.New(rand.NewPCG(2, 2))
		x, y, g, bb := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], g[i] = float32(r.NormFloat64()), 1
		}
		b.Run(fmt.Sprintf("Softmax/%d", n), func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					Softmax(y, x)
				}
			})
		})
		b.Run(fmt.Sprintf("LayerNorm/%d", n), func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					LayerNorm(y, x, g, bb, 1e-5)
				}
			})
		})
	}
}
