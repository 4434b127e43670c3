package ir

import "fmt"

// Gradient rules of the shape ops: dy is moved back to where each element
// came from. Index inputs (shapes, axes, starts, indices) get none.

// Reshape, Flatten, Squeeze and Unsqueeze keep the element order: dX is
// dy reshaped to X's shape.
func gradReshapeLike(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	return e.done(e.reshapeLike(dy[0], n.Inputs[0]))
}

// Transpose: dX is dy transposed by the inverse permutation.
func gradTranspose(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	r := e.rankOf(n.Inputs[0])
	if e.err != nil {
		return nil, e.err
	}
	perm := n.Ints("perm")
	if len(perm) == 0 {
		for i := range r {
			perm = append(perm, int64(r-1-i))
		}
	}
	inv, ok := inversePerm(perm, r)
	if !ok {
		return nil, fmt.Errorf("perm %v is not a permutation of %d dims", perm, r)
	}
	return e.done(e.op("Transpose", map[string]*Attr{"perm": IntsAttr(inv...)}, dy[0]))
}

// inversePerm inverts a permutation of [0, r), reporting whether perm is
// one.
func inversePerm(perm []int64, r int) ([]int64, bool) {
	if len(perm) != r {
		return nil, false
	}
	inv := make([]int64, r)
	seen := make([]bool, r)
	for i, p := range perm {
		if p < 0 || p >= int64(r) || seen[p] {
			return nil, false
		}
		seen[p] = true
		inv[p] = int64(i)
	}
	return inv, true
}

// Expand: dX is dy summed over the broadcast dims.
func gradExpand(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	return e.done(e.sumTo(dy[0], n.Inputs[0]))
}

// dimAt emits dim axis of v as a 1-element int64 tensor (a constant when
// known).
func (e *emitter) dimAt(v *Value, axis int) *Value {
	if s := v.Type.Shape; s.Ranked && axis < len(s.Dims) && s.Dims[axis].Known() {
		return e.ints(s.Dims[axis].Size)
	}
	return e.op("Shape", map[string]*Attr{"start": IntAttr(int64(axis)), "end": IntAttr(int64(axis + 1))}, v)
}

// Concat: dX_i is the slice of dy along axis where X_i landed.
func gradConcat(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	axis := normAxisDecl(n.Int("axis"), e.rankOf(n.Outputs[0]))
	if e.err == nil && axis < 0 {
		e.fail("axis %d out of range", n.Int("axis"))
	}
	if e.err != nil {
		return nil, e.err
	}
	out := make([]*Value, len(n.Inputs))
	// Offsets stay Go numbers while the dims are known, so inference
	// sees constant starts and ends.
	off, static := int64(0), true
	start := e.ints(0)
	for i, x := range n.Inputs {
		var end *Value
		if s := x.Type.Shape; static && s.Ranked && s.Dims[axis].Known() {
			off += s.Dims[axis].Size
			end = e.ints(off)
		} else {
			static = false
			end = e.add(start, e.dimAt(x, axis))
		}
		out[i] = e.op("Slice", nil, dy[0], start, end, e.ints(int64(axis)))
		start = end
	}
	return e.done(out...)
}

// Split: dX is the outputs' gradients joined along axis, zeros for an
// output that gets none.
func gradSplit(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	parts := make([]*Value, len(n.Outputs))
	for i, o := range n.Outputs {
		switch {
		case o == nil:
			e.fail("gradient of Split with an omitted output %d", i)
		case dy[i] != nil:
			parts[i] = dy[i]
		default:
			parts[i] = e.zerosLike(o)
		}
	}
	return e.done(e.op("Concat", map[string]*Attr{"axis": IntAttr(n.Int("axis"))}, parts...))
}

// flatPositions emits, for every element of x, its row-major offset, as an
// int64 tensor of x's shape.
func (e *emitter) flatPositions(x *Value) *Value {
	i64 := func(v int64) *Value { return e.constant(Scalar(v)) }
	size := e.op("Size", nil, x)
	return e.reshapeLike(e.op("Range", nil, i64(0), size, i64(1)), x)
}

