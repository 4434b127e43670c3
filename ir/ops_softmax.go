package ir

// Softmax, LogSoftmax and Hardmax in their opset-13 form: they work along
// one axis (default -1). Before opset 13 they flattened the input to 2-D at
// axis; the importer rewrites that form (frontend/onnx/legacy_norm.go).

func init() {
	Register(
		withGrad(&OpDef{Name: "Softmax", Since: 1, Version: 13, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", -1)}, Infer: InferSameAs(0),
			Doc: "Y = exp(X)/sum(exp(X)) along axis"}, gradSoftmax),
		withGrad(&OpDef{Name: "LogSoftmax", Since: 1, Version: 13, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", -1)}, Infer: InferSameAs(0),
			Doc: "Y = X - log(sum(exp(X))) along axis"}, gradLogSoftmax),
		&OpDef{Name: "Hardmax", Since: 1, Version: 13, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", -1)}, Infer: InferSameAs(0), NotDifferentiable: true,
			Doc: "Y = 1 at the first maximum of X along axis, 0 elsewhere"},
	)
}
