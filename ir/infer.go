package ir

import "fmt"

// Building blocks for OpDef.Infer. They tolerate unknown input types: what
// cannot be derived is left unknown, never guessed.

// SetOut sets the type of output i if that output is present.
func (n *Node) SetOut(i int, t Type) {
	if v := n.Out(i); v != nil {
		v.Type = t
	}
}

// InType returns the type of input i, or the zero Type if absent.
func (n *Node) InType(i int) Type {
	if v := n.In(i); v != nil {
		return v.Type
	}
	return Type{}
}

// InferSameAs returns an Infer that gives every output the type of input i.
func InferSameAs(i int) func(*Node) error {
	return func(n *Node) error {
		for o := range n.Outputs {
			n.SetOut(o, n.InType(i))
		}
		return nil
	}
}

// InferDTypeOf returns an Infer that gives output 0 input i's dtype and an
// unknown shape.
func InferDTypeOf(i int) func(*Node) error {
	return func(n *Node) error {
		n.SetOut(0, TensorType(n.InType(i).DType, UnrankedShape))
		return nil
	}
}

// InferFixed returns an Infer that gives each output the listed dtype (the
// last one repeats) and an unknown shape.
func InferFixed(dts ...DType) func(*Node) error {
	return func(n *Node) error {
		for o := range n.Outputs {
			dt := dts[len(dts)-1]
			if o < len(dts) {
				dt = dts[o]
			}
			n.SetOut(o, TensorType(dt, UnrankedShape))
		}
		return nil
	}
}

// InferBroadcast returns an Infer for elementwise ops: the output shape is
// the numpy broadcast of all tensor inputs; the dtype is out, or input 0's
// when out is Undefined.
func InferBroadcast(out DType) func(*Node) error {
	return func(n *Node) error {
		var shapes []Shape
		for _, v := range n.Inputs {
			if v != nil {
				shapes = append(shapes, v.Type.Shape)
			}
		}
		s, err := BroadcastShapes(shapes...)
		if err != nil {
			return err
		}
		dt := out
		if dt == Undefined {
			dt = n.InType(0).DType
		}
		n.SetOut(0, TensorType(dt, s))
		return nil
	}
}

// BroadcastShapes applies numpy broadcasting to declared shapes. Unknown
// rank in any input gives unknown rank; a known mismatch is an error.
func BroadcastShapes(shapes ...Shape) (Shape, error) {
	rank := 0
	for _, s := range shapes {
		if !s.Ranked {
			return UnrankedShape, nil
		}
		rank = max(rank, len(s.Dims))
	}
	out := Shape{Ranked: true, Dims: make([]Dim, rank)}
	for i := range out.Dims {
		out.Dims[i] = Static(1)
	}
	for _, s := range shapes {
		off := rank - len(s.Dims)
		for i, d := range s.Dims {
			cur := &out.Dims[off+i]
			switch {
			case d.Known() && d.Size == 1:
			case cur.Known() && cur.Size == 1:
				*cur = d
			case d.Known() && cur.Known() && d.Size != cur.Size:
				return Shape{}, fmt.Errorf("shapes %v cannot be broadcast together", shapes)
			case !d.Known() && cur.Known():
				// keep the known size: a broadcastable dim must equal it
			case d.Known():
				*cur = d
			case d != *cur:
				*cur = Unknown()
			}
		}
	}
	return out, nil
}

// BroadcastDims applies numpy broadcasting to concrete shapes.
func BroadcastDims(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			switch {
			case d == out[off+i] || d == 1:
			case out[off+i] == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v cannot be broadcast together", shapes)
			}
		}
	}
	return out, nil
}
