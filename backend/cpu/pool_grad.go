package cpu

import (
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// dlc.MaxPoolGrad and dlc.AveragePoolGrad over NCHW float32 (2-D, or 1-D
// as H=1): each output gradient goes back over its window's taps, as in
// backend/ref/grad_pool.go — to the window's first maximum of X in
// row-major tap order (MaxPool's choice on ties, such as a window of
// ReLU zeros), or spread evenly over its divisor. Planes run in parallel;
// each is cleared and then accumulated by one thread.

func init() {
	Register(ir.OpKey(ir.FusedDomain, "MaxPoolGrad"), func(n *ir.Node, env *Env) Kernel { return buildPoolGrad(n, env, true) })
	Register(ir.OpKey(ir.FusedDomain, "AveragePoolGrad"), func(n *ir.Node, env *Env) Kernel { return buildPoolGrad(n, env, false) })
}

// poolGradKernel is a pooling gradient specialized to its shapes.
type poolGradKernel struct {
	g                    win2
	max, includePad      bool
	max2x2               bool // 2×2 windows at stride 2, unpadded, each wholly inside X
	nPlanes              int
	inPlane, outPlane    int
	rowLo, rowHi, rowPad []int // valid kernel rows per output row, and taps in the padded input
	colLo, colHi, colPad []int
	pool                 *parallel.Pool
	parts                int
	planeFn              func(part int)
	x, dy, dx            []float32 // per call
}

func buildPoolGrad(n *ir.Node, env *Env, isMax bool) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok {
		return nil
	}
	xs, ys := shapes[0], shapes[1]
	if len(xs) != 3 && len(xs) != 4 || len(ys) != len(xs) {
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
	if !ok || ys[0] != xs[0] || ys[1] != xs[1] || ys[len(ys)-1] != g.ow || (len(ys) == 4 && ys[2] != g.oh) {
		return nil
	}
	k := &poolGradKernel{g: g, max: isMax, nPlanes: xs[0] * xs[1], inPlane: g.h * g.w, outPlane: g.oh * g.ow, pool: env.Pool}
	if !isMax {
		k.includePad = n.Int("count_include_pad") != 0
	}
	k.rowLo, k.rowHi, k.rowPad = windowRanges(g.oh, g.sh, g.ph, g.peh, g.dh, g.kh, g.h)
	k.colLo, k.colHi, k.colPad = windowRanges(g.ow, g.sw, g.pw, g.pew, g.dw, g.kw, g.w)
	for i := range k.rowLo {
		if k.rowLo[i] >= k.rowHi[i] {
			return nil // a window over padding only: the reference reports it
		}
	}
	for i := range k.colLo {
		if k.colLo[i] >= k.colHi[i] {
			return nil
		}
	}
	k.max2x2 = isMax && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 &&
		g.ph == 0 && g.pw == 0 && 2*g.oh <= g.h && 2*g.ow <= g.w
	k.parts = min(k.nPlanes, 4*env.Pool.Threads())
	k.planeFn = k.planes
	return k
}

// Run computes dX from X and dY.
func (k *poolGradKernel) Run(in, out []*ir.Tensor) {
	k.x, k.dy, k.dx = f32(in[0]), f32(in[1]), f32(out[0])
	k.pool.For(k.parts, k.planeFn)
	k.x, k.dy, k.dx = nil, nil, nil
}

// planes computes part of the planes.
func (k *poolGradKernel) planes(part int) {
	for p := part * k.nPlanes / k.parts; p < (part+1)*k.nPlanes/k.parts; p++ {
		x := k.x[p*k.inPlane : (p+1)*k.inPlane]
		dx := k.dx[p*k.inPlane : (p+1)*k.inPlane]
		dy := k.dy[p*k.outPlane : (p+1)*k.outPlane]
		clear(dx)
		switch {
		case k.max2x2:
			k.maxPlane2x2(dx, x, dy)
		case k.max:
			k.maxPlane(dx, x, dy)
		default:
			k.avgPlane(dx, dy)
		}
	}
}

// maxPlane adds each dY element at its window's first maximum.
func (k *poolGradKernel) maxPlane(dx, x, dy []float32) {
	g := &k.g
	for oh := 0; oh < g.oh; oh++ {
		ih0 := oh*g.sh - g.ph
		for ow := 0; ow < g.ow; ow++ {
			iw0 := ow*g.sw - g.pw
			at := -1
			var best float32
			for i := k.rowLo[oh]; i < k.rowHi[oh]; i++ {
				row := (ih0 + i*g.dh) * g.w
				for j := k.colLo[ow]; j < k.colHi[ow]; j++ {
					p := row + iw0 + j*g.dw
					if v := x[p]; at < 0 || v > best {
						best, at = v, p
					}
				}
			}
			dx[at] += dy[oh*g.ow+ow]
		}
	}
}

// maxPlane2x2 is maxPlane for the common 2×2/2 pool: the windows do not
// overlap, so each dY element is stored, not added. The winner comes from
// a branch-free tournament of comparisons turned into 0/1 (on random or
// ReLU-sparse inputs the branches of maxPlane mispredict about once per
// window; measured 17 ns per output there). It is maxPlane's sequential
// first maximum: within a pair the later tap wins only when strictly
// greater, the second pair's winner likewise, and a NaN wins only as the
// first tap (a NaN third tap yields its pair to the fourth, which is then
// the sequential scan's next candidate).
func (k *poolGradKernel) maxPlane2x2(dx, x, dy []float32) {
	g := &k.g
	w := g.w
	for oh := 0; oh < g.oh; oh++ {
		base := 2 * oh * w
		r0, r1 := x[base:][:2*g.ow], x[base+w:][:2*g.ow]
		d := dx[base:][:w+2*g.ow]
		dyr := dy[oh*g.ow:][:g.ow]
		for ow, v := range dyr {
			j := 2 * ow
			win := [4]float32{r0[j], r0[j+1], r1[j], r1[j+1]}
			t01 := b2i(win[1] > win[0])
			t23 := b2i(win[3] > win[2]) | b2i(win[2] != win[2])
			tt := b2i(win[2+t23] > win[t01])
			at := tt*(2+t23) + (1-tt)*t01
			d[(at>>1)*w+j+at&1] = v
		}
	}
}

// b2i is 1 for true, 0 for false (compiled to a SETcc).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// avgPlane spreads each dY element over its window's taps.
func (k *poolGradKernel) avgPlane(dx, dy []float32) {
	g := &k.g
	for oh := 0; oh < g.oh; oh++ {
		ih0 := oh*g.sh - g.ph
		rows := k.rowHi[oh] - k.rowLo[oh]
		for ow := 0; ow < g.ow; ow++ {
			iw0 := ow*g.sw - g.pw
			div := rows * (k.colHi[ow] - k.colLo[ow])
			if k.includePad {
				div = k.rowPad[oh] * k.colPad[ow]
			}
			share := dy[oh*g.ow+ow] / float32(div)
			for i := k.rowLo[oh]; i < k.rowHi[oh]; i++ {
				row := (ih0 + i*g.dh) * g.w
				for j := k.colLo[ow]; j < k.colHi[ow]; j++ {
					dx[row+iw0+j*g.dw] += share
				}
			}
		}
	}
}
