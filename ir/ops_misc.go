package ir

// Einsum, Det, GridSample, RoiAlign and NonMaxSuppression in their newest
// ONNX forms (GridSample 20+: N-D, modes linear/nearest/cubic; RoiAlign 16:
// coordinate_transformation_mode).

func init() {
	Register(
		&OpDef{Name: "Einsum", Since: 12, Version: 12, MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("equation", AttrString)},
			Infer: miscInferEinsum,
			Doc:   "Einstein summation of the inputs as the equation says (numpy.einsum)"},
		&OpDef{Name: "Det", Since: 11, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: miscInferDet,
			Doc:   "determinant of each square matrix in the last two dims"},
		&OpDef{Name: "GridSample", Since: 16, Version: 20, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("align_corners", 0), OptString("mode", "linear"),
				OptString("padding_mode", "zeros")},
			Infer: miscInferGridSample,
			Doc: "samples X [N,C,D1..Dr] at the normalized coordinates of grid [N,O1..Or,r] (x first), " +
				"interpolating linear, nearest or cubic; out-of-range samples follow padding_mode"},
		&OpDef{Name: "RoiAlign", Since: 10, Version: 16, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptString("coordinate_transformation_mode", "half_pixel"), OptString("mode", "avg"),
				OptInt("output_height", 1), OptInt("output_width", 1), OptInt("sampling_ratio", 0),
				OptFloat("spatial_scale", 1)},
			Infer: miscInferRoiAlign,
			Doc: "pools each roi [x1,y1,x2,y2] of image batch_indices[i] of X into output_height x " +
				"output_width bins by averaging (or max of) bilinear samples"},
		&OpDef{Name: "NonMaxSuppression", Since: 10, Version: 11, MinInputs: 2, MaxInputs: 5, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("center_point_box", 0)},
			Infer: InferFixed(Int64), NotDifferentiable: true,
			Doc: "per batch and class, greedily selects boxes by descending score, dropping those whose IoU " +
				"with a selected box exceeds iou_threshold; returns [batch, class, box] rows"},
	)
}

func miscInferEinsum(n *Node) error {
	dt := n.InType(0).DType
	e, err := ParseEinsum(n.Str("equation"), len(n.Inputs))
	if err != nil {
		return err
	}
	var shapes []Shape
	for i := range n.Inputs {
		shapes = append(shapes, n.InType(i).Shape)
	}
	s, err := e.OutShape(shapes)
	if err != nil {
		return err
	}
	n.SetOut(0, TensorType(dt, s))
	return nil
}

func miscInferDet(n *Node) error {
	xt := n.InType(0)
	s := UnrankedShape
	if r := xt.Shape.Rank(); r >= 2 {
		s = Shape{Ranked: true, Dims: append([]Dim{}, xt.Shape.Dims[:r-2]...)}
	}
	n.SetOut(0, TensorType(xt.DType, s))
	return nil
}

func miscInferGridSample(n *Node) error {
	xt, gt := n.InType(0), n.InType(1)
	s := UnrankedShape
	if xt.Shape.Rank() >= 3 && gt.Shape.Rank() == xt.Shape.Rank() {
		r := gt.Shape.Rank()
		s = Shape{Ranked: true, Dims: []Dim{xt.Shape.Dims[0], xt.Shape.Dims[1]}}
		s.Dims = append(s.Dims, gt.Shape.Dims[1:r-1]...)
		if !s.Dims[0].Known() {
			s.Dims[0] = gt.Shape.Dims[0]
		}
	}
	n.SetOut(0, TensorType(xt.DType, s))
	return nil
}

func miscInferRoiAlign(n *Node) error {
	xt, rt := n.InType(0), n.InType(1)
	c, r := Unknown(), Unknown()
	if xt.Shape.Rank() == 4 {
		c = xt.Shape.Dims[1]
	}
	if rt.Shape.Rank() == 2 {
		r = rt.Shape.Dims[0]
	}
	s := Shape{Ranked: true, Dims: []Dim{r, c, Static(n.Int("output_height")), Static(n.Int("output_width"))}}
	n.SetOut(0, TensorType(xt.DType, s))
	return nil
}
