package cpu

import (
	"math"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// MaxPool and AveragePool over NCHW float32 (2-D, or 1-D as H=1), and the
// global pools, parallel over the N·C planes. MaxPool 3×3 with stride 1
// or 2 and left padding ≤ 1 uses the in-place AVX-512 routines of
// conv_depthwise_plane.go where the level has them (padding reads as
// −Inf). Otherwise window bounds are clipped to the input once per output
// row and column (precomputed when the kernel is built), so the inner
// loops have no padding tests, and windows are reduced separably: over
// their rows with whole-row SIMD loops, then over their columns. Where a
// window holds a NaN, MaxPool's result may be NaN or the max of the
// others (the reference keeps the first NaN only if it comes first);
// everything else matches the reference up to float32 rounding.

func init() {
	Register("MaxPool", func(n *ir.Node, env *Env) Kernel { return buildPool(n, env, true) })
	Register("AveragePool", func(n *ir.Node, env *Env) Kernel { return buildPool(n, env, false) })
	Register("GlobalAveragePool", func(n *ir.Node, env *Env) Kernel { return buildGlobalPool(n, env, false) })
	Register("GlobalMaxPool", func(n *ir.Node, env *Env) Kernel { return buildGlobalPool(n, env, true) })
}

// poolKernel is a windowed pool specialized to its shapes.
type poolKernel struct {
	g                 win2
	max               bool
	includePad        bool
	nPlanes           int
	inPlane, outPlane int
	// Valid kernel tap ranges per output row and column, and the number
	// of taps inside the padded input (AveragePool's count_include_pad
	// divisor factors).
	rowLo, rowHi, rowPad []int
	colLo, colHi, colPad []int
	pool                 *parallel.Pool
	rows                 [][]float32 // per part, one input row of partial results
	win                  *win3       // MaxPool 3×3 in place (conv_depthwise_plane.go), or nil
	planeFn              func(part int)
	x, y                 []float32
}

func buildPool(n *ir.Node, env *Env, isMax bool) Kernel {
	if hasEmpty(n) {
		return nil
	}
	if n.Out(1) != nil { // MaxPool's Indices
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok {
		return nil
	}
	xs := shapes[0]
	if len(xs) != 3 && len(xs) != 4 {
		return nil
	}
	if _, ok := outShape(n, 0); !ok {
		return nil
	}
	ks := n.Ints("kernel_shape")
	if len(ks) != len(xs)-2 {
		return nil
	}
	kernel := make([]int, len(ks))
	for i, v := range ks {
		kernel[i] = int(v)
	}
	geom, err := ir.WindowGeometry(n, xs[2:], kernel, n.Int("ceil_mode") != 0)
	if err != nil {
		return nil
	}
	g, ok := newWin2(geom)
	if !ok {
		return nil
	}
	k := &poolKernel{g: g, max: isMax, nPlanes: xs[0] * xs[1], inPlane: g.h * g.w, outPlane: g.oh * g.ow, pool: env.Pool}
	if !isMax {
		k.includePad = n.Int("count_include_pad") != 0
	}
	k.rowLo, k.rowHi, k.rowPad = windowRanges(g.oh, g.sh, g.ph, g.peh, g.dh, g.kh, g.h)
	k.colLo, k.colHi, k.colPad = windowRanges(g.ow, g.sw, g.pw, g.pew, g.dw, g.kw, g.w)
	for i := range k.rowLo {
		if k.rowLo[i] >= k.rowHi[i] && isMax {
			return nil // a window over padding only: the reference reports it
		}
	}
	for i := range k.colLo {
		if k.colLo[i] >= k.colHi[i] && isMax {
			return nil
		}
	}
	if isMax {
		k.win, _ = newWin3(&g, float32(math.Inf(-1)))
	}
	k.rows = make([][]float32, min(k.nPlanes, 4*env.Pool.Threads()))
	for i := range k.rows {
		k.rows[i] = make([]float32, g.w)
	}
	k.planeFn = k.planes
	return k
}

// windowRanges returns, for each of out outputs along one dim, the kernel
// taps [lo, hi) that land inside the input of size size, and how many
// taps land inside the padded input [-pad, size+padEnd).
func windowRanges(out, stride, pad, padEnd, dil, kernel, size int) (lo, hi, padded []int) {
	lo, hi, padded = make([]int, out), make([]int, out), make([]int, out)
	for o := range out {
		start := o*stride - pad
		lo[o], hi[o] = validRange(start, dil, size, kernel)
		l, h := validRange(start+pad, dil, size+pad+padEnd, kernel)
		padded[o] = h - l
	}
	return lo, hi, padded
}

// Run pools every plane of X into Y.
func (k *poolKernel) Run(in, out []*ir.Tensor) {
	k.x, k.y = f32(in[0]), f32(out[0])
	k.pool.For(len(k.rows), k.planeFn)
	k.x, k.y = nil, nil
}

// planes pools thread part's share of the planes.
func (k *poolKernel) planes(part int) {
	parts := len(k.rows)
	p0, p1 := part*k.nPlanes/parts, (part+1)*k.nPlanes/parts
	if k.win != nil && p1 > p0 && k.win.maxPlanesSIMD(vec.Active(), k.x[p0*k.inPlane:], k.y[p0*k.outPlane:], p1-p0, k.inPlane) {
		return
	}
	for p := p0; p < p1; p++ {
		k.plane(p, k.rows[part])
	}
}

// plane pools plane p. Windows are separable: for each output row, the
// max (or sum) over the window's input rows is taken first, column by
// column, into rowBuf (contiguous loops), then over the window's columns.
func (k *poolKernel) plane(p int, rowBuf []float32) {
	g := &k.g
	x := k.x[p*k.inPlane : (p+1)*k.inPlane]
	y := k.y[p*k.outPlane : (p+1)*k.outPlane]
	for oh := 0; oh < g.oh; oh++ {
		ih0 := oh*g.sh - g.ph
		rlo, rhi := k.rowLo[oh], k.rowHi[oh]
		out := y[oh*g.ow : (oh+1)*g.ow]
		first := rlo + 1
		switch {
		case rlo >= rhi: // only reachable for AveragePool
			clear(rowBuf)
		case k.max && rhi-rlo >= 2:
			// The first two rows' max straight into rowBuf, without
			// copying the first.
			r0 := x[(ih0+rlo*g.dh)*g.w : (ih0+rlo*g.dh+1)*g.w]
			r1 := x[(ih0+(rlo+1)*g.dh)*g.w : (ih0+(rlo+1)*g.dh+1)*g.w]
			vec.Maximum(rowBuf, r0, r1)
			first = rlo + 2
		default:
			copy(rowBuf, x[(ih0+rlo*g.dh)*g.w:(ih0+rlo*g.dh+1)*g.w])
		}
		for i := first; i < rhi; i++ {
			src := x[(ih0+i*g.dh)*g.w : (ih0+i*g.dh+1)*g.w]
			if k.max {
				vec.Maximum(rowBuf, rowBuf, src)
			} else {
				vec.Add(rowBuf, rowBuf, src)
			}
		}
		if k.max {
			k.reduceMax(out, rowBuf)
		} else {
			k.reduceAvg(out, rowBuf, oh, rhi-rlo)
		}
	}
}

// reduceMax sets out[ow] to the max of rowBuf over column window ow.
func (k *poolKernel) reduceMax(out, rowBuf []float32) {
	g := &k.g
	if g.kw == 3 && g.dw == 1 {
		for ow := range out {
			iw0 := ow*g.sw - g.pw
			clo, chi := k.colLo[ow], k.colHi[ow]
			if clo == 0 && chi == 3 {
				r := rowBuf[iw0 : iw0+3 : iw0+3]
				out[ow] = max(r[0], r[1], r[2]) // builtin max: branch-free
				continue
			}
			out[ow] = maxTaps(rowBuf, iw0, clo, chi, 1)
		}
		return
	}
	if g.kw == 2 && g.dw == 1 {
		for ow := range out {
			iw0 := ow*g.sw - g.pw
			if k.colLo[ow] == 0 && k.colHi[ow] == 2 {
				r := rowBuf[iw0 : iw0+2 : iw0+2]
				out[ow] = max(r[0], r[1])
				continue
			}
			out[ow] = maxTaps(rowBuf, iw0, k.colLo[ow], k.colHi[ow], 1)
		}
		return
	}
	for ow := range out {
		out[ow] = maxTaps(rowBuf, ow*g.sw-g.pw, k.colLo[ow], k.colHi[ow], g.dw)
	}
}

// maxTaps is the max of r[iw0+j·dw] for j in [lo, hi), hi > lo.
func maxTaps(r []float32, iw0, lo, hi, dw int) float32 {
	best := r[iw0+lo*dw]
	for j := lo + 1; j < hi; j++ {
		best = max(best, r[iw0+j*dw])
	}
	return best
}

// reduceAvg sets out[ow] to the mean over column window ow of rowBuf,
// which holds the sums of rows valid input rows.
func (k *poolKernel) reduceAvg(out, rowBuf []float32, oh, rows int) {
	g := &k.g
	for ow := range out {
		iw0 := ow*g.sw - g.pw
		clo, chi := k.colLo[ow], k.colHi[ow]
		var s float32
		for j := clo; j < chi; j++ {
			s += rowBuf[iw0+j*g.dw]
		}
		cnt := max(rows, 0) * max(chi-clo, 0)
		if k.includePad {
			cnt = k.rowPad[oh] * k.colPad[ow]
		}
		out[ow] = s / float32(cnt)
	}
}

// globalPoolKernel reduces each plane to one value. Planes go to the
// threads in a few runs of at least globalPoolGrain elements: one plane
// is often tens of floats, too little to hand out alone.
type globalPoolKernel struct {
	max     bool
	planes  int
	inPlane int
	parts   int
	pool    *parallel.Pool
	partFn  func(part int)
	x, y    []float32
}

// globalPoolGrain is the least input a thread gets (elements).
const globalPoolGrain = 1 << 14

func buildGlobalPool(n *ir.Node, env *Env, isMax bool) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok || len(shapes[0]) < 3 {
		return nil
	}
	if _, ok := outShape(n, 0); !ok {
		return nil
	}
	xs := shapes[0]
	k := &globalPoolKernel{max: isMax, planes: xs[0] * xs[1], inPlane: 1, pool: env.Pool}
	for _, d := range xs[2:] {
		k.inPlane *= d
	}
	if k.inPlane == 0 {
		return nil
	}
	k.parts = max(1, min(env.Pool.Threads(), k.planes, k.planes*k.inPlane/globalPoolGrain))
	k.partFn = k.part
	return k
}

// Run reduces every plane of X.
func (k *globalPoolKernel) Run(in, out []*ir.Tensor) {
	k.x, k.y = f32(in[0]), f32(out[0])
	k.pool.For(k.parts, k.partFn)
	k.x, k.y = nil, nil
}

// part reduces thread part's share of the planes.
func (k *globalPoolKernel) part(part int) {
	for p := part * k.planes / k.parts; p < (part+1)*k.planes/k.parts; p++ {
		k.plane(p)
	}
}

func (k *globalPoolKernel) plane(p int) {
	x := k.x[p*k.inPlane : (p+1)*k.inPlane]
	if k.max {
		best := x[0]
		for _, v := range x[1:] {
			if v > best {
				best = v
			}
		}
		k.y[p] = best
		return
	}
	k.y[p] = vec.Sum(x) / float32(len(x))
}
