package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Kernels that rearrange elements: Concat, Transpose, Slice, Split,
// Expand, Tile. Each computes, for every output element, the flat index of
// the input element it copies (see take and mapIndex).

func init() {
	Register("Concat", concatKernel)
	Register("Transpose", transposeKernel)
	Register("Slice", sliceKernel)
	Register("Split", splitKernel)
	Register("Expand", expandKernel)
	Register("Tile", tileKernel)
}

func concatKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	first := Tensor(in, 0)
	r := len(first.Shape)
	axis, err := NormAxis(n.Int("axis"), r)
	if err != nil {
		return nil, err
	}
	shape := append([]int{}, first.Shape...)
	shape[axis] = 0
	for i := range in {
		t := Tensor(in, i)
		if t == nil {
			return nil, fmt.Errorf("input %d is missing", i)
		}
		if t.DType != first.DType {
			return nil, fmt.Errorf("input %d is %s, input 0 is %s", i, t.DType, first.DType)
		}
		if len(t.Shape) != r {
			return nil, fmt.Errorf("input %d has shape %v, input 0 has rank %d", i, t.Shape, r)
		}
		for d := range t.Shape {
			if d != axis && t.Shape[d] != first.Shape[d] {
				return nil, fmt.Errorf("input %d has shape %v, incompatible with %v off axis %d", i, t.Shape, first.Shape, axis)
			}
		}
		shape[axis] += t.Shape[axis]
	}
	out := ir.Zeros(first.DType, shape)
	strides := ir.Strides(shape)
	off := 0
	for i := range in {
		t := Tensor(in, i)
		idx := mapIndex(t.Shape, func(c []int) int {
			k := 0
			for d, v := range c {
				if d == axis {
					v += off
				}
				k += v * strides[d]
			}
			return k
		})
		put(out, t, idx)
		off += t.Shape[axis]
	}
	return Outs(out), nil
}

func transposeKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	r := len(x.Shape)
	perm := n.Ints("perm")
	if perm == nil {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	if len(perm) != r {
		return nil, fmt.Errorf("perm %v has %d entries for rank %d", perm, len(perm), r)
	}
	p, err := normAxes(perm, r)
	if err != nil {
		return nil, fmt.Errorf("perm %v: %w", perm, err)
	}
	return Outs(permute(x, p)), nil
}

// permute returns t transposed by perm (t itself when perm is nil): the
// Transpose op, and what a dlc.FusedMatMul's perm_a, perm_b or perm_y
// stands for.
func permute(t *ir.Tensor, perm []int) *ir.Tensor {
	if perm == nil || t == nil {
		return t
	}
	inStrides := ir.Strides(t.Shape)
	shape := make([]int, len(perm))
	for i, a := range perm {
		shape[i] = t.Shape[a]
	}
	idx := mapIndex(shape, func(c []int) int {
		k := 0
		for i, v := range c {
			k += v * inStrides[perm[i]]
		}
		return k
	})
	return take(t, shape, idx)
}

func sliceKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	r := len(x.Shape)
	starts, err := intInput(in, 1, "starts")
	if err != nil {
		return nil, err
	}
	ends, err := intInput(in, 2, "ends")
	if err != nil {
		return nil, err
	}
	if len(ends) != len(starts) {
		return nil, fmt.Errorf("starts %v and ends %v differ in length", starts, ends)
	}
	axes := make([]int64, len(starts))
	for i := range axes {
		axes[i] = int64(i)
	}
	if Tensor(in, 3) != nil {
		if axes, err = intInput(in, 3, "axes"); err != nil {
			return nil, err
		}
	}
	steps := make([]int64, len(starts))
	for i := range steps {
		steps[i] = 1
	}
	if Tensor(in, 4) != nil {
		if steps, err = intInput(in, 4, "steps"); err != nil {
			return nil, err
		}
	}
	if len(axes) != len(starts) || len(steps) != len(starts) {
		return nil, fmt.Errorf("starts, ends, axes and steps differ in length")
	}
	norm, err := normAxes(axes, r)
	if err != nil {
		return nil, err
	}
	first := make([]int, r)
	step := make([]int, r)
	shape := append([]int{}, x.Shape...)
	for i := range step {
		step[i] = 1
	}
	for i, a := range norm {
		f, c, err := ir.SliceRange(starts[i], ends[i], steps[i], x.Shape[a])
		if err != nil {
			return nil, err
		}
		first[a], step[a], shape[a] = f, int(steps[i]), c
	}
	strides := ir.Strides(x.Shape)
	idx := mapIndex(shape, func(c []int) int {
		k := 0
		for d, v := range c {
			k += (first[d] + v*step[d]) * strides[d]
		}
		return k
	})
	return Outs(take(x, shape, idx)), nil
}

