package cpu

import (
	"math"

	"github.com/dlc-go/dlc/backend/cpu/vec"
)

// Depthwise conv (group = C = M). 3×3 windows with stride 1 or 2 and
// left padding ≤ 1 (MobileNet's) take the in-place AVX-512 routines of
// conv_depthwise_plane.go where the level has them, with the bias and a
// ReLU or Clip applied in the same pass. Everything else is computed as
// whole-plane tap sums, described here. Each input
// plane is copied into a zero-padded plane of width Wp = W + pads; with
// stride s it is split into s×s phase planes (rows and columns ≡ r mod s)
// of width Wq = ⌈Wp/s⌉. Then output position (oh, ow) of tap (i, j) reads
// phase plane ((i·dh) mod s, (j·dw) mod s) at (oh + i·dh/s, ow + j·dw/s):
// in an output laid out with row stride Wq, every tap reads ONE contiguous
// run of the phase buffer at a fixed offset, and dwTaps sums all taps in
// one SIMD pass over the plane (conv_depthwise_taps.go). Columns ow ≥ OW
// of that layout are junk, dropped when the rows are copied to Y together
// with the residual and activation. Vectors stay full and the per-call
// overhead is per plane, not per row.

// dwLayout is the geometry of the phase planes.
type dwLayout struct {
	s, wq, hq  int // stride (equal in both dims), phase plane width and height
	phaseLen   int // elements of one phase plane, with a slack row
	outLen     int // OH·Wq
	taps       []dwTap
	offs       []int // each tap's flat offset in the phase buffer
	padW, padH int
	// plane is the in-place 3×3 path (conv_depthwise_plane.go) where the
	// window has one; it is used at the levels that have its routines.
	plane *win3
	zero  [1]float32 // the bias when there is none
}

// dwTap is one kernel tap: its phase plane and offset into it.
type dwTap struct{ phase, off int }

// dwScratch is one thread's buffers: the phase planes (their padding
// stays zero, the interior is rewritten per plane) and the output plane.
type dwScratch struct{ phases, out []float32 }

// newDWLayout returns the layout for g, which must have sh == sw.
func newDWLayout(g *win2) dwLayout {
	s := g.sw
	hp, wp := g.h+g.ph+g.peh, g.w+g.pw+g.pew
	l := dwLayout{s: s, wq: (wp + s - 1) / s, hq: (hp + s - 1) / s, padW: wp, padH: hp}
	// The junk columns of the last output row may read one row past the
	// last phase row.
	l.phaseLen = (l.hq + 1) * l.wq
	l.outLen = g.oh * l.wq
	l.plane, _ = newWin3(g, 0)
	for i := 0; i < g.kh; i++ {
		for j := 0; j < g.kw; j++ {
			a, b := i*g.dh, j*g.dw
			t := dwTap{phase: (a%s)*s + b%s, off: (a/s)*l.wq + b/s}
			l.taps = append(l.taps, t)
			l.offs = append(l.offs, t.phase*l.phaseLen+t.off)
		}
	}
	return l
}

// newScratch allocates one thread's buffers. The output plane is padded
// to a multiple of dwTapsBlock for the SIMD tap loop, and the phase
// buffer so that the padded reads of the last tap stay inside it.
func (l *dwLayout) newScratch() dwScratch {
	out := (l.outLen + dwTapsBlock - 1) / dwTapsBlock * dwTapsBlock
	phases := l.s * l.s * l.phaseLen
	for _, off := range l.offs {
		phases = max(phases, off+out)
	}
	return dwScratch{phases: make([]float32, phases), out: make([]float32, out)}
}

// depthwisePart computes thread part's share of the N·C planes.
func (k *convKernel) depthwisePart(part int) {
	parts := len(k.dwScratch)
	planes := k.batch * k.c
	p0, p1 := part*planes/parts, (part+1)*planes/parts
	if k.dw.plane != nil && k.depthwise3(p0, p1) {
		return
	}
	for p := p0; p < p1; p++ {
		k.depthwisePlane(p, &k.dwScratch[part])
	}
}

