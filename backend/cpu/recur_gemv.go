package cpu

import "github.com/dlc-go/dlc/backend/cpu/vec"

//go:generate go run -C _gen ./recur -pkg cpu -out ../gen_recur_amd64.s -stubs ../gen_recur_amd64.go

// The recurrent half of an RNN step at small batch is a GEMV per row,
// g += x·B with B the k×n recurrent weights (k = hidden size): every
// weight is read once per step and used once, so the step is bound by
// reading B from cache. recurW packs B so that the read is one sequential
// stream per panel, and recurW.mulAdd walks the panels in alternate
// directions on alternate steps: B is about the size of L2 for the usual
// hidden sizes (256: 1 MiB), and a cyclic sweep over a working set that
// does not quite fit evicts every line just before its next use, while a
// back-and-forth sweep starts where the previous one ended, on lines
// still cached.
//
// Measured (Zen 4 VM, one thread, AVX-512, BenchmarkRecurMulAdd): hidden
// 256 (1 MiB) 9.8 µs per step alternating, 10.7 µs always forward, i.e.
// ~106 GB/s, about 29 bytes per cycle: the L2→L1 bandwidth, which the
// 256 KiB of hidden 128 (110 GB/s) and the 4 MiB of hidden 512 (97 GB/s,
// from L3) also hit, while a 16 KiB L1-resident panel runs at 160 GB/s.
// Software prefetching and 256-column panels (16 accumulators) measured
// no better.

// recurAlign is the column multiple a recurW is padded to: the narrowest
// panel.
const recurAlign = 16

// recurPanelWidths are the panel widths, widest first (the generator in
// _gen/recur has the same list): full panels of 128 columns, then the rest
// of n in one panel of each narrower width it needs.
var recurPanelWidths = [...]int{128, 64, 32, 16}

// recurW is a k×n matrix B, n padded to recurAlign with zero columns,
// packed as consecutive column panels; a panel of width w starting at
// column j0 holds its k rows of w floats one after the other.
type recurW struct {
	k, n   int
	data   []float32
	panels []recurPanel
}

// recurPanel is one panel: columns [col, col+w), data from off.
type recurPanel struct{ col, w, off int }

// newRecurW allocates a zero k×n recurW (n a multiple of recurAlign).
func newRecurW(k, n int) *recurW {
	p := &recurW{k: k, n: n, data: make([]float32, k*n)}
	for col := 0; col < n; {
		w := recurPanelWidths[0]
		for _, pw := range recurPanelWidths {
			if pw <= n-col {
				w = pw
				break
			}
		}
		p.panels = append(p.panels, recurPanel{col: col, w: w, off: col * k})
		col += w
	}
	return p
}

// pack sets B[kk][j] = src[rows[j]·ld + kk] for kk < k, or 0 where
// rows[j] < 0 (padding): column j of B is row rows[j] of src, as when B
// is the transpose of an ONNX weight [gates·hidden, k] with its gate rows
// permuted. len(rows) = n.
func (p *recurW) pack(src []float32, ld int, rows []int) {
	for _, pn := range p.panels {
		dst := p.data[pn.off : pn.off+p.k*pn.w]
		for c := 0; c < pn.w; c++ {
			row := rows[pn.col+c]
			if row < 0 {
				for kk := 0; kk < p.k; kk++ {
					dst[kk*pn.w+c] = 0
				}
				continue
			}
			s := src[row*ld : row*ld+p.k]
			for kk, v := range s {
				dst[kk*pn.w+c] = v
			}
		}
	}
}

// mulAdd adds x_b·B to g_b for m rows: x_b = x[b·ldx:][:k], g_b =
// g[b·ldg:][:n]. reverse walks the panels last to first. Each panel is
// applied to every row before the next, so that it stays in L1/L2 across
// the rows.
func (p *recurW) mulAdd(m int, x []float32, ldx int, g []float32, ldg int, reverse bool) {
	if p.k == 0 || m == 0 {
		return
	}
	_, _ = x[(m-1)*ldx+p.k-1], g[(m-1)*ldg+p.n-1]
	l := vec.Active()
	np := len(p.panels)
	for i := range np {
		pn := p.panels[i]
		if reverse {
			pn = p.panels[np-1-i]
		}
		r := p.data[pn.off : pn.off+p.k*pn.w]
		for b := 0; b < m; b++ {
			xb, gb := x[b*ldx:b*ldx+p.k], g[b*ldg+pn.col:b*ldg+pn.col+pn.w]
			if !recurPanelSIMD(l, xb, r, gb) {
				recurPanelGo(xb, r, gb)
			}
		}
	}
}

// recurPanelGo is the meaning of one panel product (and of the SIMD
// versions, which fuse each multiply-add and keep the same order of
// additions per column): g[j] += Σ_kk x[kk]·r[kk·len(g) + j].
func recurPanelGo(x, r, g []float32) {
	w := len(g)
	for kk, xv := range x {
		row := r[kk*w : kk*w+w]
		for j, v := range row {
			g[j] += xv * v
		}
	}
}