// splitSizes resolves Split's part sizes: the split input if given, else
// parts of ceil(dim/parts) with a smaller last one.
func splitSizes(n *ir.Node, in []ir.Data, dim int) ([]int, error) {
	parts := len(n.Outputs)
	if Tensor(in, 1) != nil {
		split, err := intInput(in, 1, "split")
		if err != nil {
			return nil, err
		}
		sizes, err := toDims("split", split)
		if err != nil {
			return nil, err
		}
		total := 0
		for _, s := range sizes {
			total += s
		}
		if len(sizes) != parts || total != dim {
			return nil, fmt.Errorf("split %v does not cut a dim of %d into %d parts", split, dim, parts)
		}
		return sizes, nil
	}
	if n.Has("num_outputs") && n.Int("num_outputs") != int64(parts) {
		return nil, fmt.Errorf("num_outputs is %d but the node has %d outputs", n.Int("num_outputs"), parts)
	}
	return ir.EvenSplit(dim, parts), nil
}

func splitKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	axis, err := NormAxis(n.Int("axis"), len(x.Shape))
	if err != nil {
		return nil, err
	}
	sizes, err := splitSizes(n, in, x.Shape[axis])
	if err != nil {
		return nil, err
	}
	strides := ir.Strides(x.Shape)
	out := make([]ir.Data, len(sizes))
	off := 0
	for i, s := range sizes {
		shape := append([]int{}, x.Shape...)
		shape[axis] = s
		o := off
		idx := mapIndex(shape, func(c []int) int {
			k := 0
			for d, v := range c {
				if d == axis {
					v += o
				}
				k += v * strides[d]
			}
			return k
		})
		out[i] = take(x, shape, idx)
		off += s
	}
	return out, nil
}

func expandKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	s, err := intInput(in, 1, "shape")
	if err != nil {
		return nil, err
	}
	target, err := toDims("shape", s)
	if err != nil {
		return nil, err
	}
	shape, err := ir.BroadcastDims(x.Shape, target)
	if err != nil {
		return nil, err
	}
	mustAlloc(x.DType, shape)
	return Outs(take(x, shape, BroadcastIndex(x.Shape, shape))), nil
}

func tileKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	rep, err := intInput(in, 1, "repeats")
	if err != nil {
		return nil, err
	}
	if len(rep) != len(x.Shape) {
		return nil, fmt.Errorf("repeats %v has %d entries for input rank %d", rep, len(rep), len(x.Shape))
	}
	reps, err := toDims("repeats", rep)
	if err != nil {
		return nil, err
	}
	shape := make([]int, len(x.Shape))
	for i, d := range x.Shape {
		shape[i] = d * reps[i]
	}
	mustAlloc(x.DType, shape)
	strides := ir.Strides(x.Shape)
	idx := mapIndex(shape, func(c []int) int {
		k := 0
		for d, v := range c {
			k += (v % x.Shape[d]) * strides[d]
		}
		return k
	})
	return Outs(take(x, shape, idx)), nil
}
