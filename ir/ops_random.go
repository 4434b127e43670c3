package ir

// Random generators. Outputs are samples, so tests can only check dtype,
// shape and distribution; a seed makes a node repeat its own samples but
// matches no other implementation's generator.

func init() {
	seeded := func(extra ...AttrDef) []AttrDef { return append(extra, OptAttr("seed", AttrFloat)) }
	Register(
		&OpDef{Name: "RandomNormal", Since: 1, Version: 1, MinInputs: 0, MaxInputs: 0, MinOutputs: 1, MaxOutputs: 1,
			Attrs: seeded(OptInt("dtype", int64(Float32)), OptFloat("mean", 0), OptFloat("scale", 1), ReqAttr("shape", AttrInts)),
			Infer: inferRandomFixed, NotDifferentiable: true,
			Doc: "a tensor of the given shape and dtype drawn from the normal distribution N(mean, scale²)"},
		&OpDef{Name: "RandomUniform", Since: 1, Version: 1, MinInputs: 0, MaxInputs: 0, MinOutputs: 1, MaxOutputs: 1,
			Attrs: seeded(OptInt("dtype", int64(Float32)), OptFloat("low", 0), OptFloat("high", 1), ReqAttr("shape", AttrInts)),
			Infer: inferRandomFixed, NotDifferentiable: true,
			Doc: "a tensor of the given shape and dtype drawn uniformly from [low, high)"},
		&OpDef{Name: "RandomNormalLike", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: seeded(OptAttr("dtype", AttrInt), OptFloat("mean", 0), OptFloat("scale", 1)),
			Infer: inferRandomLike, NotDifferentiable: true,
			Doc: "a tensor shaped like the input (dtype: the attribute, else the input's) drawn from N(mean, scale²)"},
		&OpDef{Name: "RandomUniformLike", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: seeded(OptAttr("dtype", AttrInt), OptFloat("low", 0), OptFloat("high", 1)),
			Infer: inferRandomLike, NotDifferentiable: true,
			Doc: "a tensor shaped like the input (dtype: the attribute, else the input's) drawn uniformly from [low, high)"},
		&OpDef{Name: "Bernoulli", Since: 15, Version: 15, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: seeded(OptAttr("dtype", AttrInt)),
			Infer: inferRandomLike, NotDifferentiable: true,
			Doc: "1 with probability input[i], else 0, in the dtype attribute (default: the input's)"},
	)
}

func inferRandomFixed(n *Node) error {
	dims := n.Ints("shape")
	s := Shape{Ranked: true, Dims: make([]Dim, len(dims))}
	for i, d := range dims {
		s.Dims[i] = Static(d)
	}
	n.SetOut(0, TensorType(DType(n.Int("dtype")), s))
	return nil
}

func inferRandomLike(n *Node) error {
	t := n.InType(0)
	dt := t.DType
	if n.Has("dtype") {
		dt = DType(n.Int("dtype"))
	}
	n.SetOut(0, TensorType(dt, t.Shape))
	return nil
}
