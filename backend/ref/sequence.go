package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Sequence kernels. Sequences are immutable values: every kernel that
// "modifies" one returns a new *ir.Sequence sharing the unchanged tensors.

func init() {
	Register("SequenceConstruct", sequenceConstruct)
	Register("SequenceEmpty", sequenceEmpty)
	Register("SequenceAt", sequenceAt)
	Register("SequenceInsert", sequenceInsert)
	Register("SequenceErase", sequenceErase)
	Register("SequenceLength", sequenceLength)
	Register("SplitToSequence", splitToSequence)
	Register("ConcatFromSequence", concatFromSequence)
	Register("SequenceMap", sequenceMap)
}

// seqInput returns input i as a sequence, or an error naming what it is.
func seqInput(in []ir.Data, i int) (*ir.Sequence, error) {
	if i < len(in) {
		if s, ok := in[i].(*ir.Sequence); ok {
			return s, nil
		}
		// A present optional holding a sequence is accepted where a
		// sequence is expected: loop-carried values may be either.
		if o, ok := in[i].(*ir.Optional); ok {
			if s, ok := o.Value.(*ir.Sequence); ok {
				return s, nil
			}
		}
		return nil, fmt.Errorf("input %d is %T, want a sequence", i, in[i])
	}
	return nil, fmt.Errorf("input %d is missing, want a sequence", i)
}

// seqElem is the element type recorded on a sequence a node produces: the
// inferred one when it names a dtype, else dt with an unknown shape.
func seqElem(n *ir.Node, out int, dt ir.DType) ir.Type {
	if v := n.Out(out); v != nil && v.Type.Kind == ir.SequenceKind && v.Type.Elem != nil && v.Type.Elem.DType == dt {
		return *v.Type.Elem
	}
	return ir.TensorType(dt, ir.UnrankedShape)
}

func sequenceConstruct(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	items := make([]*ir.Tensor, len(in))
	for i := range in {
		t, ok := in[i].(*ir.Tensor)
		if !ok || t == nil {
			return nil, fmt.Errorf("input %d is %T, want a tensor", i, in[i])
		}
		if i > 0 && t.DType != items[0].DType {
			return nil, fmt.Errorf("input %d has dtype %s, input 0 has %s", i, t.DType, items[0].DType)
		}
		items[i] = t
	}
	return []ir.Data{&ir.Sequence{Elem: seqElem(n, 0, items[0].DType), Items: items}}, nil
}

func sequenceEmpty(_ Ctx, n *ir.Node, _ []ir.Data) ([]ir.Data, error) {
	dt := ir.DType(n.Int("dtype"))
	if !dt.Supported() {
		return nil, fmt.Errorf("unsupported dtype %s", dt)
	}
	return []ir.Data{&ir.Sequence{Elem: seqElem(n, 0, dt), Items: []*ir.Tensor{}}}, nil
}

// seqPosition reads a position input and checks it against [-n, limit)
// where limit is n for lookups and n+1 for insertion; negative positions
// count from the back.
func seqPosition(t *ir.Tensor, n, limit int) (int, error) {
	p, err := scalarInt(t, "position")
	if err != nil {
		return 0, err
	}
	if p < int64(-n) || p >= int64(limit) {
		return 0, fmt.Errorf("position %d out of range for a sequence of %d items", p, n)
	}
	if p < 0 {
		p += int64(n)
	}
	return int(p), nil
}

func sequenceAt(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	s, err := seqInput(in, 0)
	if err != nil {
		return nil, err
	}
	p, err := seqPosition(Tensor(in, 1), len(s.Items), len(s.Items))
	if err != nil {
		return nil, err
	}
	return []ir.Data{s.Items[p]}, nil
}

func sequenceInsert(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	s, err := seqInput(in, 0)
	if err != nil {
		return nil, err
	}
	t := Tensor(in, 1)
	if len(s.Items) > 0 && t.DType != s.Items[0].DType {
		return nil, fmt.Errorf("tensor has dtype %s, the sequence holds %s", t.DType, s.Items[0].DType)
	}
	if len(s.Items) == 0 && s.Elem.DType != ir.Undefined && s.Elem.DType != t.DType {
		return nil, fmt.Errorf("tensor has dtype %s, the sequence holds %s", t.DType, s.Elem.DType)
	}
	p := len(s.Items)
	if pt := Tensor(in, 2); pt != nil {
		if p, err = seqPosition(pt, len(s.Items), len(s.Items)+1); err != nil {
			return nil, err
		}
	}
	items := make([]*ir.Tensor, 0, len(s.Items)+1)
	items = append(items, s.Items[:p]...)
	items = append(items, t)
	items = append(items, s.Items[p:]...)
	return []ir.Data{&ir.Sequence{Elem: seqElem(n, 0, t.DType), Items: items}}, nil
}

func sequenceErase(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	s, err := seqInput(in, 0)
	if err != nil {
		return nil, err
	}
	if len(s.Items) == 0 {
		return nil, fmt.Errorf("cannot erase from an empty sequence")
	}
	p := len(s.Items) - 1
	if pt := Tensor(in, 1); pt != nil {
		if p, err = seqPosition(pt, len(s.Items), len(s.Items)); err != nil {
			return nil, err
		}
	}
	items := make([]*ir.Tensor, 0, len(s.Items)-1)
	items = append(items, s.Items[:p]...)
	items = append(items, s.Items[p+1:]...)
	return []ir.Data{&ir.Sequence{Elem: s.Elem, Items: items}}, nil
}

