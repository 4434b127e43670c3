package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// guardBits marks the NaN guard regions around output buffers; a routine
// that writes out of bounds changes them.
const guardBits = 0x7fc0dead

const guard = 19

// eachLevel runs f at every level this machine and build support.
func eachLevel(t *testing.T, f func(t *testing.T)) {
	for _, l := range Levels() {
		t.Run(l.String(), func(t *testing.T) {
			defer SetLevel(l)()
			f(t)
		})
	}
}

// guarded returns a slice of n elements inside NaN guard regions, and a
// check that the guards are intact.
func guarded(t *testing.T, n int) ([]float32, func()) {
	buf := make([]float32, n+2*guard)
	for i := range buf {
		buf[i] = math.Float32frombits(guardBits)
	}
	check := func() {
		t.Helper()
		for i, v := range buf {
			if (i < guard || i >= guard+n) && math.Float32bits(v) != guardBits {
				t.Fatalf("n=%d: guard element %d overwritten with %v", n, i-guard, v)
			}
		}
	}
	return buf[guard : guard+n : guard+n], check
}

var edges = []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-45, -1e-45, 1, -1, 0.5, -0.5,
	0.625, -0.625, 0.6249, 4, -4, 3.9, 10, -10, 20, -20, 44, -44, 87.3, -87.3, 88.72, 88.73, -88.8, 89, -89,
	-100, 100, -103.9, -104, -110, 1e10, -1e10, math.MaxFloat32, -math.MaxFloat32,
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}

// inputs returns n test values: edge values first, then random ones of
// varied magnitude.
func inputs(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		if i < len(edges) && r.IntN(2) == 0 {
			x[i] = edges[r.IntN(len(edges))]
			continue
		}
		switch r.IntN(3) {
		case 0:
			x[i] = float32(r.NormFloat64())
		case 1:
			x[i] = float32(r.NormFloat64() * 8)
		default:
			x[i] = float32(r.NormFloat64() * 60)
		}
	}
	return x
}

// unaryCase is a routine with its float64 meaning and tolerance: |got -
// want| ≤ rel·|want| + abs, NaN exactly where want is NaN, infinities
// equal.
type unaryCase struct {
	name     string
	f        func(dst, src []float32)
	want     func(x float64) float64
	rel, abs float64
}

func sigmoid64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

var unaryCases = []unaryCase{
	{"Exp", Exp, math.Exp, 2e-7 * 8, 1e-45},
	{"Sigmoid", Sigmoid, sigmoid64, 2e-6, 1e-45},
	{"Silu", Silu, func(x float64) float64 { return x * sigmoid64(x) }, 3e-6, 1e-38},
	{"Tanh", Tanh, math.Tanh, 2e-6, 1e-45},
	{"Erf", Erf, math.Erf, 1e-6, 5e-7},
	{"Gelu", Gelu, func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, 2e-6, 1e-6},
	{"GeluTanh", GeluTanh, func(x float64) float64 { return float64(Act{Kind: ActGeluTanh}.Scalar(float32(x))) }, 2e-6, 1e-6},
	{"HardSwish", HardSwish, func(x float64) float64 { return x * max(0, min(1, x/6+0.5)) }, 2e-7, 2e-7},
	{"Relu", Relu, func(x float64) float64 { return max(x, 0) }, 0, 0},
	{"Abs", Abs, math.Abs, 0, 0},
	{"Neg", Neg, func(x float64) float64 { return -x }, 0, 0},
	{"Sqrt", Sqrt, func(x float64) float64 { return float64(float32(math.Sqrt(x))) }, 0, 0},
	{"Clip", func(d, s []float32) { Clip(d, s, -1.5, 6) }, func(x float64) float64 { return min(max(x, -1.5), 6) }, 0, 0},
	{"LeakyRelu", func(d, s []float32) { LeakyRelu(d, s, 0.1) }, func(x float64) float64 {
		if x < 0 {
			return float64(float32(x) * 0.1)
		}
		return x
	}, 0, 0},
	{"HardSigmoid", func(d, s []float32) { HardSigmoid(d, s, 0.2, 0.5) }, func(x float64) float64 {
		return max(0, min(1, float64(float32(0.2))*x+0.5))
	}, 2e-7, 1e-7},
}

