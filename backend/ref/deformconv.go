package ref

import (
	"fmt"
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// DeformConv: deformable convolution (ONNX opset 19, the semantics of
// torchvision.ops.deform_conv2d generalised to any number of spatial
// dims). Each kernel tap of each output position reads X not at its
// regular Conv location but at that location plus a learned fractional
// offset, interpolated (multi)linearly; the optional mask scales each
// sampled value (DCNv2). The samples are then weighted by W exactly as in
// grouped Conv. The kernel builds the sampled "columns" (im2col with
// interpolation) per batch item and contracts them with W.

func init() {
	Register("DeformConv", deformConv)
}

// deformSample is one in-bounds neighbour of a sampling point: its flat
// offset in a spatial input plane and its weight (interpolation weight
// times mask).
type deformSample struct {
	in int
	w  float64
}

func deformConv(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, w, off, b, mask := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2), Tensor(in, 3), Tensor(in, 4)
	if x == nil || w == nil || off == nil {
		return nil, fmt.Errorf("DeformConv needs inputs X, W and offset")
	}
	g, err := convLayout(n, x.Shape, w.Shape, false)
	if err != nil {
		return nil, err
	}
	N, C := x.Shape[0], x.Shape[1]
	og := int(n.Int("offset_group"))
	if og < 1 || C%og != 0 {
		return nil, fmt.Errorf("offset_group %d must be positive and divide the %d channels of X", og, C)
	}
	r, K := len(g.In), numElems(g.Kernel)
	wantOff := append([]int{N, og * K * r}, g.Out...)
	if !slices.Equal(off.Shape, wantOff) {
		return nil, fmt.Errorf("offset has shape %v, want %v ([N, offset_group*prod(kernel)*%d, output dims...])", off.Shape, wantOff, r)
	}
	var masks []float64
	if mask != nil {
		wantMask := append([]int{N, og * K}, g.Out...)
		if !slices.Equal(mask.Shape, wantMask) {
			return nil, fmt.Errorf("mask has shape %v, want %v ([N, offset_group*prod(kernel), output dims...])", mask.Shape, wantMask)
		}
		masks = mask.Float64s()
	}
	ys, shape := deformCore(x.Float64s(), x.Shape, w.Float64s(), w.Shape, off.Float64s(), masks, g, int(n.Int("group")), og)
	if b != nil {
		if err := addBias(ys, shape, b.Float64s()); err != nil {
			return nil, err
		}
	}
	return Outs(FromFloat64s(x.DType, shape, ys)), nil
}

// deformCore computes the deformable convolution of xs (shape x) with
// weights ws (shape w) for offsets offs and masks (nil: all ones), laid out
// as checked by deformConv. It returns y with shape [N, M, out...].
func deformCore(xs []float64, x []int, ws []float64, w []int, offs, masks []float64, g ir.Window, group, og int) ([]float64, []int) {
	N, C, M := x[0], x[1], w[0]
	cg, mg, cog := C/group, M/group, C/og
	r, K := len(g.In), numElems(g.Kernel)
	inLen, outLen := numElems(g.In), numElems(g.Out)
	ys := make([]float64, N*M*outLen)
	// cols[(c*K+k)*outLen+o] is channel c sampled for tap k of output o.
	cols := make([]float64, C*K*outLen)
	kc, oc := make([]int, r), make([]int, r)
	pos := make([]float64, r)
	var samples []deformSample
	for bi := 0; bi < N; bi++ {
		for gi := 0; gi < og; gi++ {
			clear(kc)
			for k := 0; k < K; k++ {
				clear(oc)
				for o := 0; o < outLen; o++ {
					tapCh := gi*K + k // the tap's channel in mask; offsets use r per tap
					for d := 0; d < r; d++ {
						dOff := offs[((bi*og*K+tapCh)*r+d)*outLen+o]
						pos[d] = float64(oc[d]*g.Strides[d]-g.PadBegin[d]+kc[d]*g.Dilations[d]) + dOff
					}
					m := 1.0
					if masks != nil {
						m = masks[(bi*og*K+tapCh)*outLen+o]
					}
					samples = interpSamples(samples[:0], pos, g.In, m)
					for c := gi * cog; c < (gi+1)*cog; c++ {
						xp := xs[(bi*C+c)*inLen : (bi*C+c+1)*inLen]
						v := 0.0
						for _, s := range samples {
							v += xp[s.in] * s.w
						}
						cols[(c*K+k)*outLen+o] = v
					}
					nextCoord(oc, g.Out)
				}
				nextCoord(kc, g.Kernel)
			}
		}
		// Grouped Conv over the sampled columns.
		for mi := 0; mi < M; mi++ {
			grp := mi / mg
			yp := ys[(bi*M+mi)*outLen : (bi*M+mi+1)*outLen]
			for c := 0; c < cg; c++ {
				xc := grp*cg + c
				for k := 0; k < K; k++ {
					wv := ws[(mi*cg+c)*K+k]
					col := cols[(xc*K+k)*outLen : (xc*K+k+1)*outLen]
					for o, v := range col {
						yp[o] += wv * v
					}
				}
			}
		}
	}
	return ys, append([]int{N, M}, g.Out...)
}

// interpSamples appends to dst the in-bounds corners of the (multi)linear
// interpolation of a plane of spatial shape in at fractional position pos,
// each weighted by its interpolation weight times scale. Out-of-bounds
// corners contribute zero. A point at or beyond one pixel outside the
// plane samples nothing, as torchvision checks before reading any corner.
func interpSamples(dst []deformSample, pos []float64, in []int, scale float64) []deformSample {
	r := len(in)
	low := make([]int, r)
	frac := make([]float64, r)
	for d, p := range pos {
		if !(p > -1 && p < float64(in[d])) { // also rejects NaN
			return dst
		}
		f := math.Floor(p)
		low[d], frac[d] = int(f), p-f
	}
	strides := ir.Strides(in)
corners:
	for bits := 0; bits < 1<<r; bits++ {
		idx, wt := 0, scale
		for d := 0; d < r; d++ {
			c, f := low[d], 1-frac[d]
			if bits>>d&1 == 1 {
				c, f = c+1, frac[d]
			}
			if c < 0 || c >= in[d] {
				continue corners
			}
			idx += c * strides[d]
			wt *= f
		}
		dst = append(dst, deformSample{idx, wt})
	}
	return dst
}
