package ir

import "math"

// Gradient rules of elementwise math. A rule that knows dY/dX as a
// function of X and Y multiplies dy by it; masks select dy (or zero) with
// Where, so the result has dy's shape without a Cast of the mask.

// unaryGrad builds a rule from f, which returns dX given the emitter, the
// node's input x, its output y and dy.
func unaryGrad(f func(e *emitter, n *Node, x, y, dy *Value) *Value) GradFunc {
	return func(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
		e := newEmitter(b)
		return e.done(f(e, n, n.Inputs[0], n.Outputs[0], dy[0]))
	}
}

var (
	// dX = dy*(1-Y²).
	gradTanh = unaryGrad(func(e *emitter, _ *Node, _, y, dy *Value) *Value {
		return e.mul(dy, e.sub(e.scalar(y.Type.DType, 1), e.mul(y, y)))
	})
	// dX = dy*Y.
	gradExp = unaryGrad(func(e *emitter, _ *Node, _, y, dy *Value) *Value { return e.mul(dy, y) })
	// dX = dy/X.
	gradLog = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value { return e.div(dy, x) })
	// dX = dy/(2Y).
	gradSqrt = unaryGrad(func(e *emitter, _ *Node, _, y, dy *Value) *Value {
		return e.div(dy, e.mul(y, e.scalar(y.Type.DType, 2)))
	})
	// dX = -dy*Y².
	gradReciprocal = unaryGrad(func(e *emitter, _ *Node, _, y, dy *Value) *Value {
		return e.neg(e.mul(dy, e.mul(y, y)))
	})
	// dX = dy*sign(X) (0 at 0, the subgradient PyTorch picks).
	gradAbs = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value {
		return e.mul(dy, e.op("Sign", nil, x))
	})
	// dX = dy*2/sqrt(pi)*e^(-X²).
	gradErf = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value {
		g := e.op("Exp", nil, e.neg(e.mul(x, x)))
		return e.mul(dy, e.mul(g, e.scalar(dy.Type.DType, 2/math.Sqrt(math.Pi))))
	})
	// dX = dy*cos(X).
	gradSin = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value {
		return e.mul(dy, e.op("Cos", nil, x))
	})
	// dX = -dy*sin(X).
	gradCos = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value {
		return e.neg(e.mul(dy, e.op("Sin", nil, x)))
	})
)

// Max and Min pass dy to every input equal to the result (each of tied
// inputs gets all of it).
func gradMaxMin(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	out := make([]*Value, len(n.Inputs))
	zero := e.zero(dy[0])
	for i, x := range n.Inputs {
		out[i] = e.sumTo(e.where(e.op("Equal", nil, x, n.Outputs[0]), dy[0], zero), x)
	}
	return e.done(out...)
}

// Sum passes dy to every input; Mean a count-th of it.
func gradSum(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	g := dy[0]
	if n.Op == "Mean" {
		g = e.div(g, e.scalar(g.Type.DType, float64(len(n.Inputs))))
	}
	out := make([]*Value, len(n.Inputs))
	for i, x := range n.Inputs {
		out[i] = e.sumTo(g, x)
	}
	return e.done(out...)
}

// Where: dy goes to X where the condition holds, to Y elsewhere; the
// condition gets none.
func gradWhere(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	c, g := n.Inputs[0], dy[0]
	zero := e.zero(g)
	return e.done(nil, e.sumTo(e.where(c, g, zero), n.Inputs[1]), e.sumTo(e.where(c, zero, g), n.Inputs[2]))
}

// Pow: Z = X^P. dX = dy*P*X^(P-1); dP = dy*Z*ln(X), only for a float P
// that is not a constant (a constant exponent needs none, and ln(X) of a
// negative base is NaN).
func gradPow(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x, p, g := n.Inputs[0], n.Inputs[1], dy[0]
	dt := x.Type.DType
	pc := e.cast(p, dt)
	dx := e.mul(g, e.mul(pc, e.op("Pow", nil, x, e.sub(pc, e.scalar(dt, 1)))))
	var dp *Value
	if p.Type.DType.IsFloat() && ConstInput(n, 1) == nil {
		dp = e.cast(e.sumTo(e.mul(g, e.mul(n.Outputs[0], e.op("Log", nil, x))), p), p.Type.DType)
	}
	return e.done(e.sumTo(dx, x), dp)
}

// Cast between float dtypes passes dy back in the input's dtype; other
// casts carry no gradient.
func gradCast(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x := n.Inputs[0]
	if !x.Type.DType.IsFloat() || !n.Outputs[0].Type.DType.IsFloat() {
		return e.done(nil)
	}
	return e.done(e.cast(dy[0], x.Type.DType))
}
