package ir

// Shape-manipulation ops: they move or copy elements without arithmetic.
// Each declaration is the op's newest ONNX form (opset 22 semantics); the
// importer rewrites older forms (attributes that became inputs) into it.

func init() {
	Register(
		&OpDef{Name: "Constant", Since: 1, Version: 12, MinOutputs: 1, MaxOutputs: 1,
			// The importer folds value_float, value_ints, sparse_value, ...
			// into this one attribute, so kernels and passes see one form.
			Attrs:             []AttrDef{ReqAttr("value", AttrTensor)},
			Infer:             inferConstant,
			Doc:               "output = the tensor attribute value",
			NotDifferentiable: true},
		&OpDef{Name: "Identity", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferSameAs(0), Grad: gradIdentity,
			Doc: "output = input (a tensor, sequence or optional)"},
		withGrad(&OpDef{Name: "Reshape", Since: 1, Version: 14, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("allowzero", 0)},
			Infer: inferReshape,
			Doc:   "data with its dims replaced by shape (0 copies the input dim unless allowzero, -1 is inferred)"}, gradReshapeLike),
		&OpDef{Name: "Shape", Since: 1, Version: 15, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs:             []AttrDef{OptInt("start", 0), OptAttr("end", AttrInt)},
			Infer:             inferShapeOp,
			Doc:               "the int64 dims of data[start:end] (end absent = rank)",
			NotDifferentiable: true},
		&OpDef{Name: "Size", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(Int64, ShapeOf()))
				return nil
			},
			Doc:               "the int64 scalar element count of data",
			NotDifferentiable: true},
		withGrad(&OpDef{Name: "Concat", Since: 1, Version: 11, MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("axis", AttrInt)},
			Infer: inferConcat,
			Doc:   "inputs joined along axis"}, gradConcat),
		withGrad(&OpDef{Name: "Flatten", Since: 1, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", 1)},
			Infer: inferFlatten,
			Doc:   "input reshaped to 2-D: dims before axis, dims from axis"}, gradReshapeLike),
		withGrad(&OpDef{Name: "Squeeze", Since: 1, Version: 13, MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferSqueeze,
			Doc:   "data without the size-1 dims listed in axes (all size-1 dims if axes is absent)"}, gradReshapeLike),
		withGrad(&OpDef{Name: "Unsqueeze", Since: 1, Version: 13, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferUnsqueeze,
			Doc:   "data with size-1 dims inserted at axes (of the output)"}, gradReshapeLike),
		withGrad(&OpDef{Name: "Transpose", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptAttr("perm", AttrInts)},
			Infer: inferTranspose,
			Doc:   "output dim i = input dim perm[i] (perm absent = reversed dims)"}, gradTranspose),
		withGrad(&OpDef{Name: "Expand", Since: 8, Version: 8, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferExpand,
			Doc:   "input broadcast with the dims in shape (numpy rules, both ways)"}, gradExpand),
		&OpDef{Name: "ConstantOfShape", Since: 9, Version: 9, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs:             []AttrDef{OptAttr("value", AttrTensor)},
			Infer:             inferConstantOfShape,
			Doc:               "a tensor of the given shape filled with the one-element value (default float32 0)",
			NotDifferentiable: true},
		withGrad(&OpDef{Name: "Slice", Since: 1, Version: 11, MinInputs: 3, MaxInputs: 5, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferSlice,
			Doc:   "data[starts:ends:steps] along axes (numpy slicing, bounds clamped)"}, gradSlice),
		withGrad(&OpDef{Name: "Split", Since: 1, Version: 18, MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: -1,
			Attrs: []AttrDef{OptInt("axis", 0), OptAttr("num_outputs", AttrInt)},
			Infer: inferSplit,
			Doc:   "input cut along axis into parts of sizes split (equal parts, the last smaller, if absent)"}, gradSplit),
		withGrad(&OpDef{Name: "Pad", Since: 1, Version: 11, MinInputs: 2, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptString("mode", "constant")},
			Infer: inferPad,
			Doc:   "data padded by pads (begins then ends, negative crops) with constant_value, reflect, edge or wrap"}, gradPad),
		withGrad(&OpDef{Name: "Tile", Since: 1, Version: 6, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferTile,
			Doc:   "input repeated repeats[i] times along each dim i"}, gradTile),
		&OpDef{Name: "DepthToSpace", Since: 1, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("blocksize", AttrInt), OptString("mode", "DCR")},
			Infer: InferDTypeOf(0),
			Doc:   "NCHW channel blocks moved into blocksize x blocksize spatial blocks (DCR or CRD order)"},
		&OpDef{Name: "SpaceToDepth", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("blocksize", AttrInt)},
			Infer: InferDTypeOf(0),
			Doc:   "NCHW spatial blocksize x blocksize blocks moved into channels (inverse of DepthToSpace DCR)"},
	)
}

