package ir

// LpNormalization and Multinomial: two default-domain ops with no family of
// their own (a per-slice norm and a categorical sampler).

func init() {
	Register(
		&OpDef{Name: "LpNormalization", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", -1), OptInt("p", 2)},
			Infer: InferSameAs(0),
			Doc:   "divides each slice of the input along axis by its L1 (p=1) or L2 (p=2) norm"},
		&OpDef{Name: "Multinomial", Since: 7, Version: 7, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("dtype", int64(Int32)), OptInt("sample_size", 1),
				OptAttr("seed", AttrFloat)},
			Infer: extraInferMultinomial, NotDifferentiable: true,
			Doc: "sample_size class indices per row of input [batch, classes], drawn from softmax of the row " +
				"(the row holds unnormalized log-probabilities)"},
	)
}

// extraInferMultinomial gives [batch, sample_size] in the dtype attribute.
func extraInferMultinomial(n *Node) error {
	s := Shape{Ranked: true, Dims: []Dim{Unknown(), Static(n.Int("sample_size"))}}
	if t := n.InType(0); t.Shape.Rank() == 2 {
		s.Dims[0] = t.Shape.Dims[0]
	}
	n.SetOut(0, TensorType(DType(n.Int("dtype")), s))
	return nil
}
