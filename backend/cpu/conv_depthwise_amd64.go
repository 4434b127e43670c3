//go:build amd64 && !noasm && gc

package cpu

import "github.com/dlc-go/dlc/backend/cpu/vec"

// dwTapsSIMD runs dwTaps' assembly loop for level l and reports whether
// there is one. The caller has checked the lengths and bounds.
func dwTapsSIMD(l vec.Level, out, src []float32, offs []int, w []float32, bias float32) bool {
	switch l {
	case vec.AVX512:
		dwTapsAVX512(&out[0], len(out), &src[0], &offs[0], &w[0], len(offs), bias)
	case vec.AVX2:
		dwTapsAVX2(&out[0], len(out), &src[0], &offs[0], &w[0], len(offs), bias)
	default:
		return false
	}
	return true
}

// dwSplit2SIMD runs split2's assembly loop (even[i], odd[i] = src[2i],
// src[2i+1]; len(src) a multiple of 16) when level l has one.
func dwSplit2SIMD(l vec.Level, even, odd, src []float32) bool {
	if l < vec.AVX2 || len(src) == 0 {
		return false
	}
	_, _ = even[len(src)/2-1], odd[len(src)/2-1]
	dwSplit2AVX2(&even[0], &odd[0], &src[0], len(src))
	return true
}

// dwPlanesSIMD runs t's depthwise plane routine (see dwPlanesGo) when
// level l has one.
func (t *win3) dwPlanesSIMD(l vec.Level, x, y, w, bias []float32, bs, nc, inPlane int, lo, hi float32) bool {
	if l < vec.AVX512 || nc < 1 {
		return false
	}
	_, _, _, _ = x[nc*inPlane-1], y[nc*t.oh*t.ow-1], w[9*nc-1], bias[(nc-1)*bs]
	f := dwPlanesAVX512[t.lanes/16][t.s-1][t.pw]
	f(&x[0], &y[0], &w[0], &bias[0], bs, nc, inPlane, t.ow, &t.rows[0], t.iters, &t.masks[0], t.nb, &t.fill[0], lo, hi)
	return true
}

// maxPlanesSIMD runs t's max pool plane routine (see maxPlanesGo) when
// level l has one.
func (t *win3) maxPlanesSIMD(l vec.Level, x, y []float32, nc, inPlane int) bool {
	if l < vec.AVX512 || nc < 1 {
		return false
	}
	_, _ = x[nc*inPlane-1], y[nc*t.oh*t.ow-1]
	f := maxPlanesAVX512[t.lanes/16][t.s-1][t.pw]
	f(&x[0], &y[0], nil, nil, 0, nc, inPlane, t.ow, &t.rows[0], t.iters, &t.masks[0], t.nb, &t.fill[0], 0, 0)
	return true
}

// planesFunc is the signature of the 3×3 plane routines.
type planesFunc func(x, y, w, bias *float32, bs, nc, inPlane, ow int, rows *int, iters int, masks *uint16, nb int, fill *float32, lo, hi float32)

// dwPlanesAVX512 and maxPlanesAVX512 are the plane routines by block
// (8 or 16 lanes), stride−1 and left padding.
var (
	dwPlanesAVX512 = [2][2][2]planesFunc{{
		{dwPlanes3S1P0AVX512Y, dwPlanes3S1P1AVX512Y},
		{dwPlanes3S2P0AVX512Y, dwPlanes3S2P1AVX512Y},
	}, {
		{dwPlanes3S1P0AVX512, dwPlanes3S1P1AVX512},
		{dwPlanes3S2P0AVX512, dwPlanes3S2P1AVX512},
	}}
	maxPlanesAVX512 = [2][2][2]planesFunc{{
		{maxPlanes3S1P0AVX512Y, maxPlanes3S1P1AVX512Y},
		{maxPlanes3S2P0AVX512Y, maxPlanes3S2P1AVX512Y},
	}, {
		{maxPlanes3S1P0AVX512, maxPlanes3S1P1AVX512},
		{maxPlanes3S2P0AVX512, maxPlanes3S2P1AVX512},
	}}
)
