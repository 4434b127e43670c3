package cpu

import "github.com/dlc-go/dlc/ir"

// win2 is a 2-D sliding window over an H×W plane (a 1-D window is the
// H=1 case). Pads are the begin/end padding of each dim.
type win2 struct {
	h, w     int // input plane
	kh, kw   int // kernel
	sh, sw   int // strides
	dh, dw   int // dilations
	ph, pw   int // begin padding
	peh, pew int // end padding
	oh, ow   int // output plane
}

// newWin2 converts a 1-D or 2-D ir.Window; ok is false for other ranks.
func newWin2(g ir.Window) (win2, bool) {
	switch len(g.In) {
	case 1:
		return win2{h: 1, w: g.In[0], kh: 1, kw: g.Kernel[0], sh: 1, sw: g.Strides[0], dh: 1, dw: g.Dilations[0],
			pw: g.PadBegin[0], pew: g.PadEnd[0], oh: 1, ow: g.Out[0]}, true
	case 2:
		return win2{h: g.In[0], w: g.In[1], kh: g.Kernel[0], kw: g.Kernel[1], sh: g.Strides[0], sw: g.Strides[1],
			dh: g.Dilations[0], dw: g.Dilations[1], ph: g.PadBegin[0], pw: g.PadBegin[1],
			peh: g.PadEnd[0], pew: g.PadEnd[1], oh: g.Out[0], ow: g.Out[1]}, true
	}
	return win2{}, false
}

// validRange returns the output indices [lo, hi) of a dim of out outputs
// whose input index off + o*stride lies in [0, size).
func validRange(off, stride, size, out int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if size-off <= 0 {
		return min(lo, out), min(lo, out)
	}
	hi = min(out, (size-off+stride-1)/stride)
	lo = min(lo, hi)
	return lo, hi
}

// pointwiseStrided reports whether g is a 1×1 window without padding
// whose strides skip input positions: such a conv is a pointwise conv on
// the subsampled input (conv.go copies the used positions first, so that
// the GEMM reads its operand in place instead of packing strided rows).
func (g *win2) pointwiseStrided() bool {
	return g.kh == 1 && g.kw == 1 && g.ph+g.pw+g.peh+g.pew == 0 && (g.sh > 1 || g.sw > 1)
}

// subsampled is the stride-1 1×1 window over the OH×OW plane of
// positions a pointwiseStrided g reads.
func (g *win2) subsampled() win2 {
	return win2{h: g.oh, w: g.ow, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, oh: g.oh, ow: g.ow}
}

// subsamplePlanes copies, for each of the planes H×W of src, the
// positions (oh·sh, ow·sw) of a pointwiseStrided g into dst as OH×OW
// planes.
func subsamplePlanes(dst, src []float32, g *win2, planes int) {
	inPlane, outPlane := g.h*g.w, g.oh*g.ow
	for p := range planes {
		s, d := src[p*inPlane:(p+1)*inPlane], dst[p*outPlane:(p+1)*outPlane]
		for i := range g.oh {
			row, out := s[i*g.sh*g.w:], d[i*g.ow:(i+1)*g.ow]
			if g.sw == 2 {
				row = row[:2*len(out)-1]
				for j := range out {
					out[j] = row[2*j]
				}
				continue
			}
			for j := range out {
				out[j] = row[j*g.sw]
			}
		}
	}
}
