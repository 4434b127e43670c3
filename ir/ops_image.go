package ir

// Image-shaped ops without a family of their own: MaxRoiPool (opset 1),
// CenterCropPad and Col2Im (opset 18), AffineGrid and ImageDecoder (opset
// 20), in their newest ONNX forms.

func init() {
	Register(
		&OpDef{Name: "MaxRoiPool", Since: 1, Version: 1, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("pooled_shape", AttrInts), OptFloat("spatial_scale", 1)},
			Infer: imageInferMaxRoiPool,
			Doc: "max-pools each roi [batch, x1, y1, x2, y2] (scaled by spatial_scale, rounded to pixels) of " +
				"X [N,C,H,W] into a pooled_shape grid of bins"},
		&OpDef{Name: "CenterCropPad", Since: 18, Version: 18, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptAttr("axes", AttrInts)},
			Infer: imageInferCenterCropPad,
			Doc: "crops or zero-pads the input along axes (default all) to the sizes in shape, keeping it " +
				"centered; an odd difference leaves the extra element at the end"},
		&OpDef{Name: "Col2Im", Since: 18, Version: 18, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptAttr("dilations", AttrInts), OptAttr("pads", AttrInts), OptAttr("strides", AttrInts)},
			Infer: imageInferCol2Im,
			Doc: "sums the sliding blocks in input [N, C*prod(block_shape), L] back into an image " +
				"[N, C, image_shape...] (the inverse layout of im2col; overlaps add)"},
		&OpDef{Name: "AffineGrid", Since: 20, Version: 20, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("align_corners", 0)},
			Infer: imageInferAffineGrid,
			Doc: "applies the affine matrices theta [N,2,3] or [N,3,4] to the normalized base grid of size " +
				"[N,C,H,W] or [N,C,D,H,W], giving a GridSample grid [N,H,W,2] or [N,D,H,W,3]"},
		&OpDef{Name: "ImageDecoder", Since: 20, Version: 20, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptString("pixel_format", "RGB")},
			Infer: imageInferImageDecoder, NotDifferentiable: true,
			Doc: "decodes an encoded image (uint8 bytes) into uint8 [H,W,3] (RGB or BGR) or [H,W,1] (Grayscale)"},
	)
}

func imageInferMaxRoiPool(n *Node) error {
	xt, rt := n.InType(0), n.InType(1)
	s := Shape{Ranked: true, Dims: []Dim{Unknown(), Unknown()}}
	if rt.Shape.Rank() == 2 {
		s.Dims[0] = rt.Shape.Dims[0]
	}
	if xt.Shape.Rank() == 4 {
		s.Dims[1] = xt.Shape.Dims[1]
	}
	for _, p := range n.Ints("pooled_shape") {
		s.Dims = append(s.Dims, Static(p))
	}
	n.SetOut(0, TensorType(xt.DType, s))
	return nil
}

// imageInferCenterCropPad keeps the input's rank and the dims of axes not
// cropped; the target sizes are known when shape is a constant.
func imageInferCenterCropPad(n *Node) error {
	xt := n.InType(0)
	s := xt.Shape
	if s.Ranked {
		s = Shape{Ranked: true, Dims: append([]Dim{}, s.Dims...)}
		r := len(s.Dims)
		axes := n.Ints("axes")
		if len(axes) == 0 {
			for a := range r {
				axes = append(axes, int64(a))
			}
		}
		target, known := constInts(n, 1)
		for i, a := range axes {
			if a < 0 {
				a += int64(r)
			}
			if a < 0 || a >= int64(r) {
				continue // the kernel reports the bad axis
			}
			s.Dims[a] = Unknown()
			if known && i < len(target) && len(target) == len(axes) {
				s.Dims[a] = Static(target[i])
			}
		}
	}
	n.SetOut(0, TensorType(xt.DType, s))
	return nil
}

// constIntsOrLen reads the 1-D int input i: its values when constant,
// and its length when that is known either way (-1 otherwise).
func constIntsOrLen(n *Node, i int) ([]int64, bool, int) {
	if vals, ok := constInts(n, i); ok {
		return vals, true, len(vals)
	}
	if t := n.InType(i); t.Shape.Rank() == 1 && t.Shape.Dims[0].Known() {
		return nil, false, int(t.Shape.Dims[0].Size)
	}
	return nil, false, -1
}

// imageInferCol2Im gives [N, C, image_shape...]: C when block_shape is a
// constant, the image dims when image_shape is.
func imageInferCol2Im(n *Node) error {
	xt := n.InType(0)
	s := UnrankedShape
	img, imgKnown, rank := constIntsOrLen(n, 1)
	if rank >= 0 {
		s = Shape{Ranked: true, Dims: make([]Dim, 2+rank)}
		for i := range s.Dims {
			s.Dims[i] = Unknown()
		}
		if xt.Shape.Rank() == 3 {
			s.Dims[0] = xt.Shape.Dims[0]
			if block, ok := constInts(n, 2); ok && xt.Shape.Dims[1].Known() {
				prod := int64(1)
				for _, b := range block {
					prod *= b
				}
				if prod > 0 && xt.Shape.Dims[1].Size%prod == 0 {
					s.Dims[1] = Static(xt.Shape.Dims[1].Size / prod)
				}
			}
		}
		if imgKnown {
			for i, d := range img {
				s.Dims[2+i] = Static(d)
			}
		}
	}
	n.SetOut(0, TensorType(xt.DType, s))
	return nil
}

// imageInferAffineGrid gives [N, H, W, 2] or [N, D, H, W, 3]: the rank
// follows from size's length, the dims from its value when constant.
func imageInferAffineGrid(n *Node) error {
	tt := n.InType(0)
	s := UnrankedShape
	size, known, r := constIntsOrLen(n, 1)
	if r == 4 || r == 5 {
		s = Shape{Ranked: true, Dims: make([]Dim, r)}
		for i := range s.Dims {
			s.Dims[i] = Unknown()
		}
		s.Dims[r-1] = Static(int64(r - 2))
		if tt.Shape.Rank() == 3 {
			s.Dims[0] = tt.Shape.Dims[0]
		}
		if known {
			s.Dims[0] = Static(size[0])
			for i := 2; i < r; i++ {
				s.Dims[i-1] = Static(size[i])
			}
		}
	}
	n.SetOut(0, TensorType(tt.DType, s))
	return nil
}

func imageInferImageDecoder(n *Node) error {
	c := int64(3)
	if n.Str("pixel_format") == "Grayscale" {
		c = 1
	}
	n.SetOut(0, TensorType(Uint8, Shape{Ranked: true, Dims: []Dim{Unknown(), Unknown(), Static(c)}}))
	return nil
}