// ConstInput returns the tensor behind input i of n when it is known at
// graph-build time: an initializer the caller cannot override, or the
// output of a Constant node. Inference uses it for shape-like inputs.
func ConstInput(n *Node, i int) *Tensor {
	v := n.In(i)
	if v == nil {
		return nil
	}
	if v.Init != nil {
		if v.Owner != nil {
			for _, in := range v.Owner.Inputs {
				if in == v {
					return nil // a default the caller may replace
				}
			}
		}
		return v.Init
	}
	if p := v.Producer; p != nil && p.Op == "Constant" && p.Domain == "" {
		if a := p.Attrs["value"]; a != nil {
			return a.T
		}
	}
	return nil
}

// constInts returns a constant integer input as int64s.
func constInts(n *Node, i int) ([]int64, bool) {
	t := ConstInput(n, i)
	if t == nil || !(t.DType.IsInt()) {
		return nil, false
	}
	return t.Int64s(), true
}

// normAxisDecl maps a possibly negative axis into [0, rank), or -1.
func normAxisDecl(axis int64, rank int) int {
	a := int(axis)
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return -1
	}
	return a
}

func inferAllDTypeOf(i int) func(*Node) error {
	return func(n *Node) error {
		for o := range n.Outputs {
			n.SetOut(o, TensorType(n.InType(i).DType, UnrankedShape))
		}
		return nil
	}
}

func inferConstant(n *Node) error {
	if t := n.TensorAttr("value"); t != nil {
		n.SetOut(0, TensorType(t.DType, ShapeOf(t.Shape...)))
	}
	return nil
}

func inferConstantOfShape(n *Node) error {
	dt := Float32
	if t := n.TensorAttr("value"); t != nil {
		dt = t.DType
	}
	s := UnrankedShape
	if dims, ok := constInts(n, 0); ok {
		s = Shape{Ranked: true, Dims: make([]Dim, len(dims))}
		for i, d := range dims {
			s.Dims[i] = Static(d)
		}
	} else if in := n.InType(0).Shape; in.Ranked && len(in.Dims) == 1 && in.Dims[0].Known() {
		s = Shape{Ranked: true, Dims: make([]Dim, in.Dims[0].Size)}
		for i := range s.Dims {
			s.Dims[i] = Unknown()
		}
	}
	n.SetOut(0, TensorType(dt, s))
	return nil
}

func inferExpand(n *Node) error {
	in := n.InType(0)
	out := TensorType(in.DType, UnrankedShape)
	if dims, ok := constInts(n, 1); ok {
		target := Shape{Ranked: true, Dims: make([]Dim, len(dims))}
		for i, d := range dims {
			target.Dims[i] = Static(d)
		}
		s, err := BroadcastShapes(in.Shape, target)
		if err != nil {
			return err
		}
		out.Shape = s
	}
	n.SetOut(0, out)
	return nil
}

func inferReshape(n *Node) error {
	in := n.InType(0)
	out := TensorType(in.DType, UnrankedShape)
	if dims, ok := constInts(n, 1); ok {
		s := Shape{Ranked: true, Dims: make([]Dim, len(dims))}
		known := int64(1)
		infer := -1
		for i, d := range dims {
			switch {
			case d > 0:
				s.Dims[i] = Static(d)
			case d == 0 && n.Int("allowzero") == 0:
				s.Dims[i] = Unknown()
				if in.Shape.Ranked && i < len(in.Shape.Dims) {
					s.Dims[i] = in.Shape.Dims[i]
				}
			case d == 0:
				s.Dims[i] = Static(0)
			default:
				s.Dims[i] = Unknown()
				infer = i
			}
			if s.Dims[i].Known() {
				known *= s.Dims[i].Size
			}
		}
		if infer >= 0 && known > 0 {
			if st, ok := in.Shape.Static(); ok {
				total, _ := NumElements(st)
				s.Dims[infer] = Static(int64(total) / known)
			}
		}
		out.Shape = s
	}
	n.SetOut(0, out)
	return nil
}

func inferShapeOp(n *Node) error {
	s := UnrankedShape
	if r := n.InType(0).Shape.Rank(); r >= 0 {
		start, end := clampShapeRange(n.Int("start"), n.Int("end"), n.Has("end"), r)
		s = ShapeOf(max(end-start, 0))
	} else {
		s = Shape{Ranked: true, Dims: []Dim{Unknown()}}
	}
	n.SetOut(0, TensorType(Int64, s))
	return nil
}

