package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
)

// TestRecurMulAdd checks recurW.pack and mulAdd, at every vec level, in
// both panel orders, against a float64 sum over the unpacked source:
// every panel width and mix of them (n up to 13·16), row counts 1..3, and
// NaN guards between and after the output rows that must stay NaN.
func TestRecurMulAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	for _, l := range vec.Levels() {
		restore := vec.SetLevel(l)
		for _, k := range []int{1, 2, 3, 7, 16, 33} {
			for n := recurAlign; n <= 13*recurAlign; n += recurAlign {
				for _, m := range []int{1, 3} {
					name := fmt.Sprintf("%s/k%d_n%d_m%d", l, k, n, m)
					checkRecurMulAdd(t, rng, name, k, n, m)
				}
			}
		}
		restore()
	}
}

func checkRecurMulAdd(t *testing.T, rng *rand.Rand, name string, k, n, m int) {
	t.Helper()
	// src has more rows than columns of B; rows picks them in a shuffled
	// order with some padding columns.
	srcRows := n + 5
	src := randSlice(rng, srcRows*k)
	rows := rng.Perm(srcRows)[:n]
	for j := range rows {
		if rng.IntN(7) == 0 {
			rows[j] = -1
		}
	}
	p := newRecurW(k, n)
	p.pack(src, k, rows)
	const guard = 5
	ldx, ldg := k+2, n+guard
	x := randSlice(rng, m*ldx)
	for _, reverse := range []bool{false, true} {
		g := make([]float32, m*ldg+guard)
		for i := range g {
			g[i] = float32(math.NaN())
		}
		want := make([]float64, m*n)
		for b := 0; b < m; b++ {
			for j := 0; j < n; j++ {
				g[b*ldg+j] = rng.Float32()*2 - 1
				s := float64(g[b*ldg+j])
				if rows[j] >= 0 {
					for kk := 0; kk < k; kk++ {
						s += float64(x[b*ldx+kk]) * float64(src[rows[j]*k+kk])
					}
				}
				want[b*n+j] = s
			}
		}
		p.mulAdd(m, x, ldx, g, ldg, reverse)
		for i, v := range g {
			b, j := i/ldg, i%ldg
			if b >= m || j >= n {
				if !math.IsNaN(float64(v)) {
					t.Fatalf("%s reverse=%v: guard %d overwritten: %v", name, reverse, i, v)
				}
				continue
			}
			if d := math.Abs(float64(v) - want[b*n+j]); !(d <= 1e-5*float64(k+1)) {
				t.Fatalf("%s reverse=%v: row %d col %d: got %v want %v", name, reverse, b, j, v, want[b*n+j])
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

// BenchmarkRecurMulAdd is one batch-1 LSTM step's recurrent product at
// hidden size 256 (1 MiB of weights), in alternating panel order as the
// kernels run it, and always forward for comparison.
func BenchmarkRecurMulAdd(b *testing.B) {
	for _, h := range []int{128, 256, 512} {
		for _, alt := range []bool{true, false} {
			b.Run(fmt.Sprintf("h%d_alternate=%v", h, alt), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(73, 74))
				n := 4 * h
				rows := make([]int, n)
				for i := range rows {
					rows[i] = i
				}
				p := newRecurW(h, n)
				p.pack(randSlice(rng, n*h), h, rows)
				x, g := randSlice(rng, h), make([]float32, n)
				b.SetBytes(int64(4 * n * h))
				for i := 0; b.Loop(); i++ {
					p.mulAdd(1, x, h, g, n, alt && i%2 == 1)
				}
			})
		}
	}
}

// A panicking part reaches the caller instead of leaving the other
// threads waiting for its step forever.
func TestRecurSchedPanicReachesCaller(t *testing.T) {
	pool := parallel.New(2)
	r := newRecurSched(2, func(part, step int) {
		if part == 1 && step == 3 {
			panic("part failed")
		}
	})
	for range 20 {
		func() {
			defer func() {
				if v := recover(); v != "part failed" {
					t.Fatalf("recovered %v", v)
				}
			}()
			r.runSteps(pool, 10)
			t.Fatal("runSteps returned without panicking")
		}()
	}
}