// within reports whether got matches want under the tolerance, and the
// error relative to max(|want|, abs/rel) for reporting.
func within(got float32, want, rel, abs float64) (bool, float64) {
	g := float64(got)
	switch {
	case math.IsNaN(want):
		return math.IsNaN(g), 0
	case math.IsInf(want, 0) || math.IsInf(g, 0):
		w := float64(float32(want)) // an overflowing float32 result is right
		return g == w, 0
	}
	d := math.Abs(g - want)
	return d <= rel*math.Abs(want)+abs, d / max(math.Abs(want), 1e-30)
}

func TestUnaryTails(t *testing.T) {
	eachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, c := range unaryCases {
			for n := 0; n <= 3*16+7; n++ {
				src := inputs(r, n)
				dst, check := guarded(t, n)
				c.f(dst, src)
				check()
				for i, x := range src {
					if ok, _ := within(dst[i], c.want(float64(x)), c.rel, c.abs); !ok {
						t.Fatalf("%s n=%d: f(%v) = %v, want %v", c.name, n, x, dst[i], c.want(float64(x)))
					}
				}
				// In place gives the same values.
				inp, check2 := guarded(t, n)
				copy(inp, src)
				c.f(inp, inp)
				check2()
				for i := range inp {
					if math.Float32bits(inp[i]) != math.Float32bits(dst[i]) {
						t.Fatalf("%s n=%d in place: element %d = %v, out of place %v", c.name, n, i, inp[i], dst[i])
					}
				}
			}
		}
	})
}

// TestUnaryAccuracy sweeps a dense grid and logs the largest relative
// error of each transcendental routine (go test -v shows them).
func TestUnaryAccuracy(t *testing.T) {
	const n = 1 << 16
	var xs []float32
	for _, span := range []float64{1, 10, 100} {
		for i := range n {
			xs = append(xs, float32(span*(2*float64(i)/n-1)))
		}
	}
	xs = append(xs, edges...)
	eachLevel(t, func(t *testing.T) {
		ys := make([]float32, len(xs))
		for _, c := range unaryCases[:8] {
			c.f(ys, xs)
			worst, at, worstAbs := 0.0, float32(0), 0.0
			for i, x := range xs {
				w := c.want(float64(x))
				ok, e := within(ys[i], w, c.rel, c.abs)
				if !ok {
					t.Errorf("%s(%v) = %v, want %v", c.name, x, ys[i], w)
					break
				}
				if math.Abs(w) < 1e30 && !math.IsNaN(w) {
					worstAbs = max(worstAbs, math.Abs(float64(ys[i])-w))
				}
				if e > worst && math.Abs(w) >= 1e-3 {
					worst, at = e, x
				}
			}
			t.Logf("%-9s max rel error %.2g at x=%v (where |f| ≥ 1e-3), max abs error %.2g", c.name, worst, at, worstAbs)
		}
	})
}

func TestActApply(t *testing.T) {
	acts := []Act{{Kind: ActRelu}, {Kind: ActClip, Alpha: -1, Beta: 1}, {Kind: ActLeakyRelu, Alpha: 0.01},
		{Kind: ActSigmoid}, {Kind: ActTanh}, {Kind: ActHardSwish}, {Kind: ActGelu}, {Kind: ActGeluTanh},
		{Kind: ActSilu}, {Kind: ActHardSigmoid, Alpha: 0.2, Beta: 0.5}}
	eachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, a := range acts {
			for n := 0; n <= 37; n++ {
				xs := inputs(r, n)
				ys, check := guarded(t, n)
				copy(ys, xs)
				a.Apply(ys)
				check()
				for i, x := range xs {
					if ok, _ := within(ys[i], float64(a.Scalar(x)), 3e-6, 1e-6); !ok {
						t.Fatalf("%v(%v) = %v, want %v", a.Kind, x, ys[i], a.Scalar(x))
					}
				}
			}
		}
	})
}

