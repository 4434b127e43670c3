package ir

import "fmt"

// Gradient rules of the normalizations and Dropout. The normalizations
// recompute their statistics from X (the forward ops do not keep them)
// and share one formula: training-mode BatchNormalization and
// LayerNormalization as one fused node (dlc.BatchNormGrad,
// dlc.LayerNormGrad, ops_fused_norm_grad.go) where the builder and the
// shapes allow, otherwise, like InstanceNormalization, decomposed with
// ReduceMean (normalized).

// noStatGrad fails for a gradient arriving through a normalization's
// statistics outputs (running or batch mean and variance), which the
// rules do not differentiate.
func noStatGrad(dy []*Value) error {
	for i := 1; i < len(dy); i++ {
		if dy[i] != nil {
			return fmt.Errorf("gradient through output %d (a statistic) is not supported", i)
		}
	}
	return nil
}

// normalized emits, for X normalized over axes with its own mean and
// (biased) variance, X̂ = (X-mean)·invstd and the gradient of X given g,
// the gradient of X̂:
//
//	dX = invstd·(g - mean(g) - X̂·mean(g·X̂))
func normalized(e *emitter, x, g *Value, axes []int64, eps float64) (dx, xhat *Value) {
	mean := func(v *Value) *Value {
		return e.op("ReduceMean", map[string]*Attr{"keepdims": IntAttr(1)}, v, e.ints(axes...))
	}
	dt := x.Type.DType
	xc := e.sub(x, mean(x))
	invstd := e.div(e.scalar(dt, 1), e.op("Sqrt", nil, e.add(mean(e.mul(xc, xc)), e.scalar(dt, eps))))
	xhat = e.like(e.mul(xc, invstd), x)
	dx = e.mul(invstd, e.sub(e.sub(g, mean(g)), e.mul(xhat, mean(e.mul(g, xhat)))))
	return e.like(dx, x), xhat
}

// normGrad emits op, dlc.BatchNormGrad or dlc.LayerNormGrad, on X, g (the
// gradient of the normalization's Y) and scale (cast to X's dtype), with
// dX and dScale and, when bias, dBias. It emits nothing and returns nil,
// and the rule falls back to normalized's decomposition, where the
// builder cannot emit several outputs or X is not float32 or float64
// (the dtypes of the fast kernels; others keep the decomposition's casts
// and rounding).
func (e *emitter) normGrad(op string, attrs map[string]*Attr, x, g, scale *Value, bias bool) []*Value {
	ob, ok := e.b.(OutputsBuilder)
	dt := x.Type.DType
	if e.err != nil || !ok || (dt != Float32 && dt != Float64) {
		return nil
	}
	scale = e.cast(scale, dt)
	if e.err != nil {
		return nil
	}
	out, err := ob.OpOutputs(op, attrs, []bool{true, true, bias}, x, g, scale)
	if err != nil {
		e.fail("emitting %s: %w", op, err)
		return nil
	}
	return out
}

// sameDims reports whether s is ranked with exactly dims: equal known
// sizes or the same symbol, so the two agree at run time.
func sameDims(s Shape, dims []Dim) bool {
	if !s.Ranked || len(s.Dims) != len(dims) {
		return false
	}
	for i, d := range s.Dims {
		o := dims[i]
		if !(d.Known() && o.Known() && d.Size == o.Size) && !(d.Sym != "" && d.Sym == o.Sym) {
			return false
		}
	}
	return true
}

// channelAxes returns [0, 2, 3, ..., rank) (every dim but channels) and
// a function broadcasting a [C] parameter against X, cast to X's dtype.
func channelAxes(e *emitter, x *Value) ([]int64, func(*Value) *Value) {
	rank := e.rankOf(x)
	if e.err == nil && rank < 2 {
		e.fail("X has rank %d, want >= 2", rank)
	}
	axes := []int64{0}
	var trailing []int64
	for i := 2; i < rank; i++ {
		axes = append(axes, int64(i))
		trailing = append(trailing, int64(i-1))
	}
	return axes, func(v *Value) *Value {
		v = e.cast(v, x.Type.DType)
		if len(trailing) == 0 {
			return v
		}
		return e.op("Unsqueeze", nil, v, e.ints(trailing...))
	}
}

