package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Pad in constant mode with constant pads (and axes, constant_value). The
// output is filled with the value, then each row of the input's last dim
// that survives the (possibly negative) pads is copied into place.

func init() {
	Register("Pad", func(n *ir.Node, env *Env) Kernel {
		return buildFor(n, env, buildPad[float32], buildPad[int64])
	})
}

type padKernel[T any] struct {
	value   T
	rows    int   // input rows copied
	dims    []int // extent of the copied region per dim but the last
	srcStr  []int // input strides of those dims
	dstStr  []int // output strides of those dims
	src0    int   // input offset of the region's first element
	dst0    int   // output offset where it lands
	rowLen  int   // copied length along the last dim
	outSize int
}

func buildPad[T any](n *ir.Node, env *Env) Kernel {
	if n.Str("mode") != "constant" {
		return nil
	}
	xs, ok := inShape(n, 0)
	if !ok || len(xs) == 0 {
		return nil
	}
	pads, ok := constInts(n, 1)
	if !ok {
		return nil
	}
	r := len(xs)
	axes := make([]int, r)
	for i := range axes {
		axes[i] = i
	}
	if n.In(3) != nil {
		a, ok := constInts(n, 3)
		if !ok {
			return nil
		}
		axes = axes[:0]
		for _, v := range a {
			d, ok := normAxis(v, r)
			if !ok {
				return nil
			}
			axes = append(axes, d)
		}
	}
	if len(pads) != 2*len(axes) {
		return nil
	}
	before := make([]int, r)
	ys := append([]int{}, xs...)
	for i, d := range axes {
		before[d] = int(pads[i])
		ys[d] += int(pads[i]) + int(pads[i+len(axes)])
		if ys[d] < 0 {
			return nil
		}
	}
	if os, ok := anyOutShape(n, 0); ok && !slices.Equal(os, ys) {
		return nil
	}
	k := &padKernel[T]{outSize: product(ys)}
	if n.In(2) != nil {
		v := n.In(2)
		if v.Init == nil || v.Init.Len() != 1 || v.Init.DType != n.In(0).Type.DType {
			return nil
		}
		k.value = data[T](v.Init)[0]
	}
	in, out := contiguousStrides(xs), contiguousStrides(ys)
	k.rows = 1
	for d := range r {
		lo := max(0, -before[d])          // first input index kept
		hi := min(xs[d], ys[d]-before[d]) // one past the last
		ext := max(0, hi-lo)
		k.src0 += lo * in[d]
		k.dst0 += (lo + before[d]) * out[d]
		if d == r-1 {
			k.rowLen = ext
		} else {
			k.dims = append(k.dims, ext)
			k.srcStr, k.dstStr = append(k.srcStr, in[d]), append(k.dstStr, out[d])
			k.rows *= ext
		}
	}
	if k.rowLen == 0 {
		k.rows = 0
	}
	return k
}

func (k *padKernel[T]) Run(in, out []*ir.Tensor) {
	x, y := data[T](in[0]), data[T](out[0])
	y = y[:k.outSize]
	for i := range y {
		y[i] = k.value
	}
	for r := 0; r < k.rows; r++ {
		s := k.src0 + digitsOffset(r, k.dims, k.srcStr)
		d := k.dst0 + digitsOffset(r, k.dims, k.dstStr)
		copy(y[d:d+k.rowLen], x[s:s+k.rowLen])
	}
}
