package gemm

import "os"

// microKernel computes one register tile; its meaning is kernelGeneric with
// the tile's row count: acc = Σ_p a[p·r+i]·b[p·bstride+j] over k steps for
// r rows and nr columns, then C = alpha·acc (beta = 0, C not read) or
// C = alpha·acc + beta·C. It reads exactly nr columns of B per step and
// writes exactly nr columns of C per row, except in a masked set, whose
// kernels touch only the columns j with bit j of mask set (a prefix).
type microKernel func(k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, mask uint32)

// rowMicroKernel is a masked microKernel that reads A in place: r rows
// lda elements apart, element (i, p) at a[i*lda+p], instead of packed.
type rowMicroKernel func(k int, a *float32, lda int, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, mask uint32)

// epMicroKernel is a masked microKernel (alpha 1, beta 0 or 1) whose
// store applies a simple epilogue: C = min(max(acc (+ C) + bias[i]
// (+ res[i·ldr+j] when res is not nil), lo), hi) for tile row i.
type epMicroKernel func(k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, mask uint32, bias *float32, lo, hi float32, res *float32, ldr int)

// rowEpMicroKernel is an epMicroKernel reading A in place, as
// rowMicroKernel does.
type rowEpMicroKernel func(k int, a *float32, lda int, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, mask uint32, bias *float32, lo, hi float32, res *float32, ldr int)

// kernelSet is one ISA level: its micro-kernels and the cache blocking
// tuned for them. Packed operands remember the set they were packed for.
type kernelSet struct {
	level string
	mr    int // rows of a full tile
	nr    int // columns of a tile
	kc    int // depth of a packed block (k dimension)
	mc    int // rows of A packed per block, a multiple of mr
	nc    int // columns of B packed per block, a multiple of nr
	// smallM: calls with m ≤ smallM skip the shared packed B block and
	// stream B panel by panel (see small.go).
	smallM int
	kern   []microKernel // kern[r-1] computes r ≤ mr rows
	masked bool          // kern honours mask: edge tiles go straight to C
	// gemv, when set, is a one-row kernel gemvN columns wide, for m = 1
	// against an unpacked B: it reads B rows in longer runs.
	gemv  microKernel
	gemvN int
	// Optional packers of one full panel (mr rows of A, nr columns of B)
	// in the layout of pack.go; nil: the Go loops. gather* transpose
	// (rows ld apart become consecutive steps), copy* copy rows.
	gatherA, copyA, copyB, gatherB panelPacker
	// gatherMasked, when set, gathers the partial panels (A's last rows,
	// Bᵀ's last columns): see packgather_masked.
	gatherMasked func(kb int, src *float32, ld int, dst *float32, gmask, smask uint32, dw int)
	// kernRow[r-1], when set, is kern[r-1] reading a row-major A in
	// place (float32 sets only): the small path uses it when packing A
	// would cost more than the product saves (rowKernelsPay).
	kernRow []rowMicroKernel
	// epKernCol and epKernRowCol, when set, are epKern with a bias per
	// column (bias[j]), A packed or read in place.
	epKernCol    []epMicroKernel
	epKernRowCol []rowEpMicroKernel
	// epKern[r-1], when set, is kern[r-1] storing with a per-row bias
	// and a clamp (see epMicroKernel); masked sets only.
	epKern []epMicroKernel
	// Optional epilogue additions over a multiple of 32 floats; nil: Go.
	addVec    func(dst, src *float32, n int)
	addScalar func(dst *float32, s float32, n int)

	// Reduced precision (precision.go). pairs: packed operands hold
	// bfloat16 pairs of depth steps (pairConvert makes them from packed
	// float32 panels) and kern takes pair steps. round, when set, rounds
	// packed float32 panels in place before the float32 kernels use them.
	pairs       bool
	pairConvert func(kb int, src []float32, w int, dst []float32)
	round       func(x []float32)
	// Fused pair packers of full panels (archPrecisionKernels); nil:
	// pack float32 into a scratch panel, then pairConvert.
	pairCopyA, pairGatherA, pairCopyB, pairGatherB panelPacker
}

// panelPacker packs kb steps of one full panel into dst from src, whose
// rows are ld elements apart.
type panelPacker func(kb int, src *float32, ld int, dst *float32)

// levels lists the kernel sets this machine can run, generic first and
// the best last; active is the one in use.
var (
	levels []*kernelSet
	active *kernelSet
)

func init() {
	levels = append([]*kernelSet{genericSet()}, archKernelSets()...)
	active = levels[len(levels)-1]
	if want := os.Getenv("DLC_CPU"); want != "" {
		// DLC_CPU can only lower the level: an unknown or unavailable name
		// keeps the best one.
		for _, ks := range levels {
			if ks.level == want {
				active = ks
			}
		}
	}
}

// Level is the ISA the kernels in use were written for: "avx512", "avx2"
// or "generic".
func Level() string { return active.level }

// PanelShape is the register tile of the level in use: operands packed
// now (PackA, PackB) have row panels mr high and column panels nr wide.
func PanelShape() (mr, nr int) { return active.mr, active.nr }

// colMask is the kernel mask selecting the first w columns.
func colMask(w int) uint32 {
	if w >= 32 {
		return ^uint32(0)
	}
	return 1<<w - 1
}

// availableLevels lists the levels this machine can run (for tests).
func availableLevels() []string {
	var s []string
	for _, ks := range levels {
		s = append(s, ks.level)
	}
	return s
}

// setLevel is the test hook that forces a level; it returns a function
// restoring the previous one. It is not safe to call concurrently with
// GEMMs.
func setLevel(name string) (restore func()) {
	prev := active
	for _, ks := range levels {
		if ks.level == name {
			active = ks
		}
	}
	if active.level != name {
		panic("gemm: level " + name + " not available")
	}
	return func() { active = prev }
}