// depthwise3 computes planes [p0, p1) with the in-place 3×3 routines and
// reports whether the active level has them. Bias and a ReLU or Clip
// are applied in the routine; a residual or another activation goes
// over each plane right after it, while it is in cache.
func (k *convKernel) depthwise3(p0, p1 int) bool {
	t := &k.dw
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	post := k.z != nil
	switch k.act.Kind {
	case vec.ActNone:
	case vec.ActRelu:
		lo = 0
	case vec.ActClip:
		lo, hi = k.act.Alpha, k.act.Beta
	default:
		post = true
	}
	if post {
		lo, hi = float32(math.Inf(-1)), float32(math.Inf(1))
	}
	bias, bs := t.zero[:], 0
	if k.bias != nil {
		bias, bs = k.bias, 1
	}
	for p := p0; p < p1; {
		c := p % k.c
		n := min(p1-p, k.c-c) // the planes of one image share no weights with the next
		if post {
			n = 1
		}
		if !t.plane.dwPlanesSIMD(vec.Active(), k.x[p*k.inPlane:], k.y[p*k.outPlane:], k.w[9*c:], bias[c*bs:], bs, n, k.inPlane, lo, hi) {
			return false
		}
		if post {
			y := k.y[p*k.outPlane : (p+1)*k.outPlane]
			if k.z != nil {
				vec.Add(y, y, k.z[p*k.outPlane:])
			}
			k.act.Apply(y)
		}
		p += n
	}
	return true
}

// depthwisePlane computes output plane p (image p/C, channel p%C).
func (k *convKernel) depthwisePlane(p int, sc *dwScratch) {
	g, l := &k.g, &k.dw
	c := p % k.c
	k.splitPlane(sc.phases, k.x[p*k.inPlane:(p+1)*k.inPlane])
	var b float32
	if k.bias != nil {
		b = k.bias[c]
	}
	// The activation runs over the whole plane (junk columns included:
	// fewer, longer SIMD calls) unless a residual must come first.
	out := sc.out
	dwTaps(out, sc.phases, l.offs, k.w[c*len(l.offs):(c+1)*len(l.offs)], b)
	if k.z == nil {
		k.act.Apply(out)
	}
	y := k.y[p*k.outPlane : (p+1)*k.outPlane]
	for oh := 0; oh < g.oh; oh++ {
		row := y[oh*g.ow : (oh+1)*g.ow]
		copy(row, out[oh*l.wq:])
		if k.z != nil {
			vec.Add(row, row, k.z[p*k.outPlane+oh*g.ow:])
			k.act.Apply(row)
		}
	}
}

// splitPlane writes plane x into the interior of the phase planes: input
// (ih, iw) is padded position (hp, wp) = (ih+ph, iw+pw), which lands in
// phase plane (hp mod s, wp mod s) at (hp/s, wp/s).
func (k *convKernel) splitPlane(phases, x []float32) {
	g, l := &k.g, &k.dw
	s := l.s
	for ih := 0; ih < g.h; ih++ {
		src := x[ih*g.w : (ih+1)*g.w]
		hp := ih + g.ph
		rowBase := (hp%s)*s*l.phaseLen + (hp/s)*l.wq
		switch s {
		case 1:
			copy(phases[rowBase+g.pw:], src)
			continue
		case 2:
			split2(phases[rowBase:rowBase+l.wq], phases[rowBase+l.phaseLen:rowBase+l.phaseLen+l.wq], src, g.pw)
			continue
		}
		for cp := 0; cp < s; cp++ {
			iw0 := ((cp-g.pw)%s + s) % s // first iw with (iw+pw) mod s = cp
			dst := phases[rowBase+cp*l.phaseLen+(iw0+g.pw)/s:]
			o := 0
			for iw := iw0; iw < g.w; iw += s {
				dst[o] = src[iw]
				o++
			}
		}
	}
}

// split2 is splitPlane's column split for stride 2: src[iw] goes to even
// or odd at (iw+pw)/2 by the parity of iw+pw. The bulk, in blocks of 16,
// runs in SIMD where the level has it.
func split2(even, odd, src []float32, pw int) {
	iw := 0
	if pw%2 == 1 && len(src) > 0 {
		odd[pw>>1] = src[0]
		iw = 1
	}
	// From here iw+pw is even.
	if bulk := (len(src) - iw) / 16 * 16; bulk > 0 {
		q := (iw + pw) >> 1
		if dwSplit2SIMD(vec.Active(), even[q:q+bulk/2], odd[q:q+bulk/2], src[iw:iw+bulk]) {
			iw += bulk
		}
	}
	for ; iw+1 < len(src); iw += 2 {
		q := (iw + pw) >> 1
		even[q] = src[iw]
		odd[q] = src[iw+1]
	}
	if iw < len(src) {
		even[(iw+pw)>>1] = src[iw]
	}
}
