package ir

import "fmt"

// GradBuilder is what a gradient rule uses to emit the backward
// computation as ordinary IR nodes, so backward graphs go through the same
// passes and kernels as forward ones.
type GradBuilder interface {
	// Op emits a node with one output and returns that output. op is a
	// registry key (OpKey): "dlc.ConvGradWeight" names a dlc-domain op.
	Op(op string, attrs map[string]*Attr, in ...*Value) (*Value, error)
	// SumTo reduces grad, the gradient of a value that x was broadcast
	// into, to x's shape (the adjoint of numpy broadcasting).
	SumTo(grad, x *Value) (*Value, error)
}

// OutputsBuilder is a GradBuilder that can also emit a node with several
// outputs, as the fused normalization gradients need; want says which
// output slots the node has, and the result holds nil for the others.
// With a builder that lacks it the rules emit their one-output
// decompositions instead.
type OutputsBuilder interface {
	OpOutputs(op string, attrs map[string]*Attr, want []bool, in ...*Value) ([]*Value, error)
}

// GradFunc is the gradient rule of an op: given the node and the gradients
// of its outputs (dy, nil where none flows), it returns the gradients of
// its inputs (nil where none flows or the input is not differentiable).
type GradFunc func(b GradBuilder, n *Node, dy []*Value) ([]*Value, error)

// withGrad attaches a gradient rule to an op declaration.
func withGrad(d *OpDef, g GradFunc) *OpDef {
	d.Grad = g
	return d
}

// Gradient rules of elementwise arithmetic. Each reduces broadcast inputs
// with SumTo.

func gradAdd(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	return sumToInputs(b, n, dy[0], dy[0])
}

func gradSub(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	neg, err := b.Op("Neg", nil, dy[0])
	if err != nil {
		return nil, err
	}
	return sumToInputs(b, n, dy[0], neg)
}

// d(AB) = B dA + A dB.
func gradMul(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	da, err := b.Op("Mul", nil, dy[0], n.Inputs[1])
	if err != nil {
		return nil, err
	}
	db, err := b.Op("Mul", nil, dy[0], n.Inputs[0])
	if err != nil {
		return nil, err
	}
	return sumToInputs(b, n, da, db)
}

// d(A/B) = dA/B - A dB/B².
func gradDiv(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	da, err := b.Op("Div", nil, dy[0], n.Inputs[1])
	if err != nil {
		return nil, err
	}
	q, err := b.Op("Div", nil, da, n.Inputs[1]) // dy / B²
	if err != nil {
		return nil, err
	}
	q, err = b.Op("Mul", nil, q, n.Inputs[0])
	if err != nil {
		return nil, err
	}
	db, err := b.Op("Neg", nil, q)
	if err != nil {
		return nil, err
	}
	return sumToInputs(b, n, da, db)
}

func gradNeg(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	d, err := b.Op("Neg", nil, dy[0])
	return []*Value{d}, err
}

func gradIdentity(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	if n.InType(0).Kind != TensorKind {
		return nil, fmt.Errorf("gradient through a non-tensor Identity")
	}
	return []*Value{dy[0]}, nil
}

// sumToInputs reduces the gradients of a binary op's two inputs to their
// shapes.
func sumToInputs(b GradBuilder, n *Node, da, db *Value) ([]*Value, error) {
	e := newEmitter(b)
	return e.done(e.sumTo(da, n.Inputs[0]), e.sumTo(db, n.Inputs[1]))
}