func sequenceLength(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	s, err := seqInput(in, 0)
	if err != nil {
		return nil, err
	}
	return []ir.Data{ir.Scalar(int64(len(s.Items)))}, nil
}

// splitToSequence cuts the input along axis. With no split input every
// piece has length 1 (and keepdims=0 squeezes the axis away); a scalar
// split gives pieces of that length, the last one possibly shorter; a 1-D
// split lists the lengths, which must sum to the axis length.
func splitToSequence(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	axis, err := NormAxis(n.Int("axis"), x.Rank())
	if err != nil {
		return nil, err
	}
	dim := x.Shape[axis]
	var lengths []int
	split := Tensor(in, 1)
	switch {
	case split == nil:
		for range dim {
			lengths = append(lengths, 1)
		}
	case split.Rank() == 0:
		size, err := scalarInt(split, "split")
		if err != nil {
			return nil, err
		}
		if size <= 0 {
			return nil, fmt.Errorf("split size %d must be positive", size)
		}
		for left := dim; left > 0; left -= int(size) {
			lengths = append(lengths, min(left, int(size)))
		}
	default:
		if !split.DType.IsInt() || split.Rank() != 1 {
			return nil, fmt.Errorf("split must be an integer scalar or 1-D tensor, is %s", split)
		}
		sum := 0
		for _, l := range split.Int64s() {
			if l < 0 {
				return nil, fmt.Errorf("split length %d is negative", l)
			}
			lengths = append(lengths, int(l))
			sum += int(l)
		}
		if sum != dim {
			return nil, fmt.Errorf("split lengths sum to %d, axis %d has length %d", sum, axis, dim)
		}
	}
	squeeze := split == nil && n.Int("keepdims") == 0
	outer, inner := prod(x.Shape[:axis]), prod(x.Shape[axis+1:])
	items := make([]*ir.Tensor, 0, len(lengths))
	start := 0
	for _, l := range lengths {
		shape := append([]int{}, x.Shape...)
		shape[axis] = l
		piece := ir.Zeros(x.DType, shape)
		for o := 0; o < outer; o++ {
			copyRun(piece, o*l*inner, x, (o*dim+start)*inner, l*inner)
		}
		if squeeze {
			piece = piece.Reshaped(append(append([]int{}, x.Shape[:axis]...), x.Shape[axis+1:]...))
		}
		items = append(items, piece)
		start += l
	}
	return []ir.Data{&ir.Sequence{Elem: seqElem(n, 0, x.DType), Items: items}}, nil
}

func concatFromSequence(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	s, err := seqInput(in, 0)
	if err != nil {
		return nil, err
	}
	if len(s.Items) == 0 {
		return nil, fmt.Errorf("cannot concatenate an empty sequence")
	}
	rank := s.Items[0].Rank()
	if n.Int("new_axis") == 1 {
		axis, err := NormAxis(n.Int("axis"), rank+1)
		if err != nil {
			return nil, err
		}
		t, err := stackAxis(s.Items, axis)
		return []ir.Data{t}, err
	}
	axis, err := NormAxis(n.Int("axis"), rank)
	if err != nil {
		return nil, err
	}
	t, err := concatAxis(s.Items, axis)
	return []ir.Data{t}, err
}

// sequenceMap runs the body once per item of the sequence inputs; tensor
// inputs are passed unchanged to every run.
func sequenceMap(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	body := n.GraphAttr("body")
	count := -1
	for i, d := range in {
		if s, ok := d.(*ir.Sequence); ok {
			if count >= 0 && len(s.Items) != count {
				return nil, fmt.Errorf("sequence input %d has %d items, an earlier one has %d", i, len(s.Items), count)
			}
			count = len(s.Items)
		}
	}
	if _, ok := in[0].(*ir.Sequence); !ok {
		return nil, fmt.Errorf("input 0 is %T, want a sequence", in[0])
	}
	items := make([][]*ir.Tensor, len(n.Outputs))
	for k := 0; k < count; k++ {
		args := make([]ir.Data, len(in))
		for i, d := range in {
			if s, ok := d.(*ir.Sequence); ok {
				args[i] = s.Items[k]
			} else {
				args[i] = d
			}
		}
		outs, err := ctx.RunGraph(body, args)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", k, err)
		}
		for o := range items {
			t, ok := outs[o].(*ir.Tensor)
			if !ok {
				return nil, fmt.Errorf("item %d: body output %d is %T, want a tensor", k, o, outs[o])
			}
			items[o] = append(items[o], t)
		}
	}
	res := make([]ir.Data, len(n.Outputs))
	for o := range res {
		dt := ir.Undefined
		if len(items[o]) > 0 {
			dt = items[o][0].DType
		} else if o < len(body.Outputs) {
			dt = body.Outputs[o].Type.DType
		}
		res[o] = &ir.Sequence{Elem: seqElem(n, o, dt), Items: append([]*ir.Tensor{}, items[o]...)}
	}
	return res, nil
}
