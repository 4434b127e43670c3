package gemm

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
)

// runFilled computes p (alpha 1, beta 0) through SgemmFilledB,
// SgemmFilledA and, when B is not transposed, SgemmPackedACols, with
// fillers that pack the explicit operands, and checks each.
func (p *problem) runFilled(t *testing.T, ctx *Ctx) {
	t.Helper()
	pa := PackA(p.transA, p.m, p.k, p.a, p.lda)
	fillB := func(dst []float32, j0, cols, p0, kb int) {
		packB(pa.ks, dst, p.transB, p.b, p.ldb, j0, cols, p0, kb)
	}
	c := append([]float32(nil), p.c0...)
	ctx.SgemmFilledB(pa, p.n, fillB, c[guard:], p.ldc, p.ep)
	p.check(t, c)
	if !p.transB {
		c = append(c[:0], p.c0...)
		ctx.SgemmPackedACols(pa, p.n, p.b, p.ldb, c[guard:], p.ldc, p.ep)
		p.check(t, c)
	}
	pb := PackB(p.transB, p.k, p.n, p.b, p.ldb)
	fillA := func(dst []float32, i0, rows, p0, kb int) {
		packA(pb.ks, dst, p.transA, p.a, p.lda, i0, rows, p0, kb)
	}
	c = append(c[:0], p.c0...)
	var mu sync.Mutex
	covered := make([]int, p.m*p.n)
	done := func(_, i0, rows, j0, cols int) {
		mu.Lock()
		defer mu.Unlock()
		for i := i0; i < i0+rows; i++ {
			for j := j0; j < j0+cols; j++ {
				covered[i*p.n+j]++
			}
		}
	}
	ctx.SgemmFilledA(p.m, fillA, pb, c[guard:], p.ldc, p.ep, done)
	p.check(t, c)
	for i, n := range covered {
		if n != 1 {
			t.Fatalf("%s: SgemmFilledA reported C[%d,%d] done %d times", p, i/p.n, i%p.n, n)
		}
	}
}

// TestSgemmFilled covers the filled entry points at every level on 1–3
// threads: row and column tails, depths over several kc slices, several
// column chunks, and the epilogue.
func TestSgemmFilled(t *testing.T) {
	defer func(c int) { filledChunk = c }(filledChunk)
	filledChunk = 1 // a one-panel chunk: many chunks per thread
	r := rand.New(rand.NewPCG(31, 32))
	var probs []*problem
	// Odd cases have epilogues, which the AVX-512 kernels apply in their
	// store (1 with a residual).
	for i, mnk := range [][3]int{{1, 1, 1}, {13, 70, 500}, {14, 32, 17}, {29, 70, 390}, {45, 100, 800}, {17, 50, 400}, {70, 9, 30}, {20, 40, 500}} {
		var ep *Epilogue
		if i%2 == 1 {
			ep = &Epilogue{Bias: randSlice(r, max(mnk[0], mnk[1])), BiasPerRow: true, Act: vec.Act{Kind: vec.ActClip, Alpha: -0.5, Beta: 0.5}}
			switch i {
			case 1:
				ep.LDR = mnk[1] + 3
				ep.Residual = randSlice(r, mnk[0]*ep.LDR)
			case 5:
				ep.Bias, ep.Act = nil, vec.Act{Kind: vec.ActRelu}
			case 7:
				ep.Act = vec.Act{}
			}
		}
		probs = append(probs, newProblem(r, i%3 == 1, i%3 == 2, mnk[0], mnk[1], mnk[2], 1, 0, ep))
	}
	forEachLevel(t, func(t *testing.T) {
		for threads := 1; threads <= 3; threads++ {
			ctx := NewCtx(parallel.New(threads))
			for _, p := range probs {
				p.runFilled(t, ctx)
			}
		}
	})
	filledChunk = 96 << 10
	p := newProblem(r, false, false, 30, 2000, 50, 1, 0, nil)
	p.runFilled(t, NewCtx(parallel.New(2)))
}

// TestPackSegmentRows compares PackSegmentRows (assembly where the machine
// has it) with packSegmentsGeneric on random tables, every width 1–32,
// with NaN guards after the rows.
func TestPackSegmentRows(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	const planeLen = 97
	src := randSlice(r, 6*planeLen)
	for w := 1; w <= 32; w++ {
		for trial := 0; trial < 4; trial++ {
			taps, nseg := 1+r.IntN(5), 1+r.IntN(3)
			segs := make([]Segment, taps*nseg)
			for i := range segs {
				if r.IntN(4) == 0 {
					continue // an unused segment
				}
				a := r.IntN(w)
				b := a + 1 + r.IntN(w-a)
				s := Segment{Mask: uint32((uint64(1)<<b - 1) &^ (uint64(1)<<a - 1))}
				s.Off = int32(r.IntN(planeLen-b+a+1) - a) // lanes a..b-1 read [Off+a, Off+b)
				segs[i] = s
			}
			st := NewSegmentTable(segs, taps, nseg)
			t0 := r.IntN(taps)
			rows := (5*taps - t0) - r.IntN(taps) // up to 5 planes
			got := make([]float32, rows*w+guard)
			want := make([]float32, rows*w)
			for i := range got {
				got[i] = float32(math.NaN())
			}
			PackSegmentRows(got, w, src, planeLen, &st, t0, rows)
			packSegmentsGeneric(want, w, src, planeLen, &st, t0, rows)
			for i, v := range want {
				if got[i] != v {
					t.Fatalf("w=%d taps=%d nseg=%d t0=%d rows=%d: element %d = %v, want %v", w, taps, nseg, t0, rows, i, got[i], v)
				}
			}
			for i := rows * w; i < len(got); i++ {
				if !math.IsNaN(float64(got[i])) {
					t.Fatalf("w=%d: wrote past the rows at %d", w, i)
				}
			}
		}
	}
}

// TestTranspose checks Transpose at every level for row counts across
// the SIMD block and strides wider than the matrices, with NaN guards.
func TestTranspose(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(37, 38))
		for _, rows := range []int{0, 1, 15, 16, 17, 31, 32, 33, 64, 70} {
			for _, cols := range []int{1, 5, 16, 40} {
				lds, ldd := cols+r.IntN(3), rows+r.IntN(3)
				src := randSlice(r, rows*lds)
				dst := make([]float32, cols*ldd+guard)
				for i := range dst {
					dst[i] = float32(math.NaN())
				}
				Transpose(dst, ldd, src, lds, rows, cols, make([]float32, TransposeRows()*cols))
				for j := 0; j < cols; j++ {
					for i := 0; i < ldd; i++ {
						got := dst[j*ldd+i]
						if i < rows && got != src[i*lds+j] || i >= rows && !math.IsNaN(float64(got)) {
							t.Fatalf("rows=%d cols=%d: dst[%d,%d] = %v", rows, cols, j, i, got)
						}
					}
				}
				for _, v := range dst[cols*ldd:] {
					if !math.IsNaN(float64(v)) {
						t.Fatalf("rows=%d cols=%d: wrote past the end", rows, cols)
					}
				}
			}
		}
	})
}
