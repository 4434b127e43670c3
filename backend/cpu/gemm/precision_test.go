package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
)

func TestBF16Bits(t *testing.T) {
	for _, c := range []struct {
		x    float32
		want uint32
	}{
		{1, 0x3f80},
		{math.Float32frombits(0x3f808000), 0x3f80}, // tie, rounds to even
		{math.Float32frombits(0x3f818000), 0x3f82}, // tie, rounds up to even
		{math.Float32frombits(0x3f808001), 0x3f81},
		{-2, 0xc000},
		{float32(math.Inf(1)), 0x7f80},
		{math.MaxFloat32, 0x7f80}, // rounds up into Inf
		{0, 0},
	} {
		if got := bf16Bits(c.x); got != c.want {
			t.Errorf("bf16Bits(%v) = %#x, want %#x", c.x, got, c.want)
		}
	}
	if v := bf16Value(bf16Bits(float32(math.NaN()))); v == v {
		t.Errorf("NaN rounds to %v", v)
	}
}

func TestFP16Round(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, c := range []struct{ x, want float32 }{
		{1, 1},
		{1.0 / 3, 0.333251953125},
		{65504, 65504},
		{65519, 65504},
		{65520, inf}, // halfway to 65536 rounds to even: out of range
		{-70000, -inf},
		{1e-8, 0},
		{3e-8, 0x1p-24}, // the smallest subnormal
		{0x1p-14 + 0x1p-25, 0x1p-14},
		{2049, 2048}, // tie to even
		{2051, 2052},
	} {
		if got := fp16Round(c.x); got != c.want {
			t.Errorf("fp16Round(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

// precisionSets lists the kernel sets that compute p on this machine: the
// one kernelsFor picks at every level, and the Go pair set for bf16.
func precisionSetsFor(t *testing.T, p Precision) map[string]*kernelSet {
	sets := map[string]*kernelSet{}
	for _, lv := range availableLevels() {
		restore := setLevel(lv)
		ks := kernelsFor(p)
		sets[ks.level] = ks
		if ks.pairs {
			// The fallback a CPU without AVX512_BF16 takes at this level.
			arch := archPrecision()
			arch.pairKern = nil
			fb := newPrecisionSet(active, p, arch)
			sets[fb.level] = fb
		}
		restore()
	}
	if p == BFloat16 {
		sets["generic-bf16"] = genericPairSet()
	}
	return sets
}

// roundedProblem is p with its operands rounded as precision q does,
// whose reference is what a reduced-precision product must match.
func roundedProblem(p *problem, q Precision) *problem {
	r := *p
	r.a, r.b = append([]float32(nil), p.a...), append([]float32(nil), p.b...)
	round := roundBF16Generic
	if q == Float16 {
		round = roundFP16Generic
	}
	round(r.a)
	round(r.b)
	r.want, r.tol = nil, nil
	return &r
}

func TestSgemmReducedPrecision(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {3, 5, 7}, {14, 32, 2}, {15, 33, 3}, {29, 70, 65}, {70, 47, 400}, {130, 100, 801}, {16, 2100, 9}}
	for _, prec := range []Precision{BFloat16, Float16} {
		for name, ks := range precisionSetsFor(t, prec) {
			t.Run(prec.String()+"/"+name, func(t *testing.T) {
				r := rand.New(rand.NewPCG(7, uint64(prec)))
				ctx := NewCtx(parallel.New(2))
				moved := 0
				for _, sh := range shapes {
					for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
						p := newProblem(r, tr[0], tr[1], sh[0], sh[1], sh[2], 0.7, 1.3, nil)
						q := roundedProblem(p, prec)
						c := append([]float32(nil), p.c0...)
						ctx.run(call{ks: ks, transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k, alpha: p.alpha,
							a: p.a, lda: p.lda, b: p.b, ldb: p.ldb, beta: p.beta, c: c[guard:], ldc: p.ldc})
						q.check(t, c)
						// The rounding must show: some cell is further from
						// the float32 product than float32's own tolerance.
						p.reference()
						for i := 0; i < p.m && p.k > 1; i++ {
							for j := 0; j < p.n; j++ {
								if math.Abs(float64(c[guard+i*p.ldc+j])-p.want[i*p.n+j]) > p.tol[i*p.n+j] {
									moved++
								}
							}
						}
					}
				}
				if moved == 0 {
					t.Errorf("no result differs from the float32 product: operands were not rounded")
				}
			})
		}
	}
}

func TestFloat16Overflow(t *testing.T) {
	ctx := NewCtx(nil)
	ctx.Precision = Float16
	a := []float32{70000, 1, 1, 1}
	b := []float32{1, 0, 0, 1}
	c := make([]float32, 4)
	ctx.Sgemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2, nil)
	if !math.IsInf(float64(c[0]), 1) || c[3] != 1 {
		t.Errorf("fp16 product of 70000 = %v (want +Inf), other cells %v", c[0], c[1:])
	}
	ctx.Precision = Float32
	ctx.Sgemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2, nil)
	if c[0] != 70000 {
		t.Errorf("float32 product = %v, want 70000", c[0])
	}
}

func TestParsePrecision(t *testing.T) {
	for s, want := range map[string]Precision{"": Float32, "float32": Float32, "bf16": BFloat16, "bfloat16": BFloat16, "fp16": Float16} {
		if got, err := ParsePrecision(s); err != nil || got != want {
			t.Errorf("ParsePrecision(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParsePrecision("int8"); err == nil {
		t.Error("ParsePrecision(int8) accepted")
	}
}

// BenchmarkSgemmPrecision compares the precisions on shapes of a CNN's
// training step (conv forward, weight gradient, input gradient) and a
// square product, one thread.
func BenchmarkSgemmPrecision(b *testing.B) {
	for _, sh := range []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"conv-fwd-64x12544x288", false, false, 64, 12544, 288},
		{"conv-dw-64x288x12544", false, true, 64, 288, 12544},
		{"conv-dx-288x12544x64", true, false, 288, 12544, 64},
		{"square-512", false, false, 512, 512, 512},
	} {
		r := rand.New(rand.NewPCG(1, 1))
		ar, ac := sh.m, sh.k
		if sh.transA {
			ar, ac = ac, ar
		}
		br, bc := sh.k, sh.n
		if sh.transB {
			br, bc = bc, br
		}
		a, bm, c := randSlice(r, ar*ac), randSlice(r, br*bc), make([]float32, sh.m*sh.n)
		for _, p := range []Precision{Float32, BFloat16, Float16} {
			b.Run(sh.name+"/"+p.String(), func(b *testing.B) {
				ctx := NewCtx(nil)
				ctx.Precision = p
				for b.Loop() {
					ctx.Sgemm(sh.transA, sh.transB, sh.m, sh.n, sh.k, 1, a, ac, bm, bc, 0, c, sh.n, nil)
				}
				b.ReportMetric(2*float64(sh.m*sh.n*sh.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
