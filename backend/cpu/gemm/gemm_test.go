package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
)

// forEachLevel runs f at every ISA level this machine has.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	for _, lv := range availableLevels() {
		t.Run(lv, func(t *testing.T) {
			defer setLevel(lv)()
			f(t)
		})
	}
}

// problem is one GEMM with its operands and expected result.
type problem struct {
	transA, transB bool
	m, n, k        int
	lda, ldb, ldc  int
	alpha, beta    float32
	a, b, c0       []float32
	ep             *Epilogue
	want, tol      []float64 // reference for the m×n cells, computed once
}

const guard = 7 // NaN-filled floats before and after C

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// newProblem makes random operands with strides up to 3 beyond the
// minimum. C holds random values in its m×n cells (NaN when beta = 0) and
// NaN in the gaps between rows.
func newProblem(r *rand.Rand, transA, transB bool, m, n, k int, alpha, beta float32, ep *Epilogue) *problem {
	p := &problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, ep: ep}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	p.lda, p.ldb, p.ldc = max(ac, 1)+r.IntN(4), max(bc, 1)+r.IntN(4), max(n, 1)+r.IntN(4)
	p.a = randSlice(r, max(ar*p.lda, 1))
	p.b = randSlice(r, max(br*p.ldb, 1))
	p.c0 = make([]float32, guard+m*p.ldc+guard)
	for i := range p.c0 {
		p.c0[i] = float32(math.NaN())
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if beta != 0 {
				p.c0[guard+i*p.ldc+j] = r.Float32()*2 - 1
			}
		}
	}
	return p
}

// check compares got (laid out like p.c0) with a float64 reference, with
// a tolerance proportional to k and the magnitudes summed, and requires
// the guards and row gaps to be untouched.
func (p *problem) check(t *testing.T, got []float32) {
	t.Helper()
	if p.want == nil {
		p.reference()
	}
	bad := 0
	for idx := range got {
		i, j := (idx-guard)/p.ldc, (idx-guard)%p.ldc
		if idx < guard || i >= p.m || j >= p.n {
			if !math.IsNaN(float64(got[idx])) {
				t.Fatalf("%s: wrote outside C at offset %d: %v", p, idx-guard, got[idx])
			}
			continue
		}
		want, tol := p.want[i*p.n+j], p.tol[i*p.n+j]
		if g := float64(got[idx]); !(math.Abs(g-want) <= tol) {
			if bad++; bad <= 3 {
				t.Errorf("%s: C[%d,%d] = %v, want %v (tol %.2g)", p, i, j, g, want, tol)
			}
		}
	}
}

// reference fills p.want in float64 and p.tol, proportional to k and the
// magnitudes summed.
func (p *problem) reference() {
	p.want, p.tol = make([]float64, p.m*p.n), make([]float64, p.m*p.n)
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.n; j++ {
			var s, mag float64
			for q := 0; q < p.k; q++ {
				var x, y float64
				if p.transA {
					x = float64(p.a[q*p.lda+i])
				} else {
					x = float64(p.a[i*p.lda+q])
				}
				if p.transB {
					y = float64(p.b[j*p.ldb+q])
				} else {
					y = float64(p.b[q*p.ldb+j])
				}
				s += x * y
				mag += math.Abs(x * y)
			}
			want := float64(p.alpha) * s
			mag *= math.Abs(float64(p.alpha))
			if p.beta != 0 {
				cv := float64(p.beta) * float64(p.c0[guard+i*p.ldc+j])
				want += cv
				mag += math.Abs(cv)
			}
			if ep := p.ep; ep != nil {
				if ep.Bias != nil {
					bv := float64(ep.Bias[j])
					if ep.BiasPerRow {
						bv = float64(ep.Bias[i])
					}
					want += bv
					mag += math.Abs(bv)
				}
				if ep.Residual != nil {
					rv := float64(ep.Residual[i*ep.LDR+j])
					want += rv
					mag += math.Abs(rv)
				}
				want = float64(ep.Act.Scalar(float32(want)))
			}
			p.want[i*p.n+j], p.tol[i*p.n+j] = want, 4e-7*float64(p.k+8)*mag+1e-6
		}
	}
}

