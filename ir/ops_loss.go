package ir

// Loss ops (opset 13 form).

func init() {
	Register(
		withGrad(&OpDef{Name: "NegativeLogLikelihoodLoss", Since: 12, Version: 13, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptAttr("ignore_index", AttrInt), OptString("reduction", "mean")},
			Infer: lossInfer,
			Doc: "loss[n,d..] = -input[n,target[n,d..],d..]*weight[target] (0 where target = ignore_index), " +
				"then reduced: none, sum, or mean (sum divided by the sum of the applied weights)"}, gradNLLLoss),
		withGrad(&OpDef{Name: "SoftmaxCrossEntropyLoss", Since: 12, Version: 12, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 2,
			Attrs: []AttrDef{OptAttr("ignore_index", AttrInt), OptString("reduction", "mean")},
			Infer: lossInfer,
			Doc: "NegativeLogLikelihoodLoss of LogSoftmax(scores, axis=1); the optional second output is " +
				"that log-probability tensor"}, gradSCELoss),
	)
}

// lossInfer types the loss (scalar unless reduction is none, then the
// target's shape) and the optional log_prob output (scores' type).
func lossInfer(n *Node) error {
	xt := n.InType(0)
	s := ShapeOf()
	if n.Str("reduction") == "none" {
		s = n.InType(1).Shape
	}
	n.SetOut(0, TensorType(xt.DType, s))
	n.SetOut(1, xt)
	return nil
}