// BatchNormalization: Y = scale·X̂ + B per channel. In training mode X̂
// uses the batch's moments, so dX is normalized's formula over all dims
// but channels (one dlc.BatchNormGrad node where normGrad can emit it);
// in inference mode mean and var are inputs, and get
// gradients of their own:
//
//	dX = dy·scale·invstd, dmean = -sum(dX), dvar = -½·sum(dy·scale·(X-mean))·invstd³
func gradBatchNorm(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	if err := noStatGrad(dy); err != nil || dy[0] == nil {
		return nil, err
	}
	e := newEmitter(b)
	x, g := n.Inputs[0], dy[0]
	axes, per := channelAxes(e, x)
	if e.err != nil {
		return nil, e.err
	}
	dt, eps := x.Type.DType, float64Attr(n, "epsilon")
	sum := func(v, like *Value) *Value { return e.cast(e.reduceSum(v, false, axes...), like.Type.DType) }
	if n.Int("training_mode") != 0 {
		attrs := map[string]*Attr{"epsilon": FloatAttr(n.Float("epsilon"))}
		if out := e.normGrad("dlc.BatchNormGrad", attrs, x, g, n.Inputs[1], true); out != nil {
			return e.done(out[0], e.cast(out[1], n.Inputs[1].Type.DType), e.cast(out[2], n.Inputs[2].Type.DType), nil, nil)
		}
	}
	scale := per(n.Inputs[1])
	dB := sum(g, n.Inputs[2])
	if n.Int("training_mode") != 0 {
		dx, xhat := normalized(e, x, e.mul(g, scale), axes, eps)
		return e.done(dx, sum(e.mul(g, xhat), n.Inputs[1]), dB, nil, nil)
	}
	xc := e.sub(x, per(n.Inputs[3]))
	invstd := e.div(e.scalar(dt, 1), e.op("Sqrt", nil, e.add(per(n.Inputs[4]), e.scalar(dt, eps))))
	dx := e.mul(g, e.mul(scale, invstd))
	dScale := sum(e.mul(g, e.mul(xc, invstd)), n.Inputs[1])
	dMean := e.neg(sum(dx, n.Inputs[3]))
	cube := e.mul(invstd, e.mul(invstd, invstd))
	dVar := sum(e.mul(e.mul(g, e.mul(scale, xc)), e.mul(e.scalar(dt, -0.5), cube)), n.Inputs[4])
	return e.done(dx, dScale, dB, dMean, dVar)
}

// InstanceNormalization: normalized over the spatial dims of each (n, c),
// then scaled and shifted per channel.
func gradInstanceNorm(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x, g := n.Inputs[0], dy[0]
	axes, per := channelAxes(e, x)
	if e.err == nil && len(axes) < 2 {
		e.fail("X has no spatial dims to normalize over")
	}
	if e.err != nil {
		return nil, e.err
	}
	dx, xhat := normalized(e, x, e.mul(g, per(n.Inputs[1])), axes[1:], float64Attr(n, "epsilon"))
	sum := func(v, like *Value) *Value { return e.cast(e.reduceSum(v, false, axes...), like.Type.DType) }
	return e.done(dx, sum(e.mul(g, xhat), n.Inputs[1]), sum(g, n.Inputs[2]))
}

// LayerNormalization: normalized over dims [axis, rank); Scale and B
// broadcast against those dims, so their gradients sum over the rest.
// A Scale of exactly those dims allows one dlc.LayerNormGrad node.
func gradLayerNorm(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	if err := noStatGrad(dy); err != nil || dy[0] == nil {
		return nil, err
	}
	e := newEmitter(b)
	x, g := n.Inputs[0], dy[0]
	rank := e.rankOf(x)
	if e.err != nil {
		return nil, e.err
	}
	axis := normAxisDecl(n.Int("axis"), rank)
	if axis < 0 {
		return nil, fmt.Errorf("axis %d out of range for rank %d", n.Int("axis"), rank)
	}
	var axes []int64
	for i := axis; i < rank; i++ {
		axes = append(axes, int64(i))
	}
	dt := x.Type.DType
	scale := n.Inputs[1]
	bias := n.In(2)
	if sameDims(scale.Type.Shape, x.Type.Shape.Dims[axis:]) {
		attrs := map[string]*Attr{"axis": IntAttr(int64(axis)), "epsilon": FloatAttr(n.Float("epsilon"))}
		if out := e.normGrad("dlc.LayerNormGrad", attrs, x, g, scale, bias != nil); out != nil {
			var dB *Value
			if bias != nil {
				dB = e.cast(e.sumTo(out[2], bias), bias.Type.DType)
			}
			return e.done(out[0], e.cast(out[1], scale.Type.DType), dB)
		}
	}
	dx, xhat := normalized(e, x, e.mul(g, e.cast(scale, dt)), axes, float64Attr(n, "epsilon"))
	dScale := e.cast(e.sumTo(e.mul(g, xhat), scale), scale.Type.DType)
	var dB *Value
	if bias != nil {
		dB = e.cast(e.sumTo(g, bias), bias.Type.DType)
	}
	return e.done(dx, dScale, dB)
}

// Dropout: dX = dy·mask/(1-ratio) in training mode, dy otherwise. The mask
// output must exist when training mode is on or not a constant.
func gradDropout(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	if dy[0] == nil {
		return nil, nil
	}
	e := newEmitter(b)
	g := dy[0]
	training := n.In(2)
	if training == nil {
		return e.done(g)
	}
	t := ConstInput(n, 2)
	if t != nil && t.Len() == 1 && t.Float64At(0) == 0 {
		return e.done(g)
	}
	mask := n.Out(1)
	if mask == nil {
		return nil, fmt.Errorf("gradient of Dropout in training mode needs its mask output")
	}
	dt := g.Type.DType
	one := e.scalar(dt, 1)
	var scale *Value
	if r := n.In(1); r != nil {
		scale = e.div(one, e.sub(one, e.cast(r, dt)))
	} else {
		scale = e.scalar(dt, 2)
	}
	if t == nil {
		scale = e.where(training, scale, one)
	}
	return e.done(e.where(mask, e.mul(g, scale), e.zero(g)))
}
