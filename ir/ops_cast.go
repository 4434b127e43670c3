package ir

import "fmt"

// Cast and CastLike: elementwise dtype conversion.

func init() {
	Register(
		withGrad(&OpDef{Name: "Cast", Since: 1, Version: 6, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			// saturate only affects float8 targets, which dlc does not hold.
			Attrs: []AttrDef{ReqAttr("to", AttrInt), OptInt("saturate", 1)},
			Infer: inferCast,
			Doc:   "Y = X converted to dtype `to` (C casts between numbers, text for strings)"}, gradCast),
		&OpDef{Name: "CastLike", Since: 15, Version: 15, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("saturate", 1)},
			Infer: inferCastLike,
			Doc:   "Y = X converted to the dtype of target_type (input 1)"},
	)
}

func inferCast(n *Node) error {
	dt := DType(n.Int("to"))
	if !dt.Supported() {
		return fmt.Errorf("cast to unsupported dtype %s", dt)
	}
	n.SetOut(0, TensorType(dt, n.InType(0).Shape))
	return nil
}

func inferCastLike(n *Node) error {
	n.SetOut(0, TensorType(n.InType(1).DType, n.InType(0).Shape))
	return nil
}
