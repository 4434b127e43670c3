// Package autodiff appends reverse-mode gradient computations to an IR
// graph. It walks the nodes between the chosen inputs and the output
// backwards and applies each op's gradient rule (ir.OpDef.Grad), which
// emits ordinary IR nodes: there is no tape, and the backward graph runs
// through the same runtime and kernels as the forward one.
package autodiff

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Gradients appends to g the nodes computing the gradient of y with
// respect to each of xs, seeding dy with ones (so for a non-scalar y it
// is the gradient of sum(y)). fresh returns an unused value name for a
// base. An x that y does not depend on gets a zero gradient.
func Gradients(g *ir.Graph, y *ir.Value, xs []*ir.Value, fresh func(string) string) ([]*ir.Value, error) {
	b := &builder{g: g, fresh: fresh}
	nodes := relevantNodes(g, y, xs)
	seed, err := b.filled(y, 1)
	if err != nil {
		return nil, err
	}
	grads := map[*ir.Value]*ir.Value{y: withTypeOf(seed, y)}
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		dy := make([]*ir.Value, len(n.Outputs))
		flows := false
		for j, v := range n.Outputs {
			if v != nil && grads[v] != nil {
				dy[j], flows = grads[v], true
			}
		}
		if !flows {
			continue
		}
		if n.Def.Grad == nil {
			return nil, fmt.Errorf("%s: op %s has no gradient rule yet", n, n.Op)
		}
		dx, err := n.Def.Grad(b, n, dy)
		if err != nil {
			return nil, fmt.Errorf("%s: gradient: %w", n, err)
		}
		for j, d := range dx {
			if d == nil || j >= len(n.Inputs) || n.Inputs[j] == nil {
				continue
			}
			in := n.Inputs[j]
			if prev := grads[in]; prev != nil {
				if d, err = b.Op("Add", nil, prev, d); err != nil {
					return nil, err
				}
			}
			grads[in] = withTypeOf(d, in)
		}
	}
	out := make([]*ir.Value, len(xs))
	for i, x := range xs {
		if out[i] = grads[x]; out[i] == nil {
			if out[i], err = b.filled(x, 0); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// withTypeOf gives a gradient the type of the value it is the gradient of
// where inference could not (a gradient always has its value's dtype and
// shape; ConstantOfShape of a Shape, say, hides the shape from inference).
func withTypeOf(grad, v *ir.Value) *ir.Value {
	gt := &grad.Type
	if gt.DType == ir.Undefined {
		gt.DType = v.Type.DType
	}
	switch {
	case !gt.Shape.Ranked:
		gt.Shape = v.Type.Shape
	case gt.Shape.Rank() == v.Type.Shape.Rank():
		dims := append([]ir.Dim{}, gt.Shape.Dims...)
		for i, d := range dims {
			if !d.Known() {
				dims[i] = v.Type.Shape.Dims[i]
			}
		}
		gt.Shape.Dims = dims
	}
	return grad
}

// relevantNodes returns, in graph order, the nodes that depend on some x
// and that y depends on: the only ones gradients flow through.
func relevantNodes(g *ir.Graph, y *ir.Value, xs []*ir.Value) []*ir.Node {
	fromX := map[*ir.Value]bool{}
	for _, x := range xs {
		fromX[x] = true
	}
	forward := map[*ir.Node]bool{}
	for _, n := range g.Nodes {
		// Reads, not Inputs: an If or Loop depends on what its bodies
		// capture, and must meet its (missing) gradient rule, not be
		// skipped as if x did not reach it.
		for _, v := range n.Reads() {
			if v != nil && fromX[v] {
				forward[n] = true
			}
		}
		if forward[n] {
			for _, v := range n.Outputs {
				if v != nil {
					fromX[v] = true
				}
			}
		}
	}
	toY := map[*ir.Value]bool{y: true}
	var out []*ir.Node
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		if !forward[n] || !slices.ContainsFunc(n.Outputs, func(v *ir.Value) bool { return v != nil && toY[v] }) {
			continue
		}
		out = append(out, n)
		for _, v := range n.Reads() {
			if v != nil {
				toY[v] = true
			}
		}
	}
	slices.Reverse(out)
	return out
}

// builder implements ir.GradBuilder over a graph.
type builder struct {
	g     *ir.Graph
	fresh func(string) string
}

func (b *builder) Op(op string, attrs map[string]*ir.Attr, in ...*ir.Value) (*ir.Value, error) {
	n, err := b.g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{b.fresh("grad_" + op)}, Attrs: attrs})
	if err != nil {
		return nil, err
	}
	return n.Outputs[0], nil
}

// OpOutputs implements ir.OutputsBuilder: it emits a node whose output
// slots are those want marks (trailing unwanted ones dropped), and
// returns them, nil for the others.
func (b *builder) OpOutputs(op string, attrs map[string]*ir.Attr, want []bool, in ...*ir.Value) ([]*ir.Value, error) {
	last := len(want)
	for last > 0 && !want[last-1] {
		last--
	}
	names := make([]string, last)
	for i := range names {
		if want[i] {
			names[i] = b.fresh("grad_" + op)
		}
	}
	n, err := b.g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: names, Attrs: attrs})
	if err != nil {
		return nil, err
	}
	out := make([]*ir.Value, len(want))
	copy(out, n.Outputs)
	return out, nil
}

var _ ir.OutputsBuilder = (*builder)(nil)

func (b *builder) constant(t *ir.Tensor) *ir.Value {
	return b.g.AddInit(b.fresh("grad_const"), t)
}

// filled emits a tensor shaped like v, of v's dtype, filled with x.
func (b *builder) filled(v *ir.Value, x float64) (*ir.Value, error) {
	if v.Type.Kind != ir.TensorKind || !v.Type.DType.IsFloat() {
		return nil, fmt.Errorf("value %q: gradients need a float tensor, it is %s", v.Name, v.Type)
	}
	shape, err := b.Op("Shape", nil, v)
	if err != nil {
		return nil, err
	}
	one := ir.Zeros(v.Type.DType, []int{1})
	one.SetFloat64At(0, x)
	return b.Op("ConstantOfShape", map[string]*ir.Attr{"value": ir.TensorAttr(one)}, shape)
}

// SumTo sums grad over the axes along which x was broadcast. It needs both
// shapes known when the graph is built.
func (b *builder) SumTo(grad, x *ir.Value) (*ir.Value, error) {
	gs, ok1 := grad.Type.Shape.Static()
	xs, ok2 := x.Type.Shape.Static()
	if !ok1 || !ok2 {
		if grad.Type.Shape.Equal(x.Type.Shape) && grad.Type.Shape.Ranked {
			return grad, nil // same symbolic shape: no broadcasting
		}
		return nil, fmt.Errorf("gradient of broadcast %q needs static shapes (have %s and %s)", x.Name, grad.Type.Shape, x.Type.Shape)
	}
	if slices.Equal(gs, xs) {
		return grad, nil
	}
	var axes []int64
	off := len(gs) - len(xs)
	for i := range gs {
		if i < off || (xs[i-off] == 1 && gs[i] != 1) {
			axes = append(axes, int64(i))
		}
	}
	sum, err := b.Op("ReduceSum", map[string]*ir.Attr{"keepdims": ir.IntAttr(1)},
		grad, b.constant(ir.FromSlice([]int{len(axes)}, axes)))
	if err != nil {
		return nil, err
	}
	shape := make([]int64, len(xs))
	for i, d := range xs {
		shape[i] = int64(d)
	}
	return b.Op("Reshape", nil, sum, b.constant(ir.FromSlice([]int{len(shape)}, shape)))
}
