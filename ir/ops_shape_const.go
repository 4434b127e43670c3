package ir

import "fmt"

// Inference for the shape ops whose output dims depend on constant inputs
// (starts/ends, split sizes, pads, repeats). The rank is always known from
// the data input; a dim is known when the data dim and the constants that
// act on it are. Invalid constants leave dims unknown: the kernel reports
// them with the run-time values.

// rankedLike returns a shape of x's rank with x's dims, or false when x's
// rank is unknown.
func rankedLike(x Shape) (Shape, bool) {
	if !x.Ranked {
		return UnrankedShape, false
	}
	return Shape{Ranked: true, Dims: append([]Dim(nil), x.Dims...)}, true
}

// constAxes returns input i as axes normalized into [0, rank), or the
// default 0..count-1 when the input is absent; ok is false when it is
// present but not constant or out of range.
func constAxes(n *Node, i, count, rank int) ([]int, bool) {
	if n.In(i) == nil {
		axes := make([]int, count)
		for k := range axes {
			axes[k] = k
		}
		return axes, count <= rank
	}
	raw, ok := constInts(n, i)
	if !ok {
		return nil, false
	}
	axes := make([]int, len(raw))
	for k, a := range raw {
		if axes[k] = normAxisDecl(a, rank); axes[k] < 0 {
			return nil, false
		}
	}
	return axes, true
}

func inferSlice(n *Node) error {
	in := n.InType(0)
	out, ok := rankedLike(in.Shape)
	if !ok {
		n.SetOut(0, TensorType(in.DType, UnrankedShape))
		return nil
	}
	starts, okS := constInts(n, 1)
	ends, okE := constInts(n, 2)
	if !okS || !okE || len(starts) != len(ends) {
		for d := range out.Dims {
			out.Dims[d] = Unknown()
		}
		n.SetOut(0, TensorType(in.DType, out))
		return nil
	}
	axes, okA := constAxes(n, 3, len(starts), len(out.Dims))
	steps := make([]int64, len(starts))
	for k := range steps {
		steps[k] = 1
	}
	okT := true
	if n.In(4) != nil {
		steps, okT = constInts(n, 4)
	}
	if !okA || !okT || len(axes) != len(starts) || len(steps) != len(starts) {
		for d := range out.Dims {
			out.Dims[d] = Unknown()
		}
		n.SetOut(0, TensorType(in.DType, out))
		return nil
	}
	for k, a := range axes {
		d := in.Shape.Dims[a]
		if !d.Known() {
			out.Dims[a] = Unknown()
			continue
		}
		_, count, err := SliceRange(starts[k], ends[k], steps[k], int(d.Size))
		if err != nil {
			out.Dims[a] = Unknown()
			continue
		}
		out.Dims[a] = Static(int64(count))
	}
	n.SetOut(0, TensorType(in.DType, out))
	return nil
}

// SliceRange resolves one axis of Slice (numpy semantics): the first
// index, the step and the element count for a dim of size dim.
func SliceRange(start, end, step int64, dim int) (first, count int, err error) {
	if step == 0 {
		return 0, 0, fmt.Errorf("slice step is 0")
	}
	d := int64(dim)
	if start < 0 {
		start += d
	}
	if end < 0 {
		end += d
	}
	if step > 0 {
		start = min(max(start, 0), d)
		end = min(max(end, 0), d)
		if end > start {
			return int(start), stepCount(end-start, step), nil
		}
		return int(start), 0, nil
	}
	start = min(max(start, -1), d-1)
	end = min(max(end, -1), d-1)
	if start > end {
		return int(start), stepCount(start-end, step), nil
	}
	return int(start), 0, nil
}

// stepCount is ceil(span/|step|) for a positive span no larger than a dim,
// computed as (span-1)/|step|+1 in uint64 so that a step near either end
// of int64 (math.MinInt64 included, whose magnitude is 2^63) cannot
// overflow the way span+|step|-1 would.
func stepCount(span, step int64) int {
	mag := uint64(step)
	if step < 0 {
		mag = -mag // two's complement: exact for math.MinInt64 too
	}
	return int((uint64(span)-1)/mag + 1)
}

// EvenSplit cuts a dim into parts of ceil(dim/parts), the last ones
// smaller (ONNX Split without split sizes); parts > 0.
func EvenSplit(dim, parts int) []int {
	chunk := (dim + parts - 1) / parts
	sizes := make([]int, parts)
	left := dim
	for i := range sizes {
		sizes[i] = min(chunk, left)
		left -= sizes[i]
	}
	return sizes
}

func inferSplit(n *Node) error {
	in := n.InType(0)
	parts := len(n.Outputs)
	base, ok := rankedLike(in.Shape)
	axis := -1
	if ok {
		axis = normAxisDecl(n.Int("axis"), len(base.Dims))
	}
	var sizes []int64
	if axis >= 0 {
		if n.In(1) != nil {
			if s, ok := constInts(n, 1); ok && len(s) == parts {
				sizes = s
			}
		} else if d := base.Dims[axis]; d.Known() && parts > 0 {
			for _, k := range EvenSplit(int(d.Size), parts) {
				sizes = append(sizes, int64(k))
			}
		}
	}
	for o := range n.Outputs {
		s := UnrankedShape
		if ok {
			s, _ = rankedLike(base)
			if axis >= 0 {
				s.Dims[axis] = Unknown()
				if sizes != nil {
					s.Dims[axis] = Static(sizes[o])
				}
			} else {
				for d := range s.Dims {
					s.Dims[d] = Unknown()
				}
			}
		}
		n.SetOut(o, TensorType(in.DType, s))
	}
	return nil
}

func inferPad(n *Node) error {
	in := n.InType(0)
	out, ok := rankedLike(in.Shape)
	if !ok {
		n.SetOut(0, TensorType(in.DType, UnrankedShape))
		return nil
	}
	r := len(out.Dims)
	pads, okP := constInts(n, 1)
	axes, okA := constAxes(n, 3, r, r)
	if !okP || !okA || len(pads) != 2*len(axes) {
		for d := range out.Dims {
			out.Dims[d] = Unknown()
		}
		n.SetOut(0, TensorType(in.DType, out))
		return nil
	}
	for k, a := range axes {
		if pads[k] == 0 && pads[k+len(axes)] == 0 {
			continue // the dim, symbolic or not, is kept
		}
		if d := in.Shape.Dims[a]; d.Known() && d.Size+pads[k]+pads[k+len(axes)] >= 0 {
			out.Dims[a] = Static(d.Size + pads[k] + pads[k+len(axes)])
		} else {
			out.Dims[a] = Unknown()
		}
	}
	n.SetOut(0, TensorType(in.DType, out))
	return nil
}

func inferTile(n *Node) error {
	in := n.InType(0)
	out, ok := rankedLike(in.Shape)
	if !ok {
		n.SetOut(0, TensorType(in.DType, UnrankedShape))
		return nil
	}
	reps, okR := constInts(n, 1)
	for d := range out.Dims {
		if okR && len(reps) == len(out.Dims) && out.Dims[d].Known() && reps[d] >= 0 {
			out.Dims[d] = Static(out.Dims[d].Size * reps[d])
		} else {
			out.Dims[d] = Unknown()
		}
	}
	n.SetOut(0, TensorType(in.DType, out))
	return nil
}
