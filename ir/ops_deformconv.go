package ir

// DeformConv (opset 19): deformable convolution, v1 (learned sampling
// offsets) and v2 (offsets plus a modulation mask). The output geometry is
// that of Conv with explicit pads (DeformConv has no auto_pad), so shape
// inference reuses inferConv and WindowGeometry from ops_conv.go.

func init() {
	Register(&OpDef{Name: "DeformConv", Since: 19, Version: 19, MinInputs: 3, MaxInputs: 5, MinOutputs: 1, MaxOutputs: 1,
		Attrs: []AttrDef{
			OptAttr("dilations", AttrInts),
			OptInt("group", 1),
			OptAttr("kernel_shape", AttrInts),
			OptInt("offset_group", 1),
			OptAttr("pads", AttrInts),
			OptAttr("strides", AttrInts),
		},
		Infer: inferConv(0, 1, Undefined, false),
		Doc: "deformable N-D convolution of X [N,C,D...] with W [M,C/group,k...]: each kernel tap samples X bilinearly at " +
			"its Conv position plus offset [N,offset_group*prod(k)*r,out...], times optional mask [N,offset_group*prod(k),out...], plus optional bias B [M]",
	})
}
