package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Pad, ConstantOfShape, DepthToSpace and SpaceToDepth.

func init() {
	Register("Pad", padKernel)
	Register("ConstantOfShape", constantOfShapeKernel)
	Register("DepthToSpace", depthToSpaceKernel)
	Register("SpaceToDepth", spaceToDepthKernel)
}

// padSource maps output coordinate c of an axis padded by before, of
// input size d, to the input coordinate it copies, or -1 for the constant.
// Negative pads crop, which the same formula covers.
func padSource(mode string, c, before, d int) int {
	s := c - before
	if s >= 0 && s < d {
		return s
	}
	switch mode {
	case "edge":
		return min(max(s, 0), d-1)
	case "reflect":
		if d == 1 {
			return 0
		}
		p := 2 * (d - 1)
		m := ((s % p) + p) % p
		if m >= d {
			m = p - m
		}
		return m
	case "wrap":
		return ((s % d) + d) % d
	}
	return -1
}

func padKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	r := len(x.Shape)
	mode := n.Str("mode")
	switch mode {
	case "constant", "reflect", "edge", "wrap":
	default:
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	pads, err := intInput(in, 1, "pads")
	if err != nil {
		return nil, err
	}
	axes := make([]int, r)
	for i := range axes {
		axes[i] = i
	}
	if Tensor(in, 3) != nil {
		a, err := intInput(in, 3, "axes")
		if err != nil {
			return nil, err
		}
		if axes, err = normAxes(a, r); err != nil {
			return nil, err
		}
	}
	if len(pads) != 2*len(axes) {
		return nil, fmt.Errorf("pads %v: want %d values for %d axes", pads, 2*len(axes), len(axes))
	}
	before := make([]int, r)
	shape := append([]int{}, x.Shape...)
	for i, a := range axes {
		before[a] = int(pads[i])
		shape[a] += int(pads[i] + pads[i+len(axes)])
		if shape[a] < 0 {
			return nil, fmt.Errorf("pads %v crop axis %d of %v below zero", pads, a, x.Shape)
		}
		if mode != "constant" && x.Shape[a] == 0 && shape[a] > 0 {
			return nil, fmt.Errorf("cannot %s-pad the empty axis %d", mode, a)
		}
	}
	mustAlloc(x.DType, shape)
	// ext is x's elements followed by the pad value, so that the constant
	// is just one more source index.
	nx := x.Len()
	ext := ir.Zeros(x.DType, []int{nx + 1})
	put(ext, x, identityIdx(nx))
	if v := Tensor(in, 2); v != nil && mode == "constant" {
		if v.DType != x.DType || v.Len() != 1 {
			return nil, fmt.Errorf("constant_value %s must be one %s element", v, x.DType)
		}
		put(ext, v, []int{nx})
	}
	strides := ir.Strides(x.Shape)
	idx := mapIndex(shape, func(c []int) int {
		k := 0
		for d, v := range c {
			s := padSource(mode, v, before[d], x.Shape[d])
			if s < 0 {
				return nx
			}
			k += s * strides[d]
		}
		return k
	})
	return Outs(take(ext, shape, idx)), nil
}

func constantOfShapeKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	s, err := intInput(in, 0, "shape")
	if err != nil {
		return nil, err
	}
	shape, err := toDims("shape", s)
	if err != nil {
		return nil, err
	}
	v := n.TensorAttr("value")
	if v == nil {
		v = ir.Scalar(float32(0))
	}
	if v.Len() != 1 {
		return nil, fmt.Errorf("value %s must hold one element", v)
	}
	return Outs(filled(v, shape)), nil
}

// blockDims checks a rank-4 NCHW input for the space/depth ops.
func blockDims(x *ir.Tensor, b int64) (int, error) {
	if len(x.Shape) != 4 {
		return 0, fmt.Errorf("input %v must be rank 4 (NCHW)", x.Shape)
	}
	if b <= 0 {
		return 0, fmt.Errorf("blocksize %d must be positive", b)
	}
	return int(b), nil
}

func depthToSpaceKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	b, err := blockDims(x, n.Int("blocksize"))
	if err != nil {
		return nil, err
	}
	N, C, H, W := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	if C%(b*b) != 0 {
		return nil, fmt.Errorf("channels %d not divisible by blocksize² %d", C, b*b)
	}
	crd := false
	switch n.Str("mode") {
	case "DCR":
	case "CRD":
		crd = true
	default:
		return nil, fmt.Errorf("unknown mode %q", n.Str("mode"))
	}
	oc := C / (b * b)
	shape := []int{N, oc, H * b, W * b}
	st := ir.Strides(x.Shape)
	idx := mapIndex(shape, func(c []int) int {
		h, i := c[2]/b, c[2]%b
		w, j := c[3]/b, c[3]%b
		ch := (i*b+j)*oc + c[1] // DCR: depth blocks outermost
		if crd {
			ch = c[1]*b*b + i*b + j
		}
		return c[0]*st[0] + ch*st[1] + h*st[2] + w*st[3]
	})
	return Outs(take(x, shape, idx)), nil
}

func spaceToDepthKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	b, err := blockDims(x, n.Int("blocksize"))
	if err != nil {
		return nil, err
	}
	N, C, H, W := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	if H%b != 0 || W%b != 0 {
		return nil, fmt.Errorf("spatial dims %dx%d not divisible by blocksize %d", H, W, b)
	}
	shape := []int{N, C * b * b, H / b, W / b}
	st := ir.Strides(x.Shape)
	idx := mapIndex(shape, func(c []int) int {
		blk, ch := c[1]/C, c[1]%C
		i, j := blk/b, blk%b
		return c[0]*st[0] + ch*st[1] + (c[2]*b+i)*st[2] + (c[3]*b+j)*st[3]
	})
	return Outs(take(x, shape, idx)), nil
}
