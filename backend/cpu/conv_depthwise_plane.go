package cpu

import "math"

// 3×3 windows (dilation 1, stride 1 or 2 in both dims, left padding 0
// or 1) read the input planes in place: each iteration makes a block of
// outputs of two output rows from the 2s+1 input rows under them, with
// the 9 weights in registers. The depthwise conv and MaxPool share the
// geometry tables below and the AVX-512 routines (_gen/dwconv/plane.go),
// which take a run of channels per call, so a 7×7 plane costs no Go
// overhead. Padding is never copied: padding rows point at a row of the
// padding value, padding columns are masked-off lanes.

// planeBlock is the largest number of outputs per block (one ZMM); rows
// of at most 8 outputs go in blocks of 8 (one YMM: on CPUs that split
// 512-bit operations in two, half the work for the same outputs).
const planeBlock = 16

// win3 is the table-driven geometry of a 3×3 window over an H×W plane.
type win3 struct {
	s      int
	ph, pw int
	h, w   int
	iters  int // row loop iterations: ⌈oh/2⌉
	ow     int
	lanes  int      // outputs per block: planeBlock, or 8 where ow ≤ 8
	oh, nb int      // output rows, blocks per row
	rows   []int    // per iteration: the byte offsets of its input rows, or −1 (padding), then the second output row's
	masks  []uint16 // per block: the lanes each vector load may read, then the lanes to store
	fill   []float32
}

// newWin3 returns the tables for g filled with the padding value pad,
// and false where g is not a 3×3, dilation-1 window with equal strides
// of 1 or 2.
func newWin3(g *win2, pad float32) (*win3, bool) {
	if g.kh != 3 || g.kw != 3 || g.dh != 1 || g.dw != 1 || g.sh != g.sw || g.sh < 1 || g.sh > 2 || g.pw > 1 || g.oh < 1 || g.ow < 1 {
		return nil, false
	}
	s := g.sw
	lanes := planeBlock
	if g.ow <= 8 {
		lanes = 8
	}
	t := &win3{s: s, ph: g.ph, pw: g.pw, h: g.h, w: g.w, ow: g.ow, lanes: lanes, oh: g.oh, nb: (g.ow + lanes - 1) / lanes}
	// An iteration makes two output rows from 2s+1 input rows.
	const R = 2
	t.iters = (g.oh + R - 1) / R
	for it := range t.iters {
		oh := it * R
		for i := range (R-1)*s + 3 {
			ih := oh*s - g.ph + i
			off := -1
			if ih >= 0 && ih < g.h {
				off = ih * g.w * 4
			}
			t.rows = append(t.rows, off)
		}
		d := 4 * g.ow
		if oh+1 == g.oh {
			d = 0 // a lone last row
		}
		t.rows = append(t.rows, d)
	}
	// The first mask is for the load of a row's first L = lanes inputs
	// (stride 1). Then, per block of outputs from o0: stride 1, the load
	// of the inputs from o0+L; stride 2, those from 2·o0 and 2·o0+L and
	// the broadcast of input 2·o0+2L; and last the outputs to store.
	ms := 2 * s
	t.masks = make([]uint16, 1+t.nb*ms)
	t.masks[0] = laneMask(lanes, 0, 0, g.w)
	for b := range t.nb {
		o0 := b * lanes
		m := t.masks[1+b*ms : 1+(b+1)*ms]
		if s == 1 {
			m[0] = laneMask(lanes, o0+lanes, 0, g.w)
		} else {
			m[0], m[1] = laneMask(lanes, 2*o0, 0, g.w), laneMask(lanes, 2*o0+lanes, 0, g.w)
			if 2*o0+2*lanes < g.w {
				m[2] = 0xffff
			}
		}
		m[ms-1] = laneMask(lanes, o0, 0, g.ow)
	}
	t.fill = make([]float32, g.w)
	for i := range t.fill {
		t.fill[i] = pad
	}
	return t, true
}

// laneMask has bit k set where lo ≤ c0+k < hi, k < lanes.
func laneMask(lanes, c0, lo, hi int) uint16 {
	var m uint16
	for k := range lanes {
		if c := c0 + k; c >= lo && c < hi {
			m |= 1 << k
		}
	}
	return m
}

// tap returns the input under tap (i, j) of output (oh, o) in plane x,
// or the padding value.
func (t *win3) tap(x []float32, oh, o, i, j int) float32 {
	r, c := t.s*oh+i-t.ph, t.s*o+j-t.pw
	if r < 0 || r >= t.h || c < 0 || c >= t.w {
		return t.fill[0]
	}
	return x[r*t.w+c]
}

// dwPlanesGo is the meaning of the depthwise plane routines: for each of
// nc planes of x (stride inPlane) and y (stride oh·ow), with 9 weights
// per plane in w and a bias every bs elements of bias (bs = 0: one bias
// for all),
//
//	y[oh·ow+o] = min(max(bias + Σ_{i,j<3} w[3i+j]·x[s·oh+i−ph][s·o+j−pw], lo), hi)
//
// with the padding value (fill) outside the plane.
//
// The routines fuse each multiply-add and sum rows 0 and 2 apart from
// row 1, so they differ from this by float32 rounding.
func (t *win3) dwPlanesGo(x, y, w, bias []float32, bs, nc, inPlane int, lo, hi float32) {
	for c := range nc {
		xc, yc, wc := x[c*inPlane:], y[c*t.oh*t.ow:], w[9*c:9*c+9]
		for oh := range t.oh {
			for o := range t.ow {
				acc := bias[c*bs]
				for i := range 3 {
					for j := range 3 {
						acc += wc[3*i+j] * t.tap(xc, oh, o, i, j)
					}
				}
				yc[oh*t.ow+o] = min(max(acc, lo), hi)
			}
		}
	}
}

// maxPlanesGo is the meaning of the max pool plane routines:
// y[oh·ow+o] = max over the 9 taps, for each of nc planes. Where a window
// holds a NaN the routines may return it or the max of the others.
func (t *win3) maxPlanesGo(x, y []float32, nc, inPlane int) {
	for c := range nc {
		xc, yc := x[c*inPlane:], y[c*t.oh*t.ow:]
		for oh := range t.oh {
			for o := range t.ow {
				acc := float32(math.Inf(-1))
				for i := range 3 {
					for j := range 3 {
						acc = max(acc, t.tap(xc, oh, o, i, j))
					}
				}
				yc[oh*t.ow+o] = acc
			}
		}
	}
}