// Slice: dX is zeros with dy written back at the sliced positions. The
// positions come from slicing a tensor of flat offsets the same way, so
// every start, end, axis and step form the forward op accepts is handled
// by the same kernel.
func gradSlice(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x := n.Inputs[0]
	in := append([]*Value{e.flatPositions(x)}, n.Inputs[1:]...)
	pos := e.op("Slice", nil, in...)
	flat := e.ints(-1)
	dx := e.op("ScatterElements", map[string]*Attr{"axis": IntAttr(0)},
		e.op("Reshape", nil, e.zerosLike(x), flat), e.op("Reshape", nil, pos, flat), e.op("Reshape", nil, dy[0], flat))
	return e.done(e.reshapeLike(dx, x))
}

// Gather: dX adds each slice of dy into the row of X it was read from
// (ScatterND with reduction add, so repeated indices accumulate). The
// gathered axis is moved to the front for the scatter and back after.
func gradGather(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x, indices := n.Inputs[0], n.Inputs[1]
	r, q := e.rankOf(x), e.rankOf(indices)
	if e.err != nil {
		return nil, e.err
	}
	axis := normAxisDecl(n.Int("axis"), r)
	if axis < 0 {
		return nil, fmt.Errorf("axis %d out of range for rank %d", n.Int("axis"), r)
	}
	idx := e.cast(indices, Int64)
	// A scalar dim, so that a scalar index stays one.
	dim := e.op("Reshape", nil, e.dimAt(x, axis), e.ints())
	idx = e.where(e.op("Less", nil, idx, e.constant(Scalar[int64](0))), e.add(idx, dim), idx)
	idx = e.op("Unsqueeze", nil, idx, e.ints(-1))
	add := map[string]*Attr{"reduction": StringAttr("add")}
	if axis == 0 {
		return e.done(e.op("ScatterND", add, e.zerosLike(x), idx, dy[0]))
	}
	// X's axis first; dy's index dims [axis, axis+q) first.
	perm := []int64{int64(axis)}
	for i := range r {
		if i != axis {
			perm = append(perm, int64(i))
		}
	}
	var dyPerm []int64
	for i := range q {
		dyPerm = append(dyPerm, int64(axis+i))
	}
	for i := range r - 1 + q {
		if i < axis || i >= axis+q {
			dyPerm = append(dyPerm, int64(i))
		}
	}
	inv, _ := inversePerm(perm, r)
	tr := func(v *Value, p []int64) *Value {
		return e.op("Transpose", map[string]*Attr{"perm": IntsAttr(p...)}, v)
	}
	s := e.op("ScatterND", add, tr(e.zerosLike(x), perm), idx, tr(dy[0], dyPerm))
	return e.done(tr(s, inv))
}

// Pad in constant mode: dX is dy with the pads undone, which is Pad
// again with the pads negated (a pad becomes a crop, a crop a zero pad).
// The other modes read X more than once and have no rule.
func gradPad(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	if m := n.Str("mode"); m != "constant" {
		return nil, fmt.Errorf("gradient of Pad in mode %q is not supported (only constant)", m)
	}
	e := newEmitter(b)
	in := []*Value{dy[0], e.neg(n.Inputs[1])}
	if axes := n.In(3); axes != nil {
		in = append(in, nil, axes)
	}
	dx := e.op("Pad", nil, in...)
	// The constant fills what dy has beyond X's copy.
	var dc *Value
	if c := n.In(2); c != nil && ConstInput(n, 2) == nil {
		dc = e.reshapeLike(e.sub(e.reduceSum(dy[0], false), e.reduceSum(dx, false)), c)
	}
	return e.done(dx, nil, dc)
}

// Tile: dX sums dy over the copies: dy reshaped to [r0, d0, r1, d1, ...]
// (repeats r, X's dims d) and summed over the r axes.
func gradTile(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x := n.Inputs[0]
	xs := e.staticOf(x)
	reps := e.constIntsInput(n, 1, "repeats")
	if e.err == nil && len(reps) != len(xs) {
		e.fail("repeats has %d values for rank %d", len(reps), len(xs))
	}
	if e.err != nil {
		return nil, e.err
	}
	var shape, axes []int64
	for i, d := range xs {
		shape = append(shape, reps[i], int64(d))
		axes = append(axes, int64(2*i))
	}
	if len(xs) == 0 {
		return e.done(dy[0])
	}
	return e.done(e.reduceSum(e.op("Reshape", nil, dy[0], e.ints(shape...)), false, axes...))
}