func (p *problem) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d ld=%d,%d,%d α=%v β=%v ep=%v",
		p.transA, p.transB, p.m, p.n, p.k, p.lda, p.ldb, p.ldc, p.alpha, p.beta, p.ep != nil)
}

// run computes p with ctx through the plain, PackedB and PackedA entry
// points and checks each.
func (p *problem) run(t *testing.T, ctx *Ctx) {
	t.Helper()
	c := append([]float32(nil), p.c0...)
	ctx.Sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c[guard:], p.ldc, p.ep)
	p.check(t, c)

	pb := PackB(p.transB, p.k, p.n, p.b, p.ldb)
	c = append(c[:0], p.c0...)
	ctx.SgemmPackedB(p.transA, p.m, p.alpha, p.a, p.lda, pb, p.beta, c[guard:], p.ldc, p.ep)
	p.check(t, c)

	pa := PackA(p.transA, p.m, p.k, p.a, p.lda)
	c = append(c[:0], p.c0...)
	ctx.SgemmPackedA(pa, p.transB, p.n, p.alpha, p.b, p.ldb, p.beta, c[guard:], p.ldc, p.ep)
	p.check(t, c)
}

var testSizes = []int{0, 1, 2, 3, 5, 7, 13, 14, 15, 16, 17, 28, 29, 31, 32, 33, 47, 63, 65, 70}

func TestSgemmSmallShapes(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		ctx := NewCtx(nil)
		for range 400 {
			m, n, k := testSizes[r.IntN(len(testSizes))], testSizes[r.IntN(len(testSizes))], testSizes[r.IntN(len(testSizes))]
			alpha := []float32{1, -1.5, 0.5}[r.IntN(3)]
			beta := []float32{0, 1, 0.75}[r.IntN(3)]
			p := newProblem(r, r.IntN(2) == 1, r.IntN(2) == 1, m, n, k, alpha, beta, nil)
			p.run(t, ctx)
		}
	})
}

// TestSgemmBlockedShapes covers the blocked path (m > smallM at every
// level, including either side of the boundary) with odd n, k and strides.
func TestSgemmBlockedShapes(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(17, 18))
		ctx := NewCtx(parallel.New(2))
		for i := range 40 {
			m := active.smallM + 1 + r.IntN(90)
			if i < 2 {
				m = active.smallM + i
			}
			n, k := 1+r.IntN(100), 1+r.IntN(100)
			beta := []float32{0, 1, -0.5}[i%3]
			p := newProblem(r, i%2 == 1, i%4 >= 2, m, n, k, 0.75, beta, nil)
			p.run(t, ctx)
		}
	})
}

// TestSgemmEveryRowCount covers every micro-kernel height and n edge.
func TestSgemmEveryRowCount(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		ctx := NewCtx(nil)
		for m := 1; m <= 45; m++ {
			p := newProblem(r, false, m%2 == 0, m, 37+m%5, 19, 1, float32(m%2), nil)
			p.run(t, ctx)
		}
	})
}

func TestSgemmEpilogue(t *testing.T) {
	acts := []vec.Act{{}, {Kind: vec.ActRelu}, {Kind: vec.ActClip, Alpha: -0.5, Beta: 0.5},
		{Kind: vec.ActLeakyRelu, Alpha: 0.1}, {Kind: vec.ActSigmoid}, {Kind: vec.ActTanh},
		{Kind: vec.ActGelu}, {Kind: vec.ActSilu}, {Kind: vec.ActHardSigmoid, Alpha: 0.2, Beta: 0.5}}
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		ctx := NewCtx(nil)
		for i, act := range acts {
			for _, mnk := range [][3]int{{1, 33, 20}, {7, 70, 9}, {45, 31, 300}, {100, 45, 50}} {
				m, n, k := mnk[0], mnk[1], mnk[2]
				ep := &Epilogue{Act: act}
				if i%3 != 2 {
					ep.BiasPerRow = i%3 == 1
					ep.Bias = randSlice(r, max(m, n))
				}
				if i%2 == 0 {
					ep.LDR = n + 2
					ep.Residual = randSlice(r, m*ep.LDR)
				}
				p := newProblem(r, i%2 == 1, i%4 < 2, m, n, k, 1.25, float32(i%2), ep)
				p.run(t, ctx)
			}
		}
	})
}

