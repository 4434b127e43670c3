package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// softmax64 is the float64 softmax and log-softmax of one row.
func softmax64(x []float32) (sm, ls []float64) {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, float64(v))
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	for _, v := range x {
		sm = append(sm, math.Exp(float64(v)-m)/s)
		ls = append(ls, float64(v)-m-math.Log(s))
	}
	return sm, ls
}

// TestSoftmaxRows checks SoftmaxRows and LogSoftmaxRows against float64
// for every row length 1..70 (the short-row routines and past them), a
// few row counts, in place and out of place, with guard regions, rows of
// -Inf entries and rows with a NaN.
func TestSoftmaxRows(t *testing.T) {
	eachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		for n := 1; n <= 70; n++ {
			for _, rows := range []int{1, 2, 5} {
				x := make([]float32, rows*n)
				for i := range x {
					x[i] = float32(r.NormFloat64() * 6)
				}
				if n > 2 {
					x[r.IntN(n)] = float32(math.Inf(-1)) // a masked entry in the first row
				}
				checkRows(t, x, n)
			}
		}
		// A row of all -Inf and a row with a NaN come out NaN, as the
		// reference gives them; the other rows are unaffected.
		for _, n := range []int{5, 16, 28, 64} {
			x := make([]float32, 3*n)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			for i := range n {
				x[i] = float32(math.Inf(-1))
			}
			x[2*n+n/2] = float32(math.NaN())
			for _, f := range []func(d, s []float32, n int){SoftmaxRows, LogSoftmaxRows} {
				d := make([]float32, len(x))
				f(d, x, n)
				for i, v := range d {
					if row := i / n; (row != 1) != (v != v) {
						t.Fatalf("n=%d: element %d (row %d) = %v", n, i, row, v)
					}
				}
			}
		}
	})
}

func checkRows(t *testing.T, x []float32, n int) {
	t.Helper()
	sm, check := guarded(t, len(x))
	SoftmaxRows(sm, x, n)
	check()
	ls, check2 := guarded(t, len(x))
	LogSoftmaxRows(ls, x, n)
	check2()
	inSm, inLs := append([]float32(nil), x...), append([]float32(nil), x...)
	SoftmaxRows(inSm, inSm, n)
	LogSoftmaxRows(inLs, inLs, n)
	for r := 0; r < len(x); r += n {
		wsm, wls := softmax64(x[r : r+n])
		for i := range n {
			j := r + i
			if ok, _ := within(sm[j], wsm[i], 4e-6, 1e-30); !ok || sm[j] != inSm[j] {
				t.Fatalf("SoftmaxRows n=%d [%d] = %v (in place %v), want %v", n, j, sm[j], inSm[j], wsm[i])
			}
			if ok, _ := within(ls[j], wls[i], 1e-6, 2e-6); !ok || ls[j] != inLs[j] {
				t.Fatalf("LogSoftmaxRows n=%d [%d] = %v (in place %v), want %v", n, j, ls[j], inLs[j], wls[i])
			}
		}
	}
}

// TestLog32 checks the float32 log the short-row LogSoftmax uses against
// math.Log over the sums it takes (and beyond), and its NaN.
func TestLog32(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	xs := []float32{1, 1.0000001, 0.70710677, 0.7071068, 1.4142135, 2, 3, 64, 65, 1e6, math.MaxFloat32, 1.2e-38}
	for range 100000 {
		xs = append(xs, float32(math.Exp(r.Float64()*80-40)))
	}
	for _, x := range xs {
		got, want := float64(log32(x)), math.Log(float64(x))
		if math.Abs(got-want) > 2.5e-7*math.Abs(want)+1e-7 {
			t.Fatalf("log32(%v) = %v, want %v", x, got, want)
		}
	}
	if v := log32(float32(math.NaN())); v == v {
		t.Fatalf("log32(NaN) = %v", v)
	}
}

// BenchmarkSoftmaxRows compares the short-row routine with one Softmax
// call per row on the attention shape [64·4·28, 28] and other lengths.
func BenchmarkSoftmaxRows(b *testing.B) {
	for _, n := range []int{8, 28, 64} {
		const rows = 64 * 4 * 28
		r := rand.New(rand.NewPCG(2, 2))
		x, y := make([]float32, rows*n), make([]float32, rows*n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		b.Run(fmt.Sprintf("rows/%d", n), func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				b.SetBytes(int64(8 * len(x)))
				for b.Loop() {
					SoftmaxRows(y, x, n)
				}
			})
		})
		b.Run(fmt.Sprintf("each/%d", n), func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				b.SetBytes(int64(8 * len(x)))
				for b.Loop() {
					for i := 0; i < len(x); i += n {
						Softmax(y[i:i+n], x[i:i+n])
					}
				}
			})
		})
	}
}
