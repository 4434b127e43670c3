package ir

// Indexing ops: gather and scatter by index tensors, generated index
// patterns (Range, OneHot, EyeLike, Trilu), selection (NonZero, Compress,
// Unique, TopK, ArgMax/ArgMin) and scans along an axis (CumSum,
// ReverseSequence). Declarations are the newest ONNX forms.

func init() {
	Register(
		withGrad(&OpDef{Name: "Gather", Since: 1, Version: 11, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", 0)},
			Infer: inferGather,
			Doc:   "slices of data along axis picked by indices (negative counts from the end)"}, gradGather),
		&OpDef{Name: "GatherElements", Since: 11, Version: 11, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", 0)},
			Infer: inferDTypeShapeOf(0, 1),
			Doc:   "out[i..] = data[i.. with index axis replaced by indices[i..]]"},
		&OpDef{Name: "GatherND", Since: 11, Version: 12, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("batch_dims", 0)},
			Infer: InferDTypeOf(0),
			Doc:   "slices of data addressed by the last dim of indices, after batch_dims shared leading dims"},
		&OpDef{Name: "Scatter", Since: 9, Version: 11, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", 0)},
			Infer: InferSameAs(0),
			Doc:   "deprecated ScatterElements without reduction (the importer rewrites it)"},
		&OpDef{Name: "ScatterElements", Since: 11, Version: 16, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", 0), OptString("reduction", "none")},
			Infer: InferSameAs(0),
			Doc:   "data with data[i.. with index axis replaced by indices[i..]] = updates[i..] (or reduced into it)"},
		&OpDef{Name: "ScatterND", Since: 11, Version: 16, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptString("reduction", "none")},
			Infer: InferSameAs(0),
			Doc:   "data with the slices addressed by indices' last dim set to (or reduced with) updates"},
		&OpDef{Name: "Range", Since: 11, Version: 11, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Infer:             inferRank1DTypeOf(0),
			Doc:               "start, start+delta, ... up to but excluding limit",
			NotDifferentiable: true},
		&OpDef{Name: "OneHot", Since: 9, Version: 11, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs:             []AttrDef{OptInt("axis", -1)},
			Infer:             InferDTypeOf(2),
			Doc:               "values[1] where a new depth axis equals indices (negative + depth), values[0] elsewhere",
			NotDifferentiable: true},
		&OpDef{Name: "EyeLike", Since: 9, Version: 9, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs:             []AttrDef{OptAttr("dtype", AttrInt), OptInt("k", 0)},
			Infer:             inferEyeLike,
			Doc:               "2-D tensor of input's shape with ones on diagonal k (dtype attribute, else input's)",
			NotDifferentiable: true},
		&OpDef{Name: "Trilu", Since: 14, Version: 14, MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("upper", 1)},
			Infer: InferSameAs(0),
			Doc:   "input with elements below (upper) or above (lower) diagonal k of the last two dims zeroed"},
		&OpDef{Name: "NonZero", Since: 9, Version: 9, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer:             inferNonZero,
			Doc:               "int64 [rank, count] coordinates of the non-zero elements, row-major order",
			NotDifferentiable: true},
		&OpDef{Name: "Unique", Since: 11, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 4,
			Attrs:             []AttrDef{OptAttr("axis", AttrInt), OptInt("sorted", 1)},
			Infer:             inferUnique,
			Doc:               "distinct elements (or slices along axis), first-index, inverse-index and count outputs",
			NotDifferentiable: true},
		&OpDef{Name: "Compress", Since: 9, Version: 11, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptAttr("axis", AttrInt)},
			Infer: InferDTypeOf(0),
			Doc:   "slices of input along axis (of the flattened input if absent) where condition is true"},
		&OpDef{Name: "TopK", Since: 1, Version: 11, MinInputs: 2, MaxInputs: 2, MinOutputs: 2, MaxOutputs: 2,
			Attrs: []AttrDef{OptInt("axis", -1), OptInt("largest", 1), OptInt("sorted", 1)},
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(n.InType(0).DType, UnrankedShape))
				n.SetOut(1, TensorType(Int64, UnrankedShape))
				return nil
			},
			Doc: "the k largest (or smallest) values along axis and their int64 indices; ties keep the lower index first"},
		&OpDef{Name: "ArgMax", Since: 1, Version: 12, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs:             []AttrDef{OptInt("axis", 0), OptInt("keepdims", 1), OptInt("select_last_index", 0)},
			Infer:             InferFixed(Int64),
			Doc:               "int64 index of the largest element along axis (first, or last with select_last_index)",
			NotDifferentiable: true},
		&OpDef{Name: "ArgMin", Since: 1, Version: 12, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs:             []AttrDef{OptInt("axis", 0), OptInt("keepdims", 1), OptInt("select_last_index", 0)},
			Infer:             InferFixed(Int64),
			Doc:               "int64 index of the smallest element along axis (first, or last with select_last_index)",
			NotDifferentiable: true},
		&OpDef{Name: "CumSum", Since: 11, Version: 11, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("exclusive", 0), OptInt("reverse", 0)},
			Infer: InferSameAs(0),
			Doc:   "running sums of x along axis (exclusive skips the element itself, reverse runs backwards)"},
		&OpDef{Name: "ReverseSequence", Since: 10, Version: 10, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("batch_axis", 1), OptInt("time_axis", 0)},
			Infer: InferSameAs(0),
			Doc:   "for each batch b, the first sequence_lens[b] steps along time_axis reversed"},
	)
}

// inferDTypeShapeOf gives output 0 the dtype of input d and the shape of
// input s.
func inferDTypeShapeOf(d, s int) func(*Node) error {
	return func(n *Node) error {
		n.SetOut(0, TensorType(n.InType(d).DType, n.InType(s).Shape))
		return nil
	}
}

func inferRank1DTypeOf(i int) func(*Node) error {
	return func(n *Node) error {
		n.SetOut(0, TensorType(n.InType(i).DType, Shape{Ranked: true, Dims: []Dim{Unknown()}}))
		return nil
	}
}

func inferGather(n *Node) error {
	data, idx := n.InType(0), n.InType(1)
	out := TensorType(data.DType, UnrankedShape)
	if data.Shape.Ranked && idx.Shape.Ranked {
		if a := normAxisDecl(n.Int("axis"), len(data.Shape.Dims)); a >= 0 {
			dims := append([]Dim{}, data.Shape.Dims[:a]...)
			dims = append(dims, idx.Shape.Dims...)
			dims = append(dims, data.Shape.Dims[a+1:]...)
			out.Shape = Shape{Ranked: true, Dims: dims}
		}
	}
	n.SetOut(0, out)
	return nil
}

func inferEyeLike(n *Node) error {
	dt := n.InType(0).DType
	if n.Has("dtype") {
		dt = DType(n.Int("dtype"))
	}
	n.SetOut(0, TensorType(dt, n.InType(0).Shape))
	return nil
}

func inferNonZero(n *Node) error {
	r := n.InType(0).Shape.Rank()
	d := Unknown()
	if r >= 0 {
		d = Static(int64(r))
	}
	n.SetOut(0, TensorType(Int64, Shape{Ranked: true, Dims: []Dim{d, Unknown()}}))
	return nil
}

func inferUnique(n *Node) error {
	n.SetOut(0, TensorType(n.InType(0).DType, UnrankedShape))
	for o := 1; o < len(n.Outputs); o++ {
		n.SetOut(o, TensorType(Int64, Shape{Ranked: true, Dims: []Dim{Unknown()}}))
	}
	return nil
}