// TestSgemmLarge crosses every blocking boundary (mc, nc, kc) and runs
// on pools of 1, 2 and 3 threads.
func TestSgemmLarge(t *testing.T) {
	shapes := [][3]int{{257, 513, 129}, {130, 2100, 300}, {400, 45, 530}, {3, 600, 700}}
	r := rand.New(rand.NewPCG(7, 8))
	var probs []*problem
	for i, s := range shapes {
		if testing.Short() && i > 0 {
			break
		}
		ep := &Epilogue{Bias: randSlice(r, s[1]), Act: vec.Act{Kind: vec.ActRelu}}
		probs = append(probs, newProblem(r, i%2 == 1, i/2 == 1, s[0], s[1], s[2], 0.5, float32(i%2), ep))
	}
	forEachLevel(t, func(t *testing.T) {
		for threads := 1; threads <= 3; threads++ {
			ctx := NewCtx(parallel.New(threads))
			for _, p := range probs {
				p.run(t, ctx)
			}
		}
	})
}

// TestSgemmAlphaZeroIgnoresNaN: alpha = 0 and k = 0 skip the product and
// beta = 0 still ignores C.
func TestSgemmDegenerate(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	ctx := NewCtx(nil)
	for _, k := range []int{0, 5} {
		p := newProblem(r, false, false, 4, 5, k, 0, 0, nil)
		p.run(t, ctx)
		p = newProblem(r, false, false, 4, 5, k, 0, 2, &Epilogue{Bias: randSlice(r, 5)})
		p.run(t, ctx)
	}
}

// TestKernelsMatchGeneric checks each assembly micro-kernel against
// kernelGeneric directly, with a B row stride wider than the tile.
func TestKernelsMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, ks := range levels[1:] {
		for rows := 1; rows <= ks.mr; rows++ {
			for _, k := range []int{1, 3, 4, 9} {
				for bi, beta := range []float32{0, 0.5, 0, 0.5} {
					w := ks.nr
					if ks.masked && bi >= 2 {
						w = 1 + r.IntN(ks.nr-1)
					}
					a, b := randSlice(r, k*rows), randSlice(r, k*(ks.nr+5))
					ldc := ks.nr + 3
					want, got := randSlice(r, rows*ldc), make([]float32, rows*ldc)
					copy(got, want)
					ks.kern[rows-1](k, &a[0], &b[0], ks.nr+5, &got[0], ldc, 1.5, beta, colMask(w))
					for i := 0; i < rows; i++ {
						ref := make([]float32, ks.nr)
						copy(ref, want[i*ldc:])
						genericRow(a, b, rows, i, k, w, ks.nr+5, ref, 1.5, beta)
						for j := range ref {
							if d := math.Abs(float64(got[i*ldc+j] - ref[j])); d > 1e-5 {
								t.Fatalf("%s r=%d k=%d β=%v: [%d,%d] = %v, want %v", ks.level, rows, k, beta, i, j, got[i*ldc+j], ref[j])
							}
						}
					}
				}
			}
		}
	}
}

