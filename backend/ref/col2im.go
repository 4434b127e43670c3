package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("Col2Im", col2ImKernel) }

// col2ImKernel rearranges columns back into an N-D image (torch's fold,
// generalized): input [N, C*K, L] holds, for every channel c and block
// offset k (K = prod(block_shape), c outer, k row-major over the block),
// the value at each of the L block positions (row-major over the grid of
// positions the block takes when slid over the padded image). The value of
// block position l and offset k lands on image coordinate
// l*stride - pad_begin + k*dilation per dim; values that land in the
// padding are dropped and overlapping values add up.
func col2ImKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if !x.DType.IsNumeric() {
		return nil, fmt.Errorf("input dtype %s: Col2Im needs a numeric type", x.DType)
	}
	img64, err := intInput(in, 1, "image_shape")
	if err != nil {
		return nil, err
	}
	blk64, err := intInput(in, 2, "block_shape")
	if err != nil {
		return nil, err
	}
	img, err := toDims("image_shape", img64)
	if err != nil {
		return nil, err
	}
	blk, err := toDims("block_shape", blk64)
	if err != nil {
		return nil, err
	}
	r := len(img)
	if r == 0 || len(blk) != r {
		return nil, fmt.Errorf("image_shape %v and block_shape %v must have the same, positive length", img, blk)
	}
	g, err := col2ImGeometry(n, img, blk)
	if err != nil {
		return nil, err
	}
	if x.Rank() != 3 {
		return nil, fmt.Errorf("input has shape %v, want [N, C*prod(block_shape), L]", x.Shape)
	}
	K, kok := ir.NumElements(blk)
	L, lok := ir.NumElements(g.Out)
	if !kok || !lok {
		return nil, fmt.Errorf("block_shape %v over image_shape %v: element count overflows", blk, img)
	}
	if K == 0 || x.Shape[1]%K != 0 {
		return nil, fmt.Errorf("input dim 1 = %d is not a multiple of prod(block_shape %v) = %d", x.Shape[1], blk, K)
	}
	if x.Shape[2] != L {
		return nil, fmt.Errorf("input has %d blocks, but block_shape %v slides %v times over image_shape %v", x.Shape[2], blk, g.Out, img)
	}
	N, C := x.Shape[0], x.Shape[1]/K
	outShape := append([]int{N, C}, img...)
	mustAlloc(x.DType, outShape)
	if N*C == 0 {
		// Nothing to fold; this also keeps the index map below bounded by
		// the input's size (K*L <= C*K*L).
		return Outs(ir.Zeros(x.DType, outShape)), nil
	}
	// dst[k*L+l] is the flat image index of block offset k at position l,
	// or -1 in the padding; it is the same for every batch and channel.
	dst := make([]int, K*L)
	kc, lc := make([]int, r), make([]int, r)
	imgStrides := ir.Strides(img)
	for k := range K {
		unravel(k, blk, kc)
		for l := range L {
			unravel(l, g.Out, lc)
			at := 0
			for d := range r {
				p := lc[d]*g.Strides[d] - g.PadBegin[d] + kc[d]*g.Dilations[d]
				if p < 0 || p >= img[d] {
					at = -1
					break
				}
				at += p * imgStrides[d]
			}
			dst[k*L+l] = at
		}
	}
	size := numElems(img)
	if x.DType.IsFloat() {
		ys := col2ImCore(x.Float64s(), dst, N*C, K*L, size)
		return Outs(FromFloat64s(x.DType, outShape, ys)), nil
	}
	ys := col2ImCore(x.Int64s(), dst, N*C, K*L, size)
	out := ir.Zeros(x.DType, outShape)
	for i, v := range ys {
		out.SetInt64At(i, v) // wraps to the dtype, as a sum in it would
	}
	return Outs(out), nil
}

// col2ImCore adds each of the planes (one per batch and channel) of the
// columns xs, cols values each, into an image of size elements at the
// indices dst (skipping -1).
func col2ImCore[T num](xs []T, dst []int, planes, cols, size int) []T {
	ys := make([]T, planes*size)
	for p := range planes {
		src, img := xs[p*cols:(p+1)*cols], ys[p*size:(p+1)*size]
		for i, at := range dst {
			if at >= 0 {
				img[at] += src[i]
			}
		}
	}
	return ys
}

// col2ImGeometry reads dilations, pads and strides (defaults 1, 0, 1) and
// computes how many positions the block takes per dim over the padded
// image: (img + pads - (dilation*(block-1)+1)) / stride + 1.
func col2ImGeometry(n *ir.Node, img, blk []int) (ir.Window, error) {
	r := len(img)
	get := func(name string, want, fill int) ([]int, error) {
		v := n.Ints(name)
		if len(v) == 0 {
			out := make([]int, want)
			for i := range out {
				out[i] = fill
			}
			return out, nil
		}
		if len(v) != want {
			return nil, fmt.Errorf("attribute %s has %d values, want %d", name, len(v), want)
		}
		return toDims(name, v)
	}
	g := ir.Window{In: img, Kernel: blk, Out: make([]int, r)}
	var err error
	if g.Dilations, err = get("dilations", r, 1); err != nil {
		return g, err
	}
	if g.Strides, err = get("strides", r, 1); err != nil {
		return g, err
	}
	pads, err := get("pads", 2*r, 0)
	if err != nil {
		return g, err
	}
	g.PadBegin, g.PadEnd = pads[:r], pads[r:]
	for d := range r {
		if g.Dilations[d] < 1 || g.Strides[d] < 1 || blk[d] < 1 {
			return g, fmt.Errorf("dim %d: block %d, dilation %d and stride %d must be positive", d, blk[d], g.Dilations[d], g.Strides[d])
		}
		span := g.Dilations[d]*(blk[d]-1) + 1
		padded := img[d] + g.PadBegin[d] + g.PadEnd[d]
		if padded < span {
			return g, fmt.Errorf("dim %d: dilated block %d is larger than the padded image %d", d, span, padded)
		}
		g.Out[d] = (padded-span)/g.Strides[d] + 1
	}
	return g, nil
}
