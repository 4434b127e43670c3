package ir

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
		if !d.Known() || steps[k] == 0 {
			out.Dims[a] = Unknown()
			continue
		}
		out.Dims[a] = Static(sliceCount(starts[k], ends[k], steps[k], d.Size))
	}
	n.SetOut(0, TensorType(in.DType, out))
	return nil
}

// sliceCount is the number of elements numpy slicing start:end:step takes
// from a dim of size dim, with ONNX's clamping; step is not 0.
func sliceCount(start, end, step, dim int64) int64 {
	if start < 0 {
		start += dim
	}
	if end < 0 {
		end += dim
	}
	if step > 0 {
		start = min(max(start, 0), dim)
		end = min(max(end, 0), dim)
		if end <= start {
			return 0
		}
		return (end-start-1)/step + 1
	}
	start = min(max(start, -1), dim-1)
	end = min(max(end, -1), dim-1)
	if start <= end {
		return 0
	}
	return (start-end-1)/(-step) + 1
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
			chunk := (d.Size + int64(parts) - 1) / int64(parts)
			left := d.Size
			for range parts {
				sizes = append(sizes, min(chunk, left))
				left -= sizes[len(sizes)-1]
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
