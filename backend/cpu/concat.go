package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Concat and Split. Around the axis both see each tensor as [outer, rest]
// where rest = dim(axis)·inner, so each outer index moves one contiguous
// run per input (Concat) or output (Split).

func init() {
	Register("Concat", func(n *ir.Node, env *Env) Kernel {
		return buildFor(n, env, buildConcat[float32], buildConcat[int64])
	})
	Register("Split", func(n *ir.Node, env *Env) Kernel {
		return buildFor(n, env, buildSplit[float32], buildSplit[int64])
	})
}

// runs holds the outer count, each part's run length and the total.
type runs struct {
	outer int
	part  []int // run length of each part (input of Concat, output of Split)
	off   []int // offset of each part's run within the whole row
	row   int
}

// planRuns cuts a tensor of shape whole along axis into parts of the
// given shapes; it reports false if they do not fit.
func planRuns(whole []int, parts [][]int, axis int) (runs, bool) {
	r := runs{outer: product(whole[:axis])}
	inner := product(whole[axis+1:])
	sum := 0
	for _, s := range parts {
		if len(s) != len(whole) {
			return r, false
		}
		r.part = append(r.part, s[axis]*inner)
		r.off = append(r.off, sum*inner)
		sum += s[axis]
	}
	r.row = whole[axis] * inner
	return r, sum == whole[axis]
}

type concatKernel[T any] struct {
	r  runs
	xs [][]T
	y  []T
}

func buildConcat[T any](n *ir.Node, env *Env) Kernel {
	ys, ok := anyOutShape(n, 0)
	if !ok {
		return nil
	}
	axis, ok := normAxis(n.Int("axis"), len(ys))
	if !ok {
		return nil
	}
	var parts [][]int
	for i, v := range n.Inputs {
		s, ok := inShape(n, i)
		if !ok || v.Type.DType != n.In(0).Type.DType {
			return nil
		}
		parts = append(parts, s)
	}
	r, ok := planRuns(ys, parts, axis)
	if !ok {
		return nil
	}
	return &concatKernel[T]{r: r, xs: make([][]T, len(parts))}
}

func (k *concatKernel[T]) Run(in, out []*ir.Tensor) {
	y := data[T](out[0])
	for i, t := range in {
		k.xs[i] = data[T](t)
	}
	for o := 0; o < k.r.outer; o++ {
		row := y[o*k.r.row:]
		for i, x := range k.xs {
			l := k.r.part[i]
			copy(row[k.r.off[i]:k.r.off[i]+l], x[o*l:(o+1)*l])
		}
	}
	clear(k.xs)
}

type splitKernel[T any] struct {
	r  runs
	ys [][]T
}

// buildSplit takes the part sizes from the constant split input, or cuts
// equal parts of ceil(dim/parts) with a smaller last one; output shapes
// inference knows must agree.
func buildSplit[T any](n *ir.Node, env *Env) Kernel {
	xs, ok := inShape(n, 0)
	if !ok {
		return nil
	}
	axis, ok := normAxis(n.Int("axis"), len(xs))
	if !ok {
		return nil
	}
	nout := len(n.Outputs)
	sizes := make([]int, nout)
	if n.In(1) != nil {
		split, ok := constInts(n, 1)
		if !ok || len(split) != nout {
			return nil
		}
		for i, v := range split {
			sizes[i] = int(v)
		}
	} else {
		chunk, left := (xs[axis]+nout-1)/max(nout, 1), xs[axis]
		for i := range sizes {
			sizes[i] = min(chunk, left)
			left -= sizes[i]
		}
	}
	var parts [][]int
	for i, v := range n.Outputs {
		if v == nil {
			return nil
		}
		s := append([]int{}, xs...)
		s[axis] = sizes[i]
		if os, ok := anyOutShape(n, i); ok && !slices.Equal(os, s) {
			return nil
		}
		parts = append(parts, s)
	}
	r, ok := planRuns(xs, parts, axis)
	if !ok {
		return nil
	}
	return &splitKernel[T]{r: r, ys: make([][]T, len(parts))}
}

func (k *splitKernel[T]) Run(in, out []*ir.Tensor) {
	x := data[T](in[0])
	for i, t := range out {
		k.ys[i] = data[T](t)
	}
	for o := 0; o < k.r.outer; o++ {
		row := x[o*k.r.row:]
		for i, y := range k.ys {
			l := k.r.part[i]
			copy(y[o*l:(o+1)*l], row[k.r.off[i]:k.r.off[i]+l])
		}
	}
	clear(k.ys)
}