// TestRowKernelsMatchGeneric checks each kernRow kernel (A read in place,
// rows lda apart) against kernelGeneric on the same A packed.
func TestRowKernelsMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, ks := range levels[1:] {
		if ks.kernRow == nil {
			continue
		}
		for rows := 1; rows <= ks.mr; rows++ {
			for _, k := range []int{1, 3, 4, 9, 16} {
				for bi, beta := range []float32{0, 0.5, 0, 0.5} {
					w := ks.nr
					if bi >= 2 {
						w = 1 + r.IntN(ks.nr-1)
					}
					lda := k + 1 + r.IntN(5)
					a, b := randSlice(r, rows*lda), randSlice(r, k*(ks.nr+5))
					packed := make([]float32, k*rows)
					for i := range rows {
						for p := range k {
							packed[p*rows+i] = a[i*lda+p]
						}
					}
					ldc := ks.nr + 3
					want, got := randSlice(r, rows*ldc), make([]float32, rows*ldc)
					copy(got, want)
					ks.kernRow[rows-1](k, &a[0], lda, &b[0], ks.nr+5, &got[0], ldc, 1.5, beta, colMask(w))
					for i := 0; i < rows; i++ {
						ref := make([]float32, ks.nr)
						copy(ref, want[i*ldc:])
						genericRow(packed, b, rows, i, k, w, ks.nr+5, ref, 1.5, beta)
						for j := range ref {
							if d := math.Abs(float64(got[i*ldc+j] - ref[j])); d > 1e-5 {
								t.Fatalf("%s rows=%d k=%d lda=%d β=%v: [%d,%d] = %v, want %v", ks.level, rows, k, lda, beta, i, j, got[i*ldc+j], ref[j])
							}
						}
					}
				}
			}
		}
	}
}

// genericRow is row i of kernelGeneric's meaning for any tile width.
func genericRow(a, b []float32, r, i, k, nr, bs int, c []float32, alpha, beta float32) {
	for j := 0; j < nr; j++ {
		var s float32
		for p := 0; p < k; p++ {
			s += a[p*r+i] * b[p*bs+j]
		}
		c[j] = alpha*s + beta*c[j]
	}
}

func TestSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool allocate")
	}
	r := rand.New(rand.NewPCG(13, 14))
	for _, threads := range []int{1, 2} {
		ctx := NewCtx(parallel.New(threads))
		for _, s := range [][3]int{{1, 100, 70}, {100, 300, 300}} {
			m, n, k := s[0], s[1], s[2]
			a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
			pb := PackB(true, k, n, b, k)
			ep := &Epilogue{Bias: randSlice(r, n), Act: vec.Act{Kind: vec.ActRelu}}
			allocs := testing.AllocsPerRun(5, func() {
				ctx.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n, ep)
				ctx.Sgemm(true, true, m, n, k, 1, a, m, b, k, 1, c, n, nil)
				ctx.SgemmPackedB(false, m, 1, a, k, pb, 0, c, n, ep)
			})
			if allocs != 0 {
				t.Errorf("threads=%d %v: %v allocs per run", threads, s, allocs)
			}
		}
	}
}

func TestLevel(t *testing.T) {
	lv := availableLevels()
	want := lv[len(lv)-1]
	if env := os.Getenv("DLC_CPU"); slices.Contains(lv, env) {
		want = env
	}
	if Level() != want {
		t.Errorf("Level() = %q, want %q (available %v, DLC_CPU=%q)", Level(), want, lv, os.Getenv("DLC_CPU"))
	}
	if FMAPeak(5e6) <= 0 {
		t.Error("FMAPeak is not positive")
	}
}

// TestThreadCountInvariant: every element is computed by the same kernel
// calls whatever the split, so results are bitwise equal across pools.
func TestThreadCountInvariant(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, s := range [][3]int{{300, 200, 500}, {5, 900, 400}} {
		m, n, k := s[0], s[1], s[2]
		a, b := randSlice(r, m*k), randSlice(r, k*n)
		c1, c3 := make([]float32, m*n), make([]float32, m*n)
		NewCtx(nil).Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c1, n, nil)
		NewCtx(parallel.New(3)).Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c3, n, nil)
		for i := range c1 {
			if c1[i] != c3[i] {
				t.Fatalf("%v: element %d differs: %v (1 thread) vs %v (3 threads)", s, i, c1[i], c3[i])
			}
		}
	}
}
