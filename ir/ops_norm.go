package ir

// Normalization ops and Dropout, in their newest ONNX forms (BatchNormalization
// 15, InstanceNormalization 6, LayerNormalization 17, GroupNormalization 21,
// LRN 13, MeanVarianceNormalization 13, Dropout 13). Older forms are
// rewritten by frontend/onnx/legacy_norm.go.

func init() {
	Register(
		withGrad(&OpDef{Name: "BatchNormalization", Since: 1, Version: 15, MinInputs: 5, MaxInputs: 5, MinOutputs: 1, MaxOutputs: 3,
			Attrs: []AttrDef{OptFloat("epsilon", 1e-5), OptFloat("momentum", 0.9), OptInt("training_mode", 0)},
			Infer: normInferBatchNorm,
			Doc: "Y = scale*(X-mean)/sqrt(var+epsilon)+B per channel (axis 1); training_mode uses batch " +
				"statistics and also returns the updated running mean and var"}, gradBatchNorm),
		withGrad(&OpDef{Name: "InstanceNormalization", Since: 1, Version: 6, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptFloat("epsilon", 1e-5)},
			Infer: InferSameAs(0),
			Doc:   "Y = scale*(X-mean)/sqrt(var+epsilon)+B with mean and var over the spatial dims of each (n, c)"}, gradInstanceNorm),
		withGrad(&OpDef{Name: "LayerNormalization", Since: 17, Version: 17, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 3,
			Attrs: []AttrDef{OptInt("axis", -1), OptFloat("epsilon", 1e-5), OptInt("stash_type", 1)},
			Infer: normInferLayerNorm,
			Doc: "Y = (X-mean)*InvStdDev*Scale+B with mean and variance over dims [axis, rank); " +
				"optional outputs Mean and InvStdDev keep those dims as 1"}, gradLayerNorm),
		&OpDef{Name: "GroupNormalization", Since: 18, Version: 21, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptFloat("epsilon", 1e-5), ReqAttr("num_groups", AttrInt), OptInt("stash_type", 1)},
			Infer: InferSameAs(0),
			Doc: "channels split into num_groups groups, each normalized over its channels and spatial dims, " +
				"then scaled and shifted per channel (scale and bias have C elements)"},
		&OpDef{Name: "LRN", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptFloat("alpha", 1e-4), OptFloat("beta", 0.75), OptFloat("bias", 1),
				ReqAttr("size", AttrInt)},
			Infer: InferSameAs(0),
			Doc:   "local response normalization across channels: Y = X/(bias+alpha/size*sum of squares over size neighbouring channels)^beta"},
		&OpDef{Name: "MeanVarianceNormalization", Since: 9, Version: 9, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{{Name: "axes", Kind: AttrInts, Default: IntsAttr(0, 2, 3)}},
			Infer: InferSameAs(0),
			Doc:   "Y = (X-mean(X))/(sqrt(mean(X^2)-mean(X)^2)+1e-9) with means over axes"},
		withGrad(&OpDef{Name: "Dropout", Since: 1, Version: 12, MinInputs: 1, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 2,
			Attrs: []AttrDef{OptAttr("seed", AttrInt)},
			Infer: normInferDropout,
			Doc: "identity with an all-true mask unless training_mode is true; then each element is zeroed " +
				"with probability ratio (default 0.5) and the rest scaled by 1/(1-ratio)"}, gradDropout),
	)
}

func normInferBatchNorm(n *Node) error {
	n.SetOut(0, n.InType(0))
	// Running mean and var have the type of the input running mean and var.
	n.SetOut(1, n.InType(3))
	n.SetOut(2, n.InType(4))
	return nil
}

// normStashDType is the dtype of LayerNormalization's Mean and InvStdDev:
// the stash_type dtype when it is a float type, else X's.
func normStashDType(n *Node, x DType) DType {
	switch dt := DType(n.Int("stash_type")); dt {
	case Float32, Float64, Float16, BFloat16:
		return dt
	}
	return x
}

func normInferLayerNorm(n *Node) error {
	xt := n.InType(0)
	n.SetOut(0, xt)
	stats := UnrankedShape
	if r := xt.Shape.Rank(); r >= 0 {
		axis := int(n.Int("axis"))
		if axis < 0 {
			axis += r
		}
		if axis >= 0 && axis < r {
			stats = Shape{Ranked: true, Dims: append([]Dim{}, xt.Shape.Dims...)}
			for i := axis; i < r; i++ {
				stats.Dims[i] = Static(1)
			}
		}
	}
	dt := normStashDType(n, xt.DType)
	n.SetOut(1, TensorType(dt, stats))
	n.SetOut(2, TensorType(dt, stats))
	return nil
}

func normInferDropout(n *Node) error {
	xt := n.InType(0)
	n.SetOut(0, xt)
	n.SetOut(1, TensorType(Bool, xt.Shape))
	return nil
}
