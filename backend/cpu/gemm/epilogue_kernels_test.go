package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
)

// TestSgemmEpilogueInKernel covers the epilogues the micro-kernels apply
// in their store (alpha 1, beta 0 or 1, no activation, ReLU or Clip, a
// bias per row, per column or none, a residual or none) on the small and
// blocked paths, A in place and packed, one and several depth blocks, and
// checks at the AVX-512 level that the store really took them.
func TestSgemmEpilogueInKernel(t *testing.T) {
	acts := []vec.Act{{}, {Kind: vec.ActRelu}, {Kind: vec.ActClip, Alpha: -0.3, Beta: 0.4}}
	shapes := [][3]int{{5, 70, 9}, {28, 28, 16}, {33, 47, 400}, {150, 45, 64}, {200, 100, 500}}
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(31, 32))
		ctx := NewCtx(parallel.New(2))
		for i, s := range shapes {
			for bias := range 3 { // none, per column, per row
				for _, transA := range []bool{false, true} {
					m, n, k := s[0], s[1], s[2]
					ep := &Epilogue{Act: acts[(i+bias)%len(acts)]}
					switch bias {
					case 1:
						ep.Bias = randSlice(r, max(m, n)) // the reference reads Bias[j] either way
					case 2:
						ep.Bias, ep.BiasPerRow = randSlice(r, max(m, n)), true
					}
					if (i+bias)%2 == 0 {
						ep.LDR = n + 3
						ep.Residual = randSlice(r, m*ep.LDR)
					}
					beta := float32((i + bias) % 2)
					p := newProblem(r, transA, i%2 == 1, m, n, k, 1, beta, ep)
					t.Run(fmt.Sprintf("%dx%dx%d/bias%d/transA=%v", m, n, k, bias, transA), func(t *testing.T) {
						p.run(t, ctx)
						if active.epKernCol == nil {
							return
						}
						cl := call{ks: active, m: m, n: n, k: k, alpha: 1, beta: beta, ep: ep}
						rowsA := !transA && (k <= active.kc || (m <= active.smallM && ceilDiv(n, active.nr) <= 2))
						cl.planEpilogue(rowsA)
						if want := !(rowsA && bias == 2); cl.epInKernel != want {
							t.Errorf("epilogue in the kernel: %v, want %v", cl.epInKernel, want)
						}
					})
				}
			}
		}
	})
}

// TestReducedPrecisionEpilogueInKernel runs the in-store epilogues of the
// reduced-precision sets (the bfloat16-pair kernels' per-column form, the
// rounded sets' float32 kernels) against float64 products of the rounded
// operands, and checks the pair set takes a column bias in its store.
func TestReducedPrecisionEpilogueInKernel(t *testing.T) {
	shapes := [][3]int{{20, 45, 30}, {150, 70, 64}, {90, 33, 900}}
	for _, prec := range []Precision{BFloat16, Float16} {
		for name, ks := range precisionSetsFor(t, prec) {
			t.Run(prec.String()+"/"+name, func(t *testing.T) {
				r := rand.New(rand.NewPCG(41, uint64(prec)))
				ctx := NewCtx(parallel.New(2))
				for i, s := range shapes {
					for bias := range 3 {
						m, n, k := s[0], s[1], s[2]
						ep := &Epilogue{Act: vec.Act{Kind: vec.ActRelu}}
						switch bias {
						case 1:
							ep.Bias = randSlice(r, max(m, n))
						case 2:
							ep.Bias, ep.BiasPerRow = randSlice(r, max(m, n)), true
						}
						if (i+bias)%2 == 1 {
							ep.LDR = n + 1
							ep.Residual = randSlice(r, m*ep.LDR)
						}
						p := newProblem(r, i%2 == 1, false, m, n, k, 1, float32(i%2), ep)
						q := roundedProblem(p, prec)
						c := append([]float32(nil), p.c0...)
						cl := call{ks: ks, transA: p.transA, m: m, n: n, k: k, alpha: 1, a: p.a, lda: p.lda, b: p.b, ldb: p.ldb,
							beta: p.beta, c: c[guard:], ldc: p.ldc, ep: ep}
						ctx.run(cl)
						q.check(t, c)
						cl.planEpilogue(false)
						if ks.level == "avx512-bf16" && bias == 1 && !cl.epInKernel {
							t.Errorf("%s: a column bias is not applied in the store", ks.level)
						}
					}
				}
			})
		}
	}
}
