package ir

// Recurrent layers: RNN, GRU, LSTM in their opset 14 form.
//
// Inputs: X [seq, batch, input] (layout=1: [batch, seq, input]), W
// [dirs, gates*hidden, input], R [dirs, gates*hidden, hidden], optional B
// [dirs, 2*gates*hidden] (input then recurrence biases), sequence_lens
// [batch] int32, initial_h (and for LSTM initial_c) [dirs, batch, hidden]
// (layout=1: [batch, dirs, hidden]) and for LSTM peepholes P [dirs,
// 3*hidden]. Outputs, all optional: Y [seq, dirs, batch, hidden] (layout=1:
// [batch, seq, dirs, hidden]), Y_h (and Y_c) shaped like initial_h.
//
// activations (per direction: 1 for RNN, 2 for GRU, 3 for LSTM) have no
// schema default because their count depends on direction; the kernel
// fills in ONNX's defaults. activation_alpha and activation_beta are
// consumed in order by the activations that take them.

func init() {
	rnnAttrs := func(extra ...AttrDef) []AttrDef {
		return append([]AttrDef{
			OptAttr("activation_alpha", AttrFloats),
			OptAttr("activation_beta", AttrFloats),
			OptAttr("activations", AttrStrings),
			OptAttr("clip", AttrFloat),
			OptString("direction", "forward"),
			OptAttr("hidden_size", AttrInt),
			OptInt("layout", 0),
		}, extra...)
	}
	Register(
		&OpDef{Name: "RNN", Since: 1, Version: 14, MinInputs: 3, MaxInputs: 6, MinOutputs: 0, MaxOutputs: 2,
			Attrs: rnnAttrs(), Infer: inferRecurrent,
			Doc: "simple recurrence H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb); Y stacks H_t, Y_h is the last"},
		&OpDef{Name: "GRU", Since: 1, Version: 14, MinInputs: 3, MaxInputs: 6, MinOutputs: 0, MaxOutputs: 2,
			Attrs: rnnAttrs(OptInt("linear_before_reset", 0)), Infer: inferRecurrent,
			Doc: "gated recurrent unit (gates z, r, h); Y stacks H_t, Y_h is the last"},
		&OpDef{Name: "LSTM", Since: 1, Version: 14, MinInputs: 3, MaxInputs: 8, MinOutputs: 0, MaxOutputs: 3,
			Attrs: rnnAttrs(OptInt("input_forget", 0)), Infer: inferRecurrent,
			Doc: "long short-term memory (gates i, o, f, c; peepholes P); Y stacks H_t, Y_h and Y_c are the last states"},
	)
}

// inferRecurrent gives every output X's dtype and, when X, W and R have
// known shapes, the output shapes.
func inferRecurrent(n *Node) error {
	dt := n.InType(0).DType
	x, okX := n.InType(0).Shape.Static()
	w, okW := n.InType(1).Shape.Static()
	r, okR := n.InType(2).Shape.Static()
	known := okX && okW && okR && len(x) == 3 && len(w) == 3 && len(r) == 3
	for o := range n.Outputs {
		s := UnrankedShape
		if known {
			seq, batch := x[0], x[1]
			if n.Int("layout") != 0 {
				seq, batch = batch, seq
			}
			dirs, hidden := w[0], r[2]
			switch {
			case o == 0 && n.Int("layout") != 0:
				s = ShapeOf(batch, seq, dirs, hidden)
			case o == 0:
				s = ShapeOf(seq, dirs, batch, hidden)
			case n.Int("layout") != 0:
				s = ShapeOf(batch, dirs, hidden)
			default:
				s = ShapeOf(dirs, batch, hidden)
			}
		}
		n.SetOut(o, TensorType(dt, s))
	}
	return nil
}
