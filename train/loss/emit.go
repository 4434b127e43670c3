package loss

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// emitter appends nodes and constants to a graph for one loss. Its error
// is sticky: after the first failure every call returns nil and does
// nothing, so a loss reads as straight-line arithmetic and checks err
// once at the end.
type emitter struct {
	g     *ir.Graph
	fresh func(string) string
	dt    ir.DType // dtype of float constants: the prediction's
	err   error
}

// op appends a one-output node and returns its output.
func (e *emitter) op(op string, attrs map[string]*ir.Attr, in ...*ir.Value) *ir.Value {
	if e.err != nil {
		return nil
	}
	for _, v := range in {
		if v == nil {
			e.err = fmt.Errorf("%s: missing input", op)
			return nil
		}
	}
	n, err := e.g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{e.fresh("loss_" + op)}, Attrs: attrs})
	if err != nil {
		e.err = err
		return nil
	}
	return n.Outputs[0]
}

func (e *emitter) add(a, b *ir.Value) *ir.Value { return e.op("Add", nil, a, b) }
func (e *emitter) sub(a, b *ir.Value) *ir.Value { return e.op("Sub", nil, a, b) }
func (e *emitter) mul(a, b *ir.Value) *ir.Value { return e.op("Mul", nil, a, b) }
func (e *emitter) div(a, b *ir.Value) *ir.Value { return e.op("Div", nil, a, b) }

// reduce applies a Reduce* op over axes (all axes when none are given).
func (e *emitter) reduce(op string, x *ir.Value, keep bool, axes ...int64) *ir.Value {
	k := int64(0)
	if keep {
		k = 1
	}
	attrs := map[string]*ir.Attr{"keepdims": ir.IntAttr(k)}
	if len(axes) == 0 {
		return e.op(op, attrs, x)
	}
	return e.op(op, attrs, x, e.ints(axes...))
}

// floats is a constant of e.dt with the given shape and values.
func (e *emitter) floats(shape []int, xs ...float64) *ir.Value {
	t := ir.Zeros(e.dt, shape)
	for i, x := range xs {
		t.SetFloat64At(i, x)
	}
	return e.g.AddInit(e.fresh("loss_const"), t)
}

// scalar is a rank-0 constant of e.dt.
func (e *emitter) scalar(x float64) *ir.Value { return e.floats(nil, x) }

// ints is a rank-1 int64 constant.
func (e *emitter) ints(xs ...int64) *ir.Value {
	return e.g.AddInit(e.fresh("loss_const"), ir.FromSlice([]int{len(xs)}, xs))
}

// finish reduces per-element losses by r and wraps any error with the
// loss's name.
func (e *emitter) finish(name string, per *ir.Value, r Reduction) (*ir.Value, error) {
	var out *ir.Value
	switch r {
	case Mean:
		out = e.reduce("ReduceMean", per, false)
	case Sum:
		out = e.reduce("ReduceSum", per, false)
	default:
		return nil, fmt.Errorf("%s: unknown reduction %d", name, r)
	}
	return e.done(name, out)
}

func (e *emitter) done(name string, out *ir.Value) (*ir.Value, error) {
	if e.err != nil {
		return nil, fmt.Errorf("%s: %w", name, e.err)
	}
	return out, nil
}
