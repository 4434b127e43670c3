package onnx

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Resize-10 and the deprecated Upsample become the canonical Resize.
//
// Upsample (all opsets) and Resize-10 size the output as floor(length *
// scale) and sample at x_original = x_resized / scale, nearest rounding
// down: that is Resize's coordinate_transformation_mode "asymmetric" with
// nearest_mode "floor" (test_upsample_nearest repeats each element of a
// 3x scaled axis 3 times, which round_prefer_floor would not do).
// Resize-11 and later need no rewrite: their empty roi and scales tensors
// count as absent in the canonical form.

func init() {
	legacy("Resize", 11, func(c *convCtx) error {
		// Resize-10 takes (X, scales).
		scales := c.input(1)
		c.in = []*ir.Value{c.input(0), nil, scales}
		setAsymmetricFloor(c)
		return c.emitDefault()
	})
	legacy("Upsample", math.MaxInt64, func(c *convCtx) error {
		mode := "nearest"
		if a := c.takeAttr("mode"); a != nil {
			mode = a.S
		}
		if mode == "bilinear" { // Upsample-1's name for linear
			mode = "linear"
		}
		scales := c.input(1)
		h, w := c.takeAttr("height_scale"), c.takeAttr("width_scale")
		switch a := c.takeAttr("scales"); {
		case scales != nil:
		case a != nil:
			scales = c.constant(ir.FromSlice([]int{len(a.Floats)}, append([]float32{}, a.Floats...)))
		case h != nil && w != nil:
			scales = c.constant(ir.FromSlice([]int{4}, []float32{1, 1, h.F, w.F}))
		default:
			return fmt.Errorf("Upsample has no scales")
		}
		c.in = []*ir.Value{c.input(0), nil, scales}
		c.attrs["mode"] = ir.StringAttr(mode)
		setAsymmetricFloor(c)
		_, err := c.emit("Resize", c.in, c.out, c.attrs)
		return err
	})
}

// setAsymmetricFloor gives a Resize the sampling of Upsample and Resize-10.
func setAsymmetricFloor(c *convCtx) {
	c.attrs["coordinate_transformation_mode"] = ir.StringAttr("asymmetric")
	c.attrs["nearest_mode"] = ir.StringAttr("floor")
}
