package ir

// Gradient rules of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss
// with respect to their input (the targets and weights get none).

// nllCoef emits, for the loss node n with target t [N, d...] and dy, the
// one-hot mask of the targets [N, C, d...] and the gradient coefficient of
// each target element, unsqueezed to [N, 1, d...]: dy times the target's
// class weight (0 where ignored), over the weight sum under mean.
func nllCoef(e *emitter, n *Node, dy *Value) (hot, coef *Value) {
	x, t := n.Inputs[0], e.cast(n.Inputs[1], Int64)
	dt := x.Type.DType
	wt := e.op("ConstantOfShape", map[string]*Attr{"value": TensorAttr(onesOf(dt))}, e.op("Shape", nil, t))
	safe := t
	if n.Has("ignore_index") {
		valid := e.op("Not", nil, e.op("Equal", nil, t, e.constant(Scalar(n.Int("ignore_index")))))
		safe = e.where(valid, t, e.constant(Scalar[int64](0)))
		wt = e.where(valid, wt, e.zero(wt))
	}
	if w := n.In(2); w != nil {
		wt = e.mul(wt, e.op("Gather", nil, e.cast(w, dt), safe))
	}
	c := e.op("Reshape", nil, e.dimAt(x, 1), e.ints())
	classes := e.op("Range", nil, e.constant(Scalar[int64](0)), c, e.constant(Scalar[int64](1)))
	rank := e.rankOf(x)
	classShape := []int64{-1}
	for i := 2; i < rank; i++ {
		classShape = append(classShape, 1)
	}
	classes = e.op("Reshape", nil, classes, e.ints(classShape...))
	hot = e.op("Equal", nil, e.op("Unsqueeze", nil, safe, e.ints(1)), classes)
	coef = e.mul(dy, wt)
	if n.Str("reduction") == "mean" {
		coef = e.div(coef, e.reduceSum(wt, false))
	}
	return hot, e.op("Unsqueeze", nil, coef, e.ints(1))
}

func onesOf(dt DType) *Tensor {
	t := Zeros(dt, []int{1})
	t.SetFloat64At(0, 1)
	return t
}

// NegativeLogLikelihoodLoss: dInput = -coef at each target class, 0
// elsewhere.
func gradNLLLoss(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	hot, coef := nllCoef(e, n, dy[0])
	return e.done(e.where(hot, e.neg(coef), e.zero(coef)))
}

// SoftmaxCrossEntropyLoss: the loss passes (softmax - onehot)·coef back
// to the scores; the log_prob output's gradient goes through LogSoftmax
// along axis 1.
func gradSCELoss(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x := n.Inputs[0]
	softmax := e.op("Softmax", map[string]*Attr{"axis": IntAttr(1)}, x)
	var dx *Value
	if dy[0] != nil {
		hot, coef := nllCoef(e, n, dy[0])
		dx = e.sub(e.mul(softmax, coef), e.where(hot, coef, e.zero(coef)))
	}
	if len(dy) > 1 && dy[1] != nil {
		d := e.sub(dy[1], e.mul(softmax, e.reduceSum(dy[1], true, 1)))
		if dx == nil {
			dx = d
		} else {
			dx = e.add(dx, d)
		}
	}
	return e.done(dx)
}
