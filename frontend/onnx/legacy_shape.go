package onnx

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Converters from older opset forms of the shape and index ops to their
// canonical (newest) forms. Most move an attribute that later opsets take
// as an input.

func init() {
	// Constant's value may come in eight attributes; the IR has one.
	legacy("Constant", 1<<40, convertConstant)
	// Scatter is the deprecated name of ScatterElements.
	legacy("Scatter", 1<<40, func(c *convCtx) error {
		_, err := c.emit("ScatterElements", c.in, c.out, c.attrs)
		return err
	})
	legacy("Reshape", 5, func(c *convCtx) error {
		c.attrToInput("shape", 1)
		return c.emitDefault()
	})
	legacy("Concat", 4, func(c *convCtx) error {
		if c.attrs["axis"] == nil {
			c.attrs["axis"] = ir.IntAttr(1) // the default before opset 4
		}
		return c.emitDefault()
	})
	axesToInput := func(c *convCtx) error {
		c.attrToInput("axes", 1)
		return c.emitDefault()
	}
	legacy("Squeeze", 13, axesToInput)
	legacy("Unsqueeze", 13, axesToInput)
	legacy("Split", 13, func(c *convCtx) error {
		// Opset 1 also accepted split as an input; the attribute wins
		// only where the input is absent.
		if c.input(1) != nil {
			c.takeAttr("split")
		} else {
			c.attrToInput("split", 1)
		}
		return splitEqualParts(c)
	})
	legacy("Split", 18, splitEqualParts)
	legacy("Slice", 10, func(c *convCtx) error {
		c.attrToInput("starts", 1)
		c.attrToInput("ends", 2)
		c.attrToInput("axes", 3)
		return c.emitDefault()
	})
	legacy("TopK", 10, func(c *convCtx) error {
		if a := c.takeAttr("k"); a != nil {
			c.setInput(1, c.constant(ir.FromSlice([]int{1}, []int64{a.I})))
		}
		return c.emitDefault()
	})
	legacy("Pad", 11, convertPadAttrs)
	legacy("Tile", 6, convertTileAxis)
}

// convertConstant folds value_float(s), value_int(s), value_string(s) and
// sparse_value (already densified at import) into the tensor attribute
// value.
func convertConstant(c *convCtx) error {
	var t *ir.Tensor
	set := 0
	for name, a := range c.attrs {
		switch name {
		case "value", "sparse_value":
			t = a.T
		case "value_float":
			t = ir.Scalar(a.F)
		case "value_floats":
			t = ir.FromSlice([]int{len(a.Floats)}, append([]float32{}, a.Floats...))
		case "value_int":
			t = ir.Scalar(a.I)
		case "value_ints":
			t = ir.FromSlice([]int{len(a.Ints)}, append([]int64{}, a.Ints...))
		case "value_string":
			t = ir.Scalar(a.S)
		case "value_strings":
			t = ir.FromSlice([]int{len(a.Strings)}, append([]string{}, a.Strings...))
		default:
			return fmt.Errorf("unknown attribute %q", name)
		}
		set++
	}
	if set != 1 || t == nil {
		return fmt.Errorf("Constant needs exactly one value attribute, has %d", set)
	}
	c.attrs = map[string]*ir.Attr{"value": ir.TensorAttr(t)}
	return c.emitDefault()
}

// convertPadAttrs moves Pad's pads (paddings before opset 2) and value
// attributes into inputs 1 and 2.
func convertPadAttrs(c *convCtx) error {
	pads := c.takeAttr("pads")
	if p := c.takeAttr("paddings"); p != nil {
		pads = p
	}
	if pads == nil {
		return fmt.Errorf("attribute pads is missing")
	}
	c.setInput(1, c.constant(ir.FromSlice([]int{len(pads.Ints)}, append([]int64{}, pads.Ints...))))
	if v := c.takeAttr("value"); v != nil && v.F != 0 {
		dt := ir.Float32
		if x := c.input(0); x != nil && x.Type.DType != ir.Undefined {
			dt = x.Type.DType
		}
		val := ir.Zeros(dt, nil)
		val.SetFloat64At(0, float64(v.F))
		c.setInput(2, c.constant(val))
	}
	return c.emitDefault()
}

// convertTileAxis serves Tile-1, whose inputs were (input, tiles, axis):
// tiles copies along one axis. Both must be constants to build repeats.
func convertTileAxis(c *convCtx) error {
	if len(c.in) < 3 || c.input(2) == nil {
		return c.emitDefault()
	}
	tiles, axis := c.input(1).Init, c.input(2).Init
	x := c.input(0)
	if tiles == nil || axis == nil || !x.Type.Shape.Ranked {
		return fmt.Errorf("Tile-1 needs constant tiles and axis and an input of known rank")
	}
	r := len(x.Type.Shape.Dims)
	a := int(axis.Int64At(0))
	if a < 0 {
		a += r
	}
	if a < 0 || a >= r {
		return fmt.Errorf("axis %d out of range for rank %d", axis.Int64At(0), r)
	}
	rep := make([]int64, r)
	for i := range rep {
		rep[i] = 1
	}
	rep[a] = tiles.Int64At(0)
	c.in = []*ir.Value{x, c.constant(ir.FromSlice([]int{r}, rep))}
	return c.emitDefault()
}

// splitEqualParts handles Split before opset 18: without a split input it
// meant equal parts, one per output, which opset 18 spells num_outputs.
func splitEqualParts(c *convCtx) error {
	if c.input(1) == nil && c.attrs["num_outputs"] == nil {
		c.attrs["num_outputs"] = ir.IntAttr(int64(len(c.out)))
	}
	return c.emitDefault()
}
