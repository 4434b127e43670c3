package onnx

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Converters for old opset forms of the normalization, softmax, Dropout,
// RoiAlign, GridSample and GroupNormalization ops.

func init() {
	legacy("BatchNormalization", 14, normConvBatchNorm)
	legacy("Dropout", 12, normConvDropout)
	for _, op := range []string{"Softmax", "LogSoftmax", "Hardmax"} {
		legacy(op, 13, normConvSoftmax)
	}
	// RoiAlign 10 had no coordinate_transformation_mode; it behaved as
	// output_half_pixel, while the attribute's default is half_pixel.
	legacy("RoiAlign", 16, func(c *convCtx) error {
		c.attrs["coordinate_transformation_mode"] = ir.StringAttr("output_half_pixel")
		return c.emitDefault()
	})
	// GridSample 16 spelled its modes bilinear and bicubic.
	legacy("GridSample", 20, func(c *convCtx) error {
		if a := c.attrs["mode"]; a != nil {
			switch a.S {
			case "bilinear":
				c.attrs["mode"] = ir.StringAttr("linear")
			case "bicubic":
				c.attrs["mode"] = ir.StringAttr("cubic")
			}
		}
		return c.emitDefault()
	})
	legacy("GroupNormalization", 21, normConvGroupNorm)
}

// normConvBatchNorm rewrites BatchNormalization before opset 14. Opsets 1-6
// had is_test, opsets 1-8 spatial; all are dropped
// (spatial=0, per-activation statistics, is refused). Training was implied
// by asking for more than Y; now training_mode says it, and only running
// mean and var remain as outputs, so the old saved_mean and saved_var
// outputs are refused.
func normConvBatchNorm(c *convCtx) error {
	isTest := c.takeAttr("is_test")
	if a := c.takeAttr("spatial"); a != nil && a.I == 0 {
		return fmt.Errorf("BatchNormalization with spatial=0 (per-activation statistics) is not supported")
	}
	for i := 3; i < len(c.out); i++ {
		if c.out[i] != "" {
			return fmt.Errorf("BatchNormalization output %d (saved mean/var of opset %d) is not supported", i, c.opset)
		}
	}
	if len(c.out) > 3 {
		c.out = c.out[:3]
	}
	training := false
	for _, name := range c.out[1:] {
		training = training || name != ""
	}
	if training && (isTest == nil || isTest.I == 0) {
		c.attrs["training_mode"] = ir.IntAttr(1)
	}
	return c.emitDefault()
}

// normConvDropout rewrites Dropout before opset 12: the ratio attribute
// becomes input 1. is_test (opsets 1-6) is dropped: dlc imports models for
// inference, where Dropout is the identity, which is also what opsets 7-11
// mean outside training. Before opset 10 the mask had X's dtype, so a Cast
// follows when it is used.
func normConvDropout(c *convCtx) error {
	c.takeAttr("is_test")
	if a := c.takeAttr("ratio"); a != nil {
		c.setInput(1, c.constant(ir.Scalar(a.F)))
	}
	if c.opset >= 10 || len(c.out) < 2 || c.out[1] == "" {
		return c.emitDefault()
	}
	dt := c.in[0].Type.DType
	if dt == ir.Undefined {
		return fmt.Errorf("Dropout mask of opset %d needs the input dtype, which is unknown", c.opset)
	}
	maskName := c.out[1]
	tmp := c.im.freshName(maskName + "_bool")
	if _, err := c.emit(c.op, c.in, []string{c.out[0], tmp}, c.attrs); err != nil {
		return err
	}
	_, err := c.emit("Cast", []*ir.Value{c.sc.names[tmp]}, []string{maskName},
		map[string]*ir.Attr{"to": ir.IntAttr(int64(dt))})
	return err
}

// normConvSoftmax rewrites Softmax, LogSoftmax and Hardmax before opset 13,
// which coerced the input to 2-D at axis (default 1) and normalized over
// the flattened trailing dims: Shape -> Flatten(axis) -> op(axis -1) ->
// Reshape back. When axis is the last dim the two forms agree and the op
// is kept alone.
func normConvSoftmax(c *convCtx) error {
	axis := int64(1)
	if a := c.takeAttr("axis"); a != nil {
		axis = a.I
	}
	x := c.in[0]
	if r := int64(x.Type.Shape.Rank()); r > 0 {
		if axis < 0 {
			axis += r
		}
		if axis == r-1 {
			c.attrs["axis"] = ir.IntAttr(-1)
			return c.emitDefault()
		}
	}
	shape, err := c.emitTemp("Shape", []*ir.Value{x}, nil)
	if err != nil {
		return err
	}
	flat, err := c.emitTemp("Flatten", []*ir.Value{x}, map[string]*ir.Attr{"axis": ir.IntAttr(axis)})
	if err != nil {
		return err
	}
	y, err := c.emitTemp(c.op, []*ir.Value{flat}, map[string]*ir.Attr{"axis": ir.IntAttr(-1)})
	if err != nil {
		return err
	}
	_, err = c.emit("Reshape", []*ir.Value{y, shape}, c.out, nil)
	return err
}

// normConvGroupNorm rewrites GroupNormalization 18, whose scale and bias
// had one value per group, into the opset-21 form with one per channel:
// each is repeated C/G times, computed from X's shape as
// Reshape(Expand(Reshape(s, [G,1]), [G, C/G]), [-1]).
func normConvGroupNorm(c *convCtx) error {
	ga := c.attrs["num_groups"]
	if ga == nil {
		return fmt.Errorf("GroupNormalization needs num_groups")
	}
	g := ga.I
	i64 := func(v ...int64) *ir.Value { return c.constant(ir.FromSlice([]int{len(v)}, v)) }
	ch, err := c.emitTemp("Shape", []*ir.Value{c.in[0]},
		map[string]*ir.Attr{"start": ir.IntAttr(1), "end": ir.IntAttr(2)})
	if err != nil {
		return err
	}
	per, err := c.emitTemp("Div", []*ir.Value{ch, i64(g)}, nil)
	if err != nil {
		return err
	}
	target, err := c.emitTemp("Concat", []*ir.Value{i64(g), per}, map[string]*ir.Attr{"axis": ir.IntAttr(0)})
	if err != nil {
		return err
	}
	for slot := 1; slot <= 2; slot++ {
		col, err := c.emitTemp("Reshape", []*ir.Value{c.in[slot], i64(g, 1)}, nil)
		if err != nil {
			return err
		}
		wide, err := c.emitTemp("Expand", []*ir.Value{col, target}, nil)
		if err != nil {
			return err
		}
		flat, err := c.emitTemp("Reshape", []*ir.Value{wide, i64(-1)}, nil)
		if err != nil {
			return err
		}
		c.in[slot] = flat
	}
	return c.emitDefault()
}
