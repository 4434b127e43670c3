package onnx

// Reductions took their axes as an attribute until ReduceSum-13 and the
// other reductions' opset 18; the canonical form takes them as input 1.
// noop_with_empty_axes did not exist then, and an absent or empty axes
// list meant "reduce everything", which the canonical form's default
// (noop_with_empty_axes=0) keeps.

func init() {
	axesToInput := func(c *convCtx) error {
		c.attrToInput("axes", 1)
		return c.emitDefault()
	}
	legacy("ReduceSum", 13, axesToInput)
	for _, op := range []string{"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
		"ReduceMean", "ReduceMin", "ReduceProd", "ReduceSumSquare"} {
		legacy(op, 18, axesToInput)
	}
}
