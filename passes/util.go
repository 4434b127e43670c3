package passes

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// constOf returns the tensor of v when v is a constant: an initializer
// that is not also a graph input (an input's initializer is only a
// default the caller may override).
func constOf(v *ir.Value) *ir.Tensor {
	if v == nil || v.Init == nil {
		return nil
	}
	if v.Owner != nil && slices.Contains(v.Owner.Inputs, v) {
		return nil
	}
	return v.Init
}

// scalarOf returns the value of a one-element numeric constant.
func scalarOf(v *ir.Value) (float64, bool) {
	t := constOf(v)
	if t == nil || t.Len() != 1 || !t.DType.IsNumeric() {
		return 0, false
	}
	return t.Float64At(0), true
}

// allEqual reports whether v is a numeric constant whose every element is x.
func allEqual(v *ir.Value, x float64) bool {
	t := constOf(v)
	if t == nil || !t.DType.IsNumeric() || t.Len() == 0 {
		return false
	}
	for i := 0; i < t.Len(); i++ {
		if t.Float64At(i) != x {
			return false
		}
	}
	return true
}

// staticShape returns v's dims when they are all known.
func staticShape(v *ir.Value) ([]int, bool) {
	if v == nil || v.Type.Kind != ir.TensorKind {
		return nil, false
	}
	return v.Type.Shape.Static()
}

// sameStaticType reports whether a and b are tensors of one dtype and one
// fully known shape.
func sameStaticType(a, b *ir.Value) bool {
	sa, oka := staticShape(a)
	sb, okb := staticShape(b)
	return oka && okb && a.Type.DType == b.Type.DType && slices.Equal(sa, sb)
}

// sameType reports whether a and b are tensors of one dtype and one
// shape, known or symbolic: every dim a size or a named symbol (equal
// names are equal sizes), never an anonymous unknown.
func sameType(a, b *ir.Value) bool {
	if a == nil || b == nil || a.Type.Kind != ir.TensorKind || !a.Type.Equal(b.Type) || !a.Type.Shape.Ranked {
		return false
	}
	for _, d := range a.Type.Shape.Dims {
		if !d.Known() && d.Sym == "" {
			return false
		}
	}
	return true
}

// is reports whether n is the default-domain op name.
func is(n *ir.Node, name string) bool {
	return n != nil && n.Op == name && (n.Domain == "" || n.Domain == "ai.onnx")
}

// producer returns the node of v's graph that defines v, or nil.
func producer(v *ir.Value) *ir.Node {
	if v == nil {
		return nil
	}
	return v.Producer
}

// other returns the input of binary node n that is not v (the second when
// both are v), and false when v is not an input of n.
func other(n *ir.Node, v *ir.Value) (*ir.Value, bool) {
	switch {
	case len(n.Inputs) != 2:
		return nil, false
	case n.Inputs[0] == v:
		return n.Inputs[1], true
	case n.Inputs[1] == v:
		return n.Inputs[0], true
	}
	return nil, false
}

// isFloat32 reports whether v is a float32 tensor.
func isFloat32(v *ir.Value) bool {
	return v != nil && v.Type.Kind == ir.TensorKind && v.Type.DType == ir.Float32
}

// onlyOutput reports whether n's only present output is output 0.
func onlyOutput(n *ir.Node) bool {
	for i, v := range n.Outputs {
		if v != nil && i > 0 {
			return false
		}
	}
	return n.Out(0) != nil
}

// nondeterministic ops draw random numbers: folding or merging two of them
// would change what a model computes.
var nondeterministic = map[string]bool{
	"RandomNormal": true, "RandomUniform": true, "RandomNormalLike": true, "RandomUniformLike": true,
	"Multinomial": true, "Bernoulli": true, "Dropout": true,
}

// pure reports whether n computes its outputs from its inputs alone, the
// same every time, with no subgraph: nodes passes may fold, merge or move.
func pure(n *ir.Node) bool {
	if n.Domain != "" && n.Domain != ir.FusedDomain {
		return false
	}
	if nondeterministic[n.Op] {
		return false
	}
	return !n.HasSubgraphs()
}

// int64Tensor makes a 1-D int64 constant.
func int64Tensor(vals []int) *ir.Tensor {
	out := make([]int64, len(vals))
	for i, v := range vals {
		out[i] = int64(v)
	}
	return ir.FromSlice([]int{len(out)}, out)
}
