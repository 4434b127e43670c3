package onnx

// RNN, GRU and LSTM of opset 1 had an output_sequence attribute saying
// whether Y is produced; from opset 7 Y is produced whenever it is named
// among the outputs, which the opset 1 models did anyway. The attribute
// is dropped. Later changes (GRU linear_before_reset at 3, layout at 14)
// added attributes whose defaults keep the old meaning.

func init() {
	dropOutputSequence := func(c *convCtx) error {
		c.takeAttr("output_sequence")
		return c.emitDefault()
	}
	for _, op := range []string{"RNN", "GRU", "LSTM"} {
		legacy(op, 7, dropOutputSequence)
	}
}
