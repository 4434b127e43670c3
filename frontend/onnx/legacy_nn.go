package onnx

import "github.com/dlc-go/dlc/ir"

// Converters for old opset forms of the conv, pool, linear-algebra and
// quantization ops. Most of these ops only gained attributes over time,
// so their old forms are already canonical; the exceptions are below.

func init() {
	// Gemm before opset 7 had a `broadcast` flag (C broadcasts whenever
	// its shape allows it now).
	legacy("Gemm", 7, func(c *convCtx) error {
		c.takeAttr("broadcast")
		return c.emitDefault()
	})
	// LpPool and GlobalLpPool opset 1 took p as a float; later opsets take
	// an int.
	for _, op := range []string{"LpPool", "GlobalLpPool"} {
		legacy(op, 2, lpPoolFloatP)
	}
}

func lpPoolFloatP(c *convCtx) error {
	if a := c.takeAttr("p"); a != nil {
		p := int64(a.F)
		if a.Kind == ir.AttrInt {
			p = a.I
		}
		c.attrs["p"] = ir.IntAttr(p)
	}
	return c.emitDefault()
}