// clampShapeRange resolves Shape's start and end (negative from the back,
// clamped to [0, rank]).
func clampShapeRange(start, end int64, hasEnd bool, rank int) (int, int) {
	if !hasEnd {
		end = int64(rank)
	}
	clamp := func(v int64) int {
		if v < 0 {
			v += int64(rank)
		}
		return int(min(max(v, 0), int64(rank)))
	}
	return clamp(start), clamp(end)
}

func inferConcat(n *Node) error {
	dt := n.InType(0).DType
	var dims []Dim
	rank := -1
	for i := range n.Inputs {
		s := n.InType(i).Shape
		if !s.Ranked || (rank >= 0 && len(s.Dims) != rank) {
			n.SetOut(0, TensorType(dt, UnrankedShape))
			return nil
		}
		rank = len(s.Dims)
		a := normAxisDecl(n.Int("axis"), rank)
		if a < 0 {
			n.SetOut(0, TensorType(dt, UnrankedShape))
			return nil
		}
		if dims == nil {
			dims = append([]Dim{}, s.Dims...)
			continue
		}
		for j, d := range s.Dims {
			switch {
			case j == a && dims[j].Known() && d.Known():
				dims[j] = Static(dims[j].Size + d.Size)
			case j == a:
				dims[j] = Unknown()
			case !dims[j].Known() && d.Known():
				dims[j] = d
			}
		}
	}
	n.SetOut(0, TensorType(dt, Shape{Ranked: true, Dims: dims}))
	return nil
}

func inferFlatten(n *Node) error {
	in := n.InType(0)
	s := Shape{Ranked: true, Dims: []Dim{Unknown(), Unknown()}}
	if in.Shape.Ranked {
		r := len(in.Shape.Dims)
		a := int(n.Int("axis"))
		if a < 0 {
			a += r
		}
		if a >= 0 && a <= r {
			prod := func(ds []Dim) Dim {
				p := int64(1)
				for _, d := range ds {
					if !d.Known() {
						return Unknown()
					}
					p *= d.Size
				}
				return Static(p)
			}
			s.Dims = []Dim{prod(in.Shape.Dims[:a]), prod(in.Shape.Dims[a:])}
		}
	}
	n.SetOut(0, TensorType(in.DType, s))
	return nil
}

func inferSqueeze(n *Node) error {
	in := n.InType(0)
	out := TensorType(in.DType, UnrankedShape)
	if in.Shape.Ranked {
		r := len(in.Shape.Dims)
		drop := map[int]bool{}
		axes, ok := constInts(n, 1)
		switch {
		case n.In(1) == nil:
			for i, d := range in.Shape.Dims {
				if !d.Known() {
					n.SetOut(0, out)
					return nil
				}
				drop[i] = d.Size == 1
			}
		case ok:
			for _, a := range axes {
				if x := normAxisDecl(a, r); x >= 0 {
					drop[x] = true
				}
			}
		default:
			n.SetOut(0, out)
			return nil
		}
		s := Shape{Ranked: true, Dims: []Dim{}}
		for i, d := range in.Shape.Dims {
			if !drop[i] {
				s.Dims = append(s.Dims, d)
			}
		}
		out.Shape = s
	}
	n.SetOut(0, out)
	return nil
}

func inferUnsqueeze(n *Node) error {
	in := n.InType(0)
	out := TensorType(in.DType, UnrankedShape)
	if axes, ok := constInts(n, 1); ok && in.Shape.Ranked {
		r := len(in.Shape.Dims) + len(axes)
		ins := map[int]bool{}
		for _, a := range axes {
			if x := normAxisDecl(a, r); x >= 0 {
				ins[x] = true
			}
		}
		s := Shape{Ranked: true, Dims: make([]Dim, 0, r)}
		k := 0
		for i := 0; i < r; i++ {
			if ins[i] {
				s.Dims = append(s.Dims, Static(1))
			} else if k < len(in.Shape.Dims) {
				s.Dims = append(s.Dims, in.Shape.Dims[k])
				k++
			}
		}
		if len(s.Dims) == r {
			out.Shape = s
		}
	}
	n.SetOut(0, out)
	return nil
}

func inferTranspose(n *Node) error {
	in := n.InType(0)
	out := TensorType(in.DType, UnrankedShape)
	if in.Shape.Ranked {
		r := len(in.Shape.Dims)
		perm := n.Ints("perm")
		if perm == nil {
			for i := r - 1; i >= 0; i-- {
				perm = append(perm, int64(i))
			}
		}
		if len(perm) == r {
			s := Shape{Ranked: true, Dims: make([]Dim, r)}
			for i, p := range perm {
				if p < 0 || int(p) >= r {
					n.SetOut(0, out)
					return nil
				}
				s.Dims[i] = in.Shape.Dims[p]
			}
			out.Shape = s
		}
	}
	n.SetOut(0, out)
	return nil
}
