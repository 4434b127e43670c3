package ir

import "math"

// Gradient rules of the activation functions and Clip (unaryGrad is in
// grad_elementwise.go). Piecewise functions select dy per piece with
// Where; the kinks take the derivative of the piece that holds there in
// the forward op.

var (
	// dX = dy where X > 0.
	gradRelu = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value {
		return e.where(e.op("Greater", nil, x, e.zero(x)), dy, e.zero(dy))
	})
	// dX = dy where X >= 0, alpha*dy elsewhere.
	gradLeakyRelu = unaryGrad(func(e *emitter, n *Node, x, _, dy *Value) *Value {
		alpha := e.scalar(dy.Type.DType, float64Attr(n, "alpha"))
		return e.where(e.op("GreaterOrEqual", nil, x, e.zero(x)), dy, e.mul(dy, alpha))
	})
	// dX = dy*Y*(1-Y).
	gradSigmoid = unaryGrad(func(e *emitter, _ *Node, _, y, dy *Value) *Value {
		return e.mul(dy, e.mul(y, e.sub(e.scalar(y.Type.DType, 1), y)))
	})
	// dX = dy*sigmoid(X).
	gradSoftplus = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value {
		return e.mul(dy, e.op("Sigmoid", nil, x))
	})
	// dX = dy where X >= 0, dy*(Y+alpha) (= dy*alpha*e^X) elsewhere.
	gradElu = unaryGrad(func(e *emitter, n *Node, x, y, dy *Value) *Value {
		alpha := e.scalar(dy.Type.DType, float64Attr(n, "alpha"))
		return e.where(e.op("GreaterOrEqual", nil, x, e.zero(x)), dy, e.mul(dy, e.add(y, alpha)))
	})
	// dX = dy/(1+|X|)².
	gradSoftsign = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value {
		d := e.add(e.scalar(x.Type.DType, 1), e.op("Abs", nil, x))
		return e.div(dy, e.mul(d, d))
	})
	// dX = dy*Phi(X) + dy*X*phi(X) (exact form), or the derivative of
	// the tanh approximation.
	gradGelu = unaryGrad(func(e *emitter, n *Node, x, _, dy *Value) *Value {
		dt := x.Type.DType
		c := func(v float64) *Value { return e.scalar(dt, v) }
		if n.Str("approximate") == "tanh" {
			// Y = X/2*(1+t), t = tanh(k*(X+a*X³)):
			// dY/dX = (1+t)/2 + X/2*(1-t²)*k*(1+3a*X²).
			k, a := math.Sqrt(2/math.Pi), 0.044715
			x2 := e.mul(x, x)
			t := e.op("Tanh", nil, e.mul(c(k), e.add(x, e.mul(c(a), e.mul(x2, x)))))
			first := e.mul(c(0.5), e.add(c(1), t))
			du := e.mul(c(k), e.add(c(1), e.mul(c(3*a), x2)))
			second := e.mul(e.mul(c(0.5), x), e.mul(e.sub(c(1), e.mul(t, t)), du))
			return e.mul(dy, e.add(first, second))
		}
		cdf := e.mul(c(0.5), e.add(c(1), e.op("Erf", nil, e.mul(x, c(1/math.Sqrt2)))))
		pdf := e.mul(c(1/math.Sqrt(2*math.Pi)), e.op("Exp", nil, e.mul(c(-0.5), e.mul(x, x))))
		return e.mul(dy, e.add(cdf, e.mul(x, pdf)))
	})
	// dX = alpha*dy where 0 < alpha*X+beta < 1 (HardSigmoid's linear
	// part), 0 where it clamps.
	gradHardSigmoid = unaryGrad(func(e *emitter, n *Node, x, _, dy *Value) *Value {
		dt := x.Type.DType
		alpha := e.scalar(dt, float64Attr(n, "alpha"))
		lin := e.add(e.mul(alpha, x), e.scalar(dt, float64Attr(n, "beta")))
		in := e.op("And", nil, e.op("Greater", nil, lin, e.scalar(dt, 0)), e.op("Less", nil, lin, e.scalar(dt, 1)))
		return e.where(in, e.mul(dy, alpha), e.zero(dy))
	})
	// Y = X*sigmoid(X) clamps: dX = dy*(X/3+1/2) on (-3, 3), dy above.
	gradHardSwish = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value {
		dt := x.Type.DType
		mid := e.mul(dy, e.add(e.div(x, e.scalar(dt, 3)), e.scalar(dt, 0.5)))
		above := e.op("GreaterOrEqual", nil, x, e.scalar(dt, 3))
		in := e.op("Greater", nil, x, e.scalar(dt, -3))
		return e.where(above, dy, e.where(in, mid, e.zero(dy)))
	})
)

// Clip passes dy where min <= X <= max; a bound's gradient is the sum of
// dy where X is beyond it (Y equals the bound there).
func gradClip(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x, g := n.Inputs[0], dy[0]
	zero := e.zero(g)
	dx := g
	out := make([]*Value, len(n.Inputs))
	for i, cmp := range []string{1: "Less", 2: "Greater"} {
		bound := n.In(i)
		if i == 0 || bound == nil {
			continue
		}
		beyond := e.op(cmp, nil, x, bound)
		dx = e.where(beyond, zero, dx)
		if ConstInput(n, i) == nil {
			out[i] = e.sumTo(e.where(beyond, g, zero), bound)
		}
	}
	out[0] = dx
	return e.done(out...)
}

// The SELU family and friends.
var (
	// dX = gamma*dy where X > 0, dy*(Y + gamma*alpha) (= dy*gamma*alpha*e^X)
	// elsewhere.
	gradSelu = unaryGrad(func(e *emitter, n *Node, x, y, dy *Value) *Value {
		dt := x.Type.DType
		gamma := float64Attr(n, "gamma")
		neg := e.mul(dy, e.add(y, e.scalar(dt, gamma*float64Attr(n, "alpha"))))
		return e.where(e.op("Greater", nil, x, e.zero(x)), e.mul(dy, e.scalar(dt, gamma)), neg)
	})
	// dX = dy where X > alpha, else 0.
	gradThresholdedRelu = unaryGrad(func(e *emitter, n *Node, x, _, dy *Value) *Value {
		return e.where(e.op("Greater", nil, x, e.scalar(x.Type.DType, float64Attr(n, "alpha"))), dy, e.zero(dy))
	})
	// Y = X*tanh(sp), sp = ln(1+e^X): dX = dy*(tanh(sp) + X*(1-tanh²(sp))*sigmoid(X)).
	gradMish = unaryGrad(func(e *emitter, _ *Node, x, _, dy *Value) *Value {
		t := e.op("Tanh", nil, e.op("Softplus", nil, x))
		dt := e.mul(e.sub(e.scalar(x.Type.DType, 1), e.mul(t, t)), e.op("Sigmoid", nil, x))
		return e.mul(dy, e.add(t, e.mul(x, dt)))
	})
)

// PRelu: dX = dy where X >= 0, slope*dy elsewhere; dslope = X*dy where
// X < 0, summed to the slope's shape.
func gradPRelu(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x, slope, g := n.Inputs[0], n.Inputs[1], dy[0]
	neg := e.op("Less", nil, x, e.zero(x))
	dx := e.where(neg, e.mul(g, slope), g)
	ds := e.where(neg, e.mul(g, x), e.zero(g))
	return e.done(e.sumTo(dx, x), e.sumTo(ds, slope))
}
