package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Slice with constant starts, ends, axes and steps. The output is walked
// as rows of its last dim: a contiguous copy when that dim's step is 1,
// else a strided gather.

func init() {
	Register("Slice", func(n *ir.Node, env *Env) Kernel {
		return buildFor(n, env, buildSlice[float32], buildSlice[int64])
	})
}

type sliceKernel[T any] struct {
	base    int   // input offset of output element 0
	dims    []int // output dims but the last
	strides []int // input stride per output step of those dims
	row     int   // last output dim
	step    int   // input stride per step along the last dim
	rows    int
}

func buildSlice[T any](n *ir.Node, env *Env) Kernel {
	xs, ok := inShape(n, 0)
	if !ok || len(xs) == 0 {
		return nil
	}
	starts, ok1 := constInts(n, 1)
	ends, ok2 := constInts(n, 2)
	if !ok1 || !ok2 || len(starts) != len(ends) {
		return nil
	}
	axes := make([]int64, len(starts))
	for i := range axes {
		axes[i] = int64(i)
	}
	steps := make([]int64, len(starts))
	for i := range steps {
		steps[i] = 1
	}
	if n.In(3) != nil {
		if axes, ok = constInts(n, 3); !ok || len(axes) != len(starts) {
			return nil
		}
	}
	if n.In(4) != nil {
		if steps, ok = constInts(n, 4); !ok || len(steps) != len(starts) {
			return nil
		}
	}
	in := contiguousStrides(xs)
	ys := append([]int{}, xs...)
	first := make([]int, len(xs))
	step := make([]int, len(xs))
	for i := range step {
		step[i] = 1
	}
	for i, a := range axes {
		d, ok := normAxis(a, len(xs))
		if !ok {
			return nil
		}
		f, c, err := ir.SliceRange(starts[i], ends[i], steps[i], xs[d])
		if err != nil {
			return nil
		}
		first[d], step[d], ys[d] = f, int(steps[i]), c
	}
	if os, ok := anyOutShape(n, 0); ok && !slices.Equal(os, ys) {
		return nil
	}
	k := &sliceKernel[T]{}
	for d := range xs {
		k.base += first[d] * in[d]
	}
	last := len(xs) - 1
	k.dims = ys[:last]
	for d := 0; d < last; d++ {
		k.strides = append(k.strides, step[d]*in[d])
	}
	k.row, k.step = ys[last], step[last]*in[last]
	k.rows = product(k.dims)
	if product(ys) == 0 {
		k.rows = 0
	}
	return k
}

func (k *sliceKernel[T]) Run(in, out []*ir.Tensor) {
	x, y := data[T](in[0]), data[T](out[0])
	for r := 0; r < k.rows; r++ {
		s := k.base + digitsOffset(r, k.dims, k.strides)
		dst := y[r*k.row : (r+1)*k.row]
		if k.step == 1 {
			copy(dst, x[s:s+k.row])
			continue
		}
		for j := range dst {
			dst[j] = x[s+j*k.step]
		}
	}
}
