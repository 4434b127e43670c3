package ir

// String operators and the n-gram vectorizer used by text pipelines.

func init() {
	Register(
		&OpDef{Name: "StringNormalizer", Since: 10, Version: 10, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptString("case_change_action", "NONE"), OptInt("is_case_sensitive", 0),
				OptAttr("locale", AttrString), OptAttr("stopwords", AttrStrings)},
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(String, UnrankedShape))
				return nil
			}, NotDifferentiable: true,
			Doc: "the strings of a [C] or [1,C] tensor without the stopwords, case-changed (LOWER, UPPER or NONE); [1] or [1,1] holding \"\" when nothing is left"},
		&OpDef{Name: "TfIdfVectorizer", Since: 9, Version: 9, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("max_gram_length", AttrInt), ReqAttr("max_skip_count", AttrInt),
				ReqAttr("min_gram_length", AttrInt), ReqAttr("mode", AttrString),
				ReqAttr("ngram_counts", AttrInts), ReqAttr("ngram_indexes", AttrInts),
				OptAttr("pool_int64s", AttrInts), OptAttr("pool_strings", AttrStrings), OptAttr("weights", AttrFloats)},
			Infer: inferTfIdf, NotDifferentiable: true,
			Doc: "per row of a [C] or [N,C] token tensor, the TF, IDF or TF-IDF score of each pool n-gram (skip-grams up to max_skip_count), as float32 [K] or [N,K]"},
		&OpDef{Name: "StringConcat", Since: 20, Version: 20, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferBroadcast(String), NotDifferentiable: true,
			Doc: "X[i] + Y[i] for broadcast string tensors"},
		&OpDef{Name: "StringSplit", Since: 20, Version: 20, MinInputs: 1, MaxInputs: 1, MinOutputs: 2, MaxOutputs: 2,
			Attrs: []AttrDef{OptAttr("delimiter", AttrString), OptAttr("maxsplit", AttrInt)},
			Infer: inferStringSplit, NotDifferentiable: true,
			Doc: "each string split at delimiter (runs of whitespace when empty) at most maxsplit times: the pieces padded with \"\" on a new last axis, and the piece counts"},
		&OpDef{Name: "RegexFullMatch", Since: 20, Version: 20, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptAttr("pattern", AttrString)},
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(Bool, n.InType(0).Shape))
				return nil
			}, NotDifferentiable: true,
			Doc: "whether each string matches the RE2 pattern as a whole"},
	)
}

func inferTfIdf(n *Node) error {
	size := int64(0)
	for _, i := range n.Ints("ngram_indexes") {
		size = max(size, i+1)
	}
	s := UnrankedShape
	if in := n.InType(0).Shape; in.Ranked {
		switch len(in.Dims) {
		case 1:
			s = Shape{Ranked: true, Dims: []Dim{Static(size)}}
		case 2:
			s = Shape{Ranked: true, Dims: []Dim{in.Dims[0], Static(size)}}
		}
	}
	n.SetOut(0, TensorType(Float32, s))
	return nil
}

func inferStringSplit(n *Node) error {
	in := n.InType(0).Shape
	pieces := UnrankedShape
	if in.Ranked {
		pieces = Shape{Ranked: true, Dims: append(append([]Dim{}, in.Dims...), Unknown())}
	}
	n.SetOut(0, TensorType(String, pieces))
	n.SetOut(1, TensorType(Int64, in))
	return nil
}
