package ir

import "math"

// Resize in its opset 19 form: inputs X, roi, scales, sizes (all but X
// optional; an empty tensor counts as absent, as opset 11 models pass
// them), attributes as below. Exactly one of scales and sizes gives the
// output size. Older Resize forms and the deprecated Upsample are rewritten
// into it at import. coordinate_transformation_mode also accepts opset 11's
// "tf_half_pixel_for_nn" (x_original = (x + 0.5) / scale), which no newer
// mode expresses.
//
// Upsample is declared only so that the importer recognises it; the
// importer always rewrites it into Resize (coordinate mode asymmetric,
// nearest_mode floor), which is what it meant.

func init() {
	Register(
		withGrad(&OpDef{Name: "Resize", Since: 10, Version: 13, MinInputs: 1, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: resizeAttrs(),
			Infer: inferResize,
			Doc:   "Y = X resampled (nearest, linear or cubic) to the size given by scales or sizes"}, gradResize),
		&OpDef{Name: "Upsample", Since: 1, Version: 10, MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptString("mode", "nearest"), OptAttr("scales", AttrFloats)},
			Infer: InferDTypeOf(0),
			Doc:   "deprecated: Y = X upsampled by scales (imported as Resize, asymmetric coordinates)"},
	)
}

// resizeAttrs are Resize's attributes, shared with dlc.ResizeGrad.
func resizeAttrs() []AttrDef {
	return []AttrDef{
		OptInt("antialias", 0),
		OptAttr("axes", AttrInts),
		OptString("coordinate_transformation_mode", "half_pixel"),
		OptFloat("cubic_coeff_a", -0.75),
		OptInt("exclude_outside", 0),
		OptFloat("extrapolation_value", 0),
		OptString("keep_aspect_ratio_policy", "stretch"),
		OptString("mode", "nearest"),
		OptString("nearest_mode", "round_prefer_floor"),
	}
}

// inferResize keeps X's dtype and rank; sizes are known when X's shape is
// static and scales or sizes is a constant covering every axis with the
// default stretch policy.
func inferResize(n *Node) error {
	xt := n.InType(0)
	out := TensorType(xt.DType, UnrankedShape)
	if xt.Shape.Ranked {
		out.Shape = Shape{Ranked: true, Dims: make([]Dim, len(xt.Shape.Dims))}
		for i := range out.Shape.Dims {
			out.Shape.Dims[i] = Unknown()
		}
		x, static := xt.Shape.Static()
		plain := !n.Has("axes") && n.Str("keep_aspect_ratio_policy") == "stretch"
		if sizes := fixedInit(n.In(3)); static && plain && sizes != nil && sizes.Len() == len(x) {
			for i := range x {
				out.Shape.Dims[i] = Static(sizes.Int64At(i))
			}
		} else if scales := fixedInit(n.In(2)); static && plain && scales != nil && scales.Len() == len(x) {
			for i, d := range x {
				out.Shape.Dims[i] = Static(int64(math.Floor(float64(d) * scales.Float64At(i))))
			}
		}
	}
	n.SetOut(0, out)
	return nil
}
