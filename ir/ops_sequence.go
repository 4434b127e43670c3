package ir

// Sequence and optional operators. Sequences hold tensors of one dtype;
// an optional holds a tensor, a sequence, or nothing.

func init() {
	Register(
		&OpDef{Name: "SequenceConstruct", Since: 11, Version: 11, MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferSequenceConstruct, NotDifferentiable: true,
			Doc: "the sequence of the input tensors, in order"},
		&OpDef{Name: "SequenceEmpty", Since: 11, Version: 11, MinInputs: 0, MaxInputs: 0, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("dtype", int64(Float32))},
			Infer: func(n *Node) error {
				n.SetOut(0, SequenceOf(TensorType(DType(n.Int("dtype")), UnrankedShape)))
				return nil
			}, NotDifferentiable: true,
			Doc: "an empty sequence of tensors of the given dtype"},
		&OpDef{Name: "SequenceAt", Since: 11, Version: 11, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: func(n *Node) error { n.SetOut(0, elemType(n.InType(0))); return nil },
			Doc:   "the tensor at position (negative counts from the back) of the sequence"},
		&OpDef{Name: "SequenceInsert", Since: 11, Version: 11, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferSequenceInsert,
			Doc:   "a copy of the sequence with the tensor inserted at position (default: appended)"},
		&OpDef{Name: "SequenceErase", Since: 11, Version: 11, MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferSameAs(0),
			Doc:   "a copy of the sequence without the tensor at position (default: the last)"},
		&OpDef{Name: "SequenceLength", Since: 11, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: func(n *Node) error { n.SetOut(0, TensorType(Int64, ShapeOf())); return nil }, NotDifferentiable: true,
			Doc: "the number of tensors in the sequence, as an int64 scalar"},
		&OpDef{Name: "SplitToSequence", Since: 11, Version: 11, MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", 0), OptInt("keepdims", 1)},
			Infer: func(n *Node) error {
				n.SetOut(0, SequenceOf(TensorType(n.InType(0).DType, UnrankedShape)))
				return nil
			},
			Doc: "the input split along axis into a sequence: into pieces of the lengths in split, of size split (a scalar), or of size 1 (no split; keepdims=0 drops the axis)"},
		&OpDef{Name: "ConcatFromSequence", Since: 11, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("axis", AttrInt), OptInt("new_axis", 0)},
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(elemType(n.InType(0)).DType, UnrankedShape))
				return nil
			},
			Doc: "the sequence's tensors concatenated along axis, or stacked on a new axis when new_axis=1"},
		&OpDef{Name: "SequenceMap", Since: 17, Version: 17, MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: -1,
			Attrs: []AttrDef{ReqAttr("body", AttrGraph)},
			Infer: func(n *Node) error {
				body := n.GraphAttr("body")
				for o := range n.Outputs {
					n.SetOut(o, SequenceOf(graphOutType(body, o)))
				}
				return nil
			},
			Doc: "runs body on item i of every sequence input (tensor inputs are passed whole) and collects each body output into a sequence"},
		&OpDef{Name: "Optional", Since: 15, Version: 15, MinInputs: 0, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptAttr("type", AttrType)},
			Infer: inferOptional,
			Doc:   "an optional holding the input, or an empty optional of the given type when the input is omitted"},
		// Since opset 18 the input may be omitted (meaning empty) and may be
		// a plain tensor or sequence (meaning present).
		&OpDef{Name: "OptionalHasElement", Since: 15, Version: 15, MinInputs: 0, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: func(n *Node) error { n.SetOut(0, TensorType(Bool, ShapeOf())); return nil }, NotDifferentiable: true,
			Doc: "whether the optional input holds a value (true for a plain tensor or sequence, false when omitted)"},
		&OpDef{Name: "OptionalGetElement", Since: 15, Version: 15, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: func(n *Node) error {
				t := n.InType(0)
				if t.Kind == OptionalKind && t.Elem != nil {
					t = *t.Elem
				}
				n.SetOut(0, t)
				return nil
			},
			Doc: "the value an optional holds (an error if it is empty); a plain tensor or sequence passes through"},
	)
}

// elemType returns the element type of a sequence type, or the zero Type.
func elemType(t Type) Type {
	if t.Kind == SequenceKind && t.Elem != nil {
		return *t.Elem
	}
	return Type{}
}

func inferSequenceConstruct(n *Node) error {
	elem := n.InType(0)
	for i := 1; i < len(n.Inputs); i++ {
		elem = mergeTypes(elem, n.InType(i))
	}
	n.SetOut(0, SequenceOf(elem))
	return nil
}

func inferSequenceInsert(n *Node) error {
	elem := elemType(n.InType(0))
	if !typeKnown(elem) {
		elem = n.InType(1)
	}
	// Items may differ in shape: keep only what the new item shares.
	n.SetOut(0, SequenceOf(mergeTypes(elem, n.InType(1))))
	return nil
}

func inferOptional(n *Node) error {
	if a := n.Attrs["type"]; a != nil && a.Type != nil {
		n.SetOut(0, OptionalOf(*a.Type))
		return nil
	}
	n.SetOut(0, OptionalOf(n.InType(0)))
	return nil
}
