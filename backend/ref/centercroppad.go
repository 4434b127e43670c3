package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("CenterCropPad", centerCropPadKernel) }

// centerCropPadKernel resizes each axis in axes (default: all, in order)
// to shape[i] around its center: a smaller target crops, a larger one pads
// with zeros (the dtype's zero: "" for strings, false for bools).
//
// Where the difference d between the sizes is odd, ONNX's definition (its
// function body and reference implementation: crop start = d/2 and pad
// begin = d/2, both floored) leaves the extra element at the END: cropping
// 10 to 7 keeps [1, 8) and so drops 1 before and 2 after; padding 7 to 10
// puts 1 zero before and 2 after.
func centerCropPadKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	target, err := intInput(in, 1, "shape")
	if err != nil {
		return nil, err
	}
	r := x.Rank()
	axes := n.Ints("axes")
	if len(axes) == 0 {
		for a := range r {
			axes = append(axes, int64(a))
		}
	}
	ax, err := normAxes(axes, r)
	if err != nil {
		return nil, err
	}
	if len(target) != len(ax) {
		return nil, fmt.Errorf("shape has %d sizes for %d axes %v", len(target), len(ax), axes)
	}
	outShape := append([]int{}, x.Shape...)
	// off[d] is the input coordinate of output coordinate 0 along d:
	// positive when cropping, negative when padding.
	off := make([]int, r)
	for i, a := range ax {
		t := target[i]
		if t < 0 {
			return nil, fmt.Errorf("shape[%d] = %d is negative", i, t)
		}
		outShape[a] = int(t)
		if d := x.Shape[a] - int(t); d >= 0 {
			off[a] = d / 2
		} else {
			off[a] = -((-d) / 2)
		}
	}
	mustAlloc(x.DType, outShape) // before the index map, sized by shape
	// Index map over the output: the input element each output element
	// copies, or -1 for padding.
	inStrides := ir.Strides(x.Shape)
	idx := mapIndex(outShape, func(c []int) int {
		k := 0
		for d, v := range c {
			s := v + off[d]
			if s < 0 || s >= x.Shape[d] {
				return -1
			}
			k += s * inStrides[d]
		}
		return k
	})
	var src, dst []int
	for o, i := range idx {
		if i >= 0 {
			src, dst = append(src, i), append(dst, o)
		}
	}
	out := ir.Zeros(x.DType, outShape)
	put(out, take(x, []int{len(src)}, src), dst)
	return Outs(out), nil
}
