package ir

import (
	"fmt"
	"maps"
)

// The gradient of Resize and the dlc op it emits. Resize is linear in X
// for every mode (each output element is a fixed weighted sum of input
// elements, or the constant extrapolation_value), so dX is the adjoint
// of that sum: each dY element spread back over the input elements it
// read, with the same weights. roi, scales and sizes get no gradient.

func init() {
	Register(&OpDef{Name: "ResizeGrad", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 5, MinOutputs: 1, MaxOutputs: 1,
		Attrs: resizeAttrs(),
		Infer: inferResizeGrad,
		Doc: "dX of a Resize with these attributes, from its input X (for its shape), output gradient dY and " +
			"its roi, scales and sizes: each dY element added to the X elements its sample read, times their weights"})
}

// inferResizeGrad gives dX the type of X; dY must have X's dtype and
// rank.
func inferResizeGrad(n *Node) error {
	x, dy := n.InType(0), n.InType(1)
	if x.DType != Undefined && dy.DType != Undefined && x.DType != dy.DType {
		return fmt.Errorf("dY is %s, X %s", dy.DType, x.DType)
	}
	if x.Shape.Ranked && dy.Shape.Ranked && x.Shape.Rank() != dy.Shape.Rank() {
		return fmt.Errorf("dY has rank %d, X %d", dy.Shape.Rank(), x.Shape.Rank())
	}
	n.SetOut(0, x)
	return nil
}

// gradResize emits dlc.ResizeGrad(X, dY, roi, scales, sizes) with the
// node's attributes.
func gradResize(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	if dy[0] == nil {
		return nil, nil
	}
	if dt := n.InType(0).DType; !dt.IsFloat() {
		return nil, fmt.Errorf("gradient of Resize needs a float X, it is %s", dt)
	}
	ins := []*Value{n.Inputs[0], dy[0]}
	for i := 1; i < 4; i++ {
		ins = append(ins, n.In(i))
	}
	for len(ins) > 2 && ins[len(ins)-1] == nil {
		ins = ins[:len(ins)-1]
	}
	e := newEmitter(b)
	return e.done(e.op(OpKey(FusedDomain, "ResizeGrad"), maps.Clone(n.Attrs), ins...))
}
