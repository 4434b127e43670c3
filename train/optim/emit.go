package optim

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// emitter appends the nodes of one update to a graph. Its error is
// sticky: after the first failure every call returns nil and does
// nothing, so an update reads as straight-line arithmetic and checks err
// once at the end.
type emitter struct {
	g     *ir.Graph
	fresh func(string) string
	base  string   // prefix of new value names: the parameter's name
	dt    ir.DType // the parameter's dtype, of every float constant
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
	n, err := e.g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{e.fresh(e.base + "_" + op)}, Attrs: attrs})
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

// scale multiplies by a constant.
func (e *emitter) scale(a *ir.Value, c float64) *ir.Value { return e.mul(a, e.scalar(c)) }

// scalar is a rank-0 constant of e.dt.
func (e *emitter) scalar(x float64) *ir.Value {
	t := ir.Zeros(e.dt, nil)
	t.SetFloat64At(0, x)
	return e.g.AddInit(e.fresh(e.base+"_const"), t)
}

// to converts v to e.dt, emitting nothing when it already is.
func (e *emitter) to(v *ir.Value) *ir.Value {
	if v == nil || v.Type.DType == e.dt {
		return v
	}
	return e.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(e.dt))}, v)
}

// norm is the Euclidean norm of all of v, a scalar.
func (e *emitter) norm(v *ir.Value) *ir.Value {
	return e.op("Sqrt", nil, e.op("ReduceSumSquare", map[string]*ir.Attr{"keepdims": ir.IntAttr(0)}, v))
}

// pow1m is 1 - c^step, the bias correction of a moving average with decay
// c after step updates.
func (e *emitter) pow1m(c float64, step *ir.Value) *ir.Value {
	return e.sub(e.scalar(1), e.op("Pow", nil, e.scalar(c), step))
}

// ema is the moving average a·c + x·(1-c).
func (e *emitter) ema(a, x *ir.Value, c float64) *ir.Value {
	return e.add(e.scale(a, c), e.scale(x, 1-c))
}
