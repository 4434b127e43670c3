package ir

import (
	"slices"
)

// Gradient rules of the reductions, Softmax and LogSoftmax. A reduction's
// rule first gives dy (and Y, where the rule needs it) back the reduced
// dims as size 1, so that it broadcasts against X.

// reduced is what a reduction rule needs of its node: the input, and dy
// and Y with the reduced dims kept as size 1.
type reduced struct {
	x, dy, y *Value
	axes     []int64 // reduced axes of x, sorted; nil for noop
}

// keptReduce resolves n's axes (a constant input; absent or empty means
// all, or none under noop_with_empty_axes) and unsqueezes dy and Y when
// keepdims=0 dropped them.
func keptReduce(e *emitter, n *Node, dy *Value) reduced {
	x := n.Inputs[0]
	r := reduced{x: x, dy: dy, y: n.Outputs[0]}
	rank := e.rankOf(x)
	var axes []int64
	if n.In(1) != nil {
		axes = e.constIntsInput(n, 1, "axes")
	}
	if e.err != nil {
		return r
	}
	if len(axes) == 0 {
		if n.Int("noop_with_empty_axes") != 0 {
			return r
		}
		for i := range rank {
			axes = append(axes, int64(i))
		}
	}
	axes = e.normAxes(axes, rank)
	slices.Sort(axes)
	axes = slices.Compact(axes)
	r.axes = axes
	if n.Int("keepdims") == 0 && len(axes) > 0 {
		r.dy = e.op("Unsqueeze", nil, dy, e.ints(axes...))
		r.y = e.op("Unsqueeze", nil, r.y, e.ints(axes...))
	}
	return r
}

// reduceGrad builds a reduction's rule from f, which returns dX.
func reduceGrad(f func(e *emitter, r reduced) *Value) GradFunc {
	return func(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
		e := newEmitter(b)
		r := keptReduce(e, n, dy[0])
		if e.err != nil {
			return nil, e.err
		}
		return e.done(f(e, r))
	}
}

// expand broadcasts v to x's shape.
func (e *emitter) expand(v, x *Value) *Value { return e.op("Expand", nil, v, e.shapeOf(x)) }

// count emits the number of elements each output of the reduction r
// folds, as a scalar of X's dtype: a constant where X is static, else
// size(X)/size(dy).
func (e *emitter) count(r reduced) *Value {
	dt := r.x.Type.DType
	if s, ok := r.x.Type.Shape.Static(); ok {
		c := 1
		for _, a := range r.axes {
			c *= s[a]
		}
		return e.scalar(dt, float64(c))
	}
	return e.div(e.cast(e.op("Size", nil, r.x), dt), e.cast(e.op("Size", nil, r.dy), dt))
}

var (
	// dX = dy broadcast.
	gradReduceSum = reduceGrad(func(e *emitter, r reduced) *Value { return e.expand(r.dy, r.x) })
	// dX = dy/count broadcast.
	gradReduceMean = reduceGrad(func(e *emitter, r reduced) *Value {
		return e.expand(e.div(r.dy, e.count(r)), r.x)
	})
	// dX = dy where X equals the result (every tied element gets it all).
	gradReduceMaxMin = reduceGrad(func(e *emitter, r reduced) *Value {
		return e.where(e.op("Equal", nil, r.x, r.y), r.dy, e.zero(r.dy))
	})
	// dX = 2·X·dy.
	gradReduceSumSquare = reduceGrad(func(e *emitter, r reduced) *Value {
		return e.mul(e.mul(r.x, e.scalar(r.x.Type.DType, 2)), r.dy)
	})
	// dX = sign(X)·dy.
	gradReduceL1 = reduceGrad(func(e *emitter, r reduced) *Value {
		return e.mul(e.op("Sign", nil, r.x), r.dy)
	})
	// dX = X/Y·dy.
	gradReduceL2 = reduceGrad(func(e *emitter, r reduced) *Value {
		return e.mul(e.div(r.x, r.y), r.dy)
	})
	// dX = e^(X-Y)·dy, the softmax of X over the axes times dy.
	gradReduceLogSumExp = reduceGrad(func(e *emitter, r reduced) *Value {
		return e.mul(e.op("Exp", nil, e.sub(r.x, r.y)), r.dy)
	})
	// dX = dy/sum(X) = dy/e^Y, broadcast.
	gradReduceLogSum = reduceGrad(func(e *emitter, r reduced) *Value {
		return e.expand(e.div(r.dy, e.op("Exp", nil, r.y)), r.x)
	})
)

// softmaxSum sums v along n's axis, keeping it.
func softmaxSum(e *emitter, n *Node, v *Value) *Value {
	return e.reduceSum(v, true, n.Int("axis"))
}

// Softmax: dX = Y·(dy - sum(dy·Y)) along axis.
func gradSoftmax(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	y, g := n.Outputs[0], dy[0]
	return e.done(e.mul(y, e.sub(g, softmaxSum(e, n, e.mul(g, y)))))
}

// LogSoftmax: dX = dy - e^Y·sum(dy) along axis.
func gradLogSoftmax(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	y, g := n.Outputs[0], dy[0]
	return e.done(e.sub(g, e.mul(e.op("Exp", nil, y), softmaxSum(e, n, g))))
}