func TestBinary(t *testing.T) {
	type bin struct {
		name string
		f    func(d, a, b []float32)
		op   func(a, b float32) float32
	}
	bins := []bin{
		{"Add", Add, func(a, b float32) float32 { return a + b }},
		{"Sub", Sub, func(a, b float32) float32 { return a - b }},
		{"Mul", Mul, func(a, b float32) float32 { return a * b }},
		{"Div", Div, func(a, b float32) float32 { return a / b }},
		{"Max", func(d, a, b []float32) {
			// NaN placement is unspecified: compare on NaN-free copies.
			a2, b2 := noNaN(a), noNaN(b)
			copy(a, a2)
			copy(b, b2)
			Maximum(d, a, b)
		}, func(a, b float32) float32 { return max(a, b) }},
		{"AddScalar", func(d, a, b []float32) { AddScalar(d, a, b[0]) }, func(a, b float32) float32 { return a + b }},
		{"SubScalar", func(d, a, b []float32) { SubScalar(d, a, b[0]) }, func(a, b float32) float32 { return a - b }},
		{"ScalarSub", func(d, a, b []float32) { ScalarSub(d, a, b[0]) }, func(a, b float32) float32 { return b - a }},
		{"MulScalar", func(d, a, b []float32) { MulScalar(d, a, b[0]) }, func(a, b float32) float32 { return a * b }},
		{"DivScalar", func(d, a, b []float32) { DivScalar(d, a, b[0]) }, func(a, b float32) float32 { return a / b }},
		{"ScalarDiv", func(d, a, b []float32) { ScalarDiv(d, a, b[0]) }, func(a, b float32) float32 { return b / a }},
		{"AddScaled", func(d, a, b []float32) { copy(d, a); AddScaled(d, b, 0.37) }, nil},
	}
	eachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, c := range bins {
			for n := 0; n <= 3*16+7; n++ {
				a, b := inputs(r, n), inputs(r, max(n, 1))
				d, check := guarded(t, n)
				c.f(d, a, b)
				check()
				for i := range d {
					var want float32
					if c.op == nil {
						want = float32(float64(a[i]) + float64(float32(0.37))*float64(b[i]))
						if ok, _ := within(d[i], float64(want), 0, 1.2e-7*(math.Abs(float64(a[i]))+math.Abs(float64(b[i])))); !ok && !math.IsInf(float64(want), 0) {
							t.Fatalf("%s n=%d [%d]: got %v, want %v", c.name, n, i, d[i], want)
						}
						continue
					}
					bi := b[0]
					if len(c.name) < 4 {
						bi = b[i]
					}
					want = c.op(a[i], bi)
					if d[i] != want && !(want != want && d[i] != d[i]) { // ±0 compare equal
						t.Fatalf("%s n=%d [%d]: %v, %v -> %v, want %v", c.name, n, i, a[i], bi, d[i], want)
					}
				}
			}
		}
	})
}

