package ir

// Activation functions and Clip: elementwise maps with attributes.

func init() {
	// since and version are OpDef.Since and OpDef.Version.
	act := func(name string, since, version int, doc string, attrs ...AttrDef) *OpDef {
		return &OpDef{Name: name, Since: since, Version: version, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: attrs, Infer: InferSameAs(0), Doc: doc}
	}
	Register(
		withGrad(act("Relu", 1, 6, "Y = max(0, X)"), gradRelu),
		withGrad(act("LeakyRelu", 1, 6, "Y = X if X >= 0 else alpha*X", OptFloat("alpha", 0.01)), gradLeakyRelu),
		withGrad(act("ThresholdedRelu", 10, 10, "Y = X if X > alpha else 0", OptFloat("alpha", 1)), gradThresholdedRelu),
		withGrad(act("Elu", 1, 6, "Y = X if X >= 0 else alpha*(e^X - 1)", OptFloat("alpha", 1)), gradElu),
		act("Celu", 12, 12, "Y = max(0, X) + min(0, alpha*(e^(X/alpha) - 1))", OptFloat("alpha", 1)),
		// The defaults are the float32 values ONNX states for SELU's constants.
		withGrad(act("Selu", 1, 6, "Y = gamma*X if X > 0 else gamma*alpha*(e^X - 1)",
			OptFloat("alpha", 1.67326319217681884765625), OptFloat("gamma", 1.05070102214813232421875)), gradSelu),
		withGrad(act("Sigmoid", 1, 6, "Y = 1 / (1 + e^-X)"), gradSigmoid),
		withGrad(act("HardSigmoid", 1, 6, "Y = max(0, min(1, alpha*X + beta))", OptFloat("alpha", 0.2), OptFloat("beta", 0.5)), gradHardSigmoid),
		withGrad(act("HardSwish", 14, 14, "Y = X * max(0, min(1, X/6 + 1/2))"), gradHardSwish),
		withGrad(act("Softplus", 1, 1, "Y = ln(e^X + 1)"), gradSoftplus),
		withGrad(act("Softsign", 1, 1, "Y = X / (1 + |X|)"), gradSoftsign),
		act("Shrink", 9, 9, "Y = X+bias if X < -lambd, X-bias if X > lambd, else 0",
			OptFloat("bias", 0), OptFloat("lambd", 0.5)),
		withGrad(act("Gelu", 20, 20, "Y = X * Phi(X), Phi the normal CDF (approximate=\"tanh\": its tanh approximation)",
			OptString("approximate", "none")), gradGelu),
		withGrad(act("Mish", 18, 18, "Y = X * tanh(ln(1 + e^X))"), gradMish),
		withGrad(&OpDef{Name: "PRelu", Since: 1, Version: 7, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferBroadcast(Undefined), Doc: "Y = X if X >= 0 else slope*X, slope broadcast to X"}, gradPRelu),
		// Clip's bounds are optional scalar inputs of X's dtype (opset 11+);
		// an omitted bound does not clip.
		withGrad(&OpDef{Name: "Clip", Since: 1, Version: 11, MinInputs: 1, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferSameAs(0), Doc: "Y = min(max(X, min), max)"}, gradClip),
	)
}
