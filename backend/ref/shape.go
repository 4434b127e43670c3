package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Kernels of ops that change only the shape of a tensor, or report it:
// Constant, Identity, Reshape, Shape, Size, Flatten, Squeeze, Unsqueeze.
// Outputs are fresh copies so that a later in-place kernel cannot corrupt
// an input or a model constant through them.

func init() {
	Register("Constant", constantKernel)
	Register("Identity", identityKernel)
	Register("Reshape", reshapeKernel)
	Register("Shape", shapeKernel)
	Register("Size", sizeKernel)
	Register("Flatten", flattenKernel)
	Register("Squeeze", squeezeKernel)
	Register("Unsqueeze", unsqueezeKernel)
}

func constantKernel(_ Ctx, n *ir.Node, _ []ir.Data) ([]ir.Data, error) {
	t := n.TensorAttr("value")
	if t == nil {
		return nil, fmt.Errorf("attribute value is missing")
	}
	return Outs(t.Clone()), nil
}

// identityKernel passes any value (tensor, sequence, optional) through.
func identityKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	return []ir.Data{in[0]}, nil
}

// reshaped returns a copy of x with a new shape of the same element count.
func reshaped(x *ir.Tensor, shape []int) *ir.Tensor {
	return x.Clone().Reshaped(shape)
}

// ReshapeDims resolves Reshape's target: 0 copies the input dim (unless
// allowzero), one -1 takes what is left.
func ReshapeDims(in []int, target []int64, allowZero bool) ([]int, error) {
	out := make([]int, len(target))
	infer := -1
	known := 1
	for i, d := range target {
		switch {
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has more than one -1", target)
			}
			infer = i
			continue
		case d < -1:
			return nil, fmt.Errorf("shape %v has invalid dim %d", target, d)
		case d == 0 && !allowZero:
			if i >= len(in) {
				return nil, fmt.Errorf("shape %v copies dim %d, but the input %v has rank %d", target, i, in, len(in))
			}
			out[i] = in[i]
		default:
			out[i] = int(d)
		}
		known *= out[i]
	}
	total, _ := ir.NumElements(in)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v: -1 has no whole size", in, target)
		}
		out[infer] = total / known
		known *= out[infer]
	}
	if known != total {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", in, total, target)
	}
	return out, nil
}

func reshapeKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	target, err := intInput(in, 1, "shape")
	if err != nil {
		return nil, err
	}
	shape, err := ReshapeDims(x.Shape, target, n.Int("allowzero") != 0)
	if err != nil {
		return nil, err
	}
	return Outs(reshaped(x, shape)), nil
}

func shapeKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	r := len(x.Shape)
	start, end := n.Int("start"), int64(r)
	if n.Has("end") {
		end = n.Int("end")
	}
	clamp := func(v int64) int {
		if v < 0 {
			v += int64(r)
		}
		return int(min(max(v, 0), int64(r)))
	}
	s, e := clamp(start), clamp(end)
	out := []int64{}
	for i := s; i < e; i++ {
		out = append(out, int64(x.Shape[i]))
	}
	return Outs(ir.FromSlice([]int{len(out)}, out)), nil
}

func sizeKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	return Outs(ir.Scalar(int64(Tensor(in, 0).Len()))), nil
}

func flattenKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	r := len(x.Shape)
	a := int(n.Int("axis"))
	if a < 0 {
		a += r
	}
	if a < 0 || a > r {
		return nil, fmt.Errorf("axis %d out of range for rank %d", n.Int("axis"), r)
	}
	outer, _ := ir.NumElements(x.Shape[:a])
	inner, _ := ir.NumElements(x.Shape[a:])
	return Outs(reshaped(x, []int{outer, inner})), nil
}

func squeezeKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	drop := make([]bool, len(x.Shape))
	if Tensor(in, 1) == nil {
		for i, d := range x.Shape {
			drop[i] = d == 1
		}
	} else {
		axes, err := intInput(in, 1, "axes")
		if err != nil {
			return nil, err
		}
		norm, err := normAxes(axes, len(x.Shape))
		if err != nil {
			return nil, err
		}
		for _, a := range norm {
			if x.Shape[a] != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of shape %v: size is not 1", a, x.Shape)
			}
			drop[a] = true
		}
	}
	shape := []int{}
	for i, d := range x.Shape {
		if !drop[i] {
			shape = append(shape, d)
		}
	}
	return Outs(reshaped(x, shape)), nil
}

func unsqueezeKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	axes, err := intInput(in, 1, "axes")
	if err != nil {
		return nil, err
	}
	r := len(x.Shape) + len(axes)
	norm, err := normAxes(axes, r)
	if err != nil {
		return nil, err
	}
	ins := make([]bool, r)
	for _, a := range norm {
		ins[a] = true
	}
	shape := make([]int, 0, r)
	k := 0
	for i := 0; i < r; i++ {
		if ins[i] {
			shape = append(shape, 1)
		} else {
			shape = append(shape, x.Shape[k])
			k++
		}
	}
	return Outs(reshaped(x, shape)), nil
}