func TestReductions(t *testing.T) {
	eachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for n := 0; n <= 3*64+5; n++ {
			x, y := make([]float32, n), make([]float32, n)
			var s, m, ss, dot, sd float64
			m = math.Inf(-1)
			mean := float32(0.25)
			for i := range x {
				x[i], y[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
				s += float64(x[i])
				m = max(m, float64(x[i]))
				ss += float64(x[i]) * float64(x[i])
				dot += float64(x[i]) * float64(y[i])
				sd += (float64(x[i]) - float64(mean)) * (float64(x[i]) - float64(mean))
			}
			tol := 1e-6 * float64(n+1) * 4
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"Sum", float64(Sum(x)), s}, {"SumSq", float64(SumSq(x)), ss}, {"Dot", float64(Dot(x, y)), dot},
				{"SumSqDev", float64(SumSqDev(x, mean)), sd}, {"Max", float64(Max(x)), m},
			} {
				if c.got != c.want && math.Abs(c.got-c.want) > tol {
					t.Fatalf("%s n=%d: got %v, want %v", c.name, n, c.got, c.want)
				}
			}
			// ExpShiftSum writes exactly n values and sums them.
			d, check := guarded(t, n)
			es := ExpShiftSum(d, x, 1.5)
			check()
			want := 0.0
			for i := range x {
				e := math.Exp(float64(x[i]) - 1.5)
				want += e
				if ok, _ := within(d[i], e, 2e-6, 0); !ok {
					t.Fatalf("ExpShiftSum n=%d [%d] = %v, want %v", n, i, d[i], e)
				}
			}
			if math.Abs(float64(es)-want) > 1e-5*want+1e-30 {
				t.Fatalf("ExpShiftSum n=%d: sum %v, want %v", n, es, want)
			}
			if e2 := ExpSum(x, 1.5); math.Abs(float64(e2)-want) > 1e-5*want+1e-30 {
				t.Fatalf("ExpSum n=%d: %v, want %v", n, e2, want)
			}
		}
		// Max ignores sign of the lanes that are masked off in the tail.
		if got := Max([]float32{-5, -7, -3}); got != -3 {
			t.Fatalf("Max of negatives = %v", got)
		}
	})
}

func TestRows(t *testing.T) {
	eachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, n := range []int{1, 2, 7, 15, 16, 17, 33, 100, 128, 300, 768} {
			x := make([]float32, n)
			g, b := make([]float32, n), make([]float32, n)
			for i := range x {
				x[i] = float32(r.NormFloat64() * 5)
				g[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
			}
			m := math.Inf(-1)
			for _, v := range x {
				m = max(m, float64(v))
			}
			var s, mean, vr float64
			for _, v := range x {
				s += math.Exp(float64(v) - m)
				mean += float64(v)
			}
			mean /= float64(n)
			for _, v := range x {
				vr += (float64(v) - mean) * (float64(v) - mean)
			}
			rstd := 1 / math.Sqrt(vr/float64(n)+1e-5)
			sm, check := guarded(t, n)
			Softmax(sm, x)
			check()
			ls, check2 := guarded(t, n)
			LogSoftmax(ls, x)
			check2()
			inpl := append([]float32(nil), x...)
			LogSoftmax(inpl, inpl)
			ln, check3 := guarded(t, n)
			LayerNorm(ln, x, g, b, 1e-5)
			check3()
			for i, v := range x {
				if ok, _ := within(sm[i], math.Exp(float64(v)-m)/s, 4e-6, 1e-30); !ok {
					t.Fatalf("Softmax n=%d [%d] = %v, want %v", n, i, sm[i], math.Exp(float64(v)-m)/s)
				}
				wl := float64(v) - m - math.Log(s)
				if ok, _ := within(ls[i], wl, 1e-6, 2e-6); !ok || math.Abs(float64(ls[i]-inpl[i])) > 4e-6 {
					t.Fatalf("LogSoftmax n=%d [%d] = %v (in place %v), want %v", n, i, ls[i], inpl[i], wl)
				}
				wn := (float64(v)-mean)*rstd*float64(g[i]) + float64(b[i])
				if ok, _ := within(ln[i], wn, 1e-5, 1e-5); !ok {
					t.Fatalf("LayerNorm n=%d [%d] = %v, want %v", n, i, ln[i], wn)
				}
			}
		}
	})
}

func TestLevels(t *testing.T) {
	ls := Levels()
	if len(ls) == 0 || ls[0] != Generic {
		t.Fatalf("Levels() = %v, want generic first", ls)
	}
	if Active() > ls[len(ls)-1] {
		t.Fatalf("active level %v is not supported", Active())
	}
	t.Logf("levels %v, active %v", ls, Active())
	_ = fmt.Sprint()
}

func noNaN(x []float32) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		if v == v {
			y[i] = v
		}
	}
	return y
}
