package ir

// Linear quantization ops. The scale and zero point are per tensor
// (scalars), per axis (1-D along attribute axis) or, with block_size > 0,
// per block of block_size elements along axis.

func init() {
	Register(
		&OpDef{Name: "QuantizeLinear", Since: 10, Version: 13, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", 1), OptInt("block_size", 0), OptInt("output_dtype", 0), OptInt("saturate", 1)},
			Infer: func(n *Node) error {
				dt := Uint8
				switch {
				case n.In(2) != nil:
					dt = n.InType(2).DType
				case n.Int("output_dtype") != 0:
					dt = DType(n.Int("output_dtype"))
				}
				n.SetOut(0, TensorType(dt, n.InType(0).Shape))
				return nil
			},
			NotDifferentiable: true,
			Doc:               "saturate(round_half_even(x / y_scale) + y_zero_point) in the zero point's integer type (uint8 by default)"},
		&OpDef{Name: "DequantizeLinear", Since: 10, Version: 13, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("axis", 1), OptInt("block_size", 0), OptInt("output_dtype", 0)},
			Infer: func(n *Node) error {
				dt := n.InType(1).DType
				if od := n.Int("output_dtype"); od != 0 {
					dt = DType(od)
				}
				n.SetOut(0, TensorType(dt, n.InType(0).Shape))
				return nil
			},
			Doc: "(x - x_zero_point) * x_scale in the scale's float type"},
		&OpDef{Name: "DynamicQuantizeLinear", Since: 11, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 3, MaxOutputs: 3,
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(Uint8, n.InType(0).Shape))
				n.SetOut(1, TensorType(Float32, ShapeOf()))
				n.SetOut(2, TensorType(Uint8, ShapeOf()))
				return nil
			},
			NotDifferentiable: true,
			Doc:               "uint8 quantization of x with scale and zero point chosen from x's range extended to include 0"},
	)
}
