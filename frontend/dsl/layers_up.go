package dsl

import (
	"math"

	"github.com/dlc-go/dlc/ir"
)

// ConvTranspose2D is a 2-D transposed convolution, torch.nn.ConvTranspose2d,
// over [C, H, W] inputs with a kernel×kernel window: the adjoint of a
// Conv2D, which upsamples by the stride. Weight [C, filters/groups,
// kernel, kernel] (PyTorch's layout), bias [filters]; the output size is
// (in-1)·stride - 2·padding + dilation·(kernel-1) + output_padding + 1.
// Options: Stride (default 1), Padding (Valid or PadN; Same does not
// apply), OutputPadding (below the stride), Dilation, Groups, WeightInit,
// BiasInit, NoBias, Name.
func ConvTranspose2D(filters, kernel int, opts ...Option) Layer {
	allowed := append(convOpts[:len(convOpts):len(convOpts)], "output_padding")
	return newLayer("conv_transpose2d", allowed, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		ch, hw := spatial(name, "ConvTranspose2D", x)
		g := c.groups
		if filters < 1 || kernel < 1 {
			fail(name, "filters %d and kernel %d must be positive", filters, kernel)
		}
		if g < 1 || ch%g != 0 || filters%g != 0 {
			fail(name, "groups %d must divide both the %d input channels and the %d filters", g, ch, filters)
		}
		stride, dil := c.stride, c.dilation
		if stride == [2]int{} {
			stride = [2]int{1, 1}
		}
		pad := 0
		switch c.padding.kind {
		case "", "valid":
		case "explicit":
			pad = c.padding.n
		default:
			fail(name, "padding %s does not apply to ConvTranspose2D (use Valid or PadN)", c.padding)
		}
		op := c.arch.outPad
		var out [2]int
		for i := range 2 {
			if stride[i] < 1 || dil[i] < 1 || pad < 0 || op < 0 || op >= stride[i] {
				fail(name, "stride %v and dilation %v must be positive, padding %d and output padding %d non-negative, output padding below the stride",
					stride, dil, pad, op)
			}
			out[i] = (hw[i]-1)*stride[i] - 2*pad + dil[i]*(kernel-1) + op + 1
			if out[i] < 1 {
				fail(name, "padding %d leaves no output from input %v", pad, hw)
			}
		}
		fanIn, fanOut := filters/g*kernel*kernel, ch*kernel*kernel
		ins := []*ir.Value{x.v, b.param(name, "weight", []int{ch, filters / g, kernel, kernel}, c.weightInit, fanIn, fanOut)}
		if !c.noBias {
			ins = append(ins, b.param(name, "bias", []int{filters}, c.biasInit, fanIn, fanOut))
		}
		p := int64(pad)
		attrs := map[string]*ir.Attr{
			"kernel_shape":   ir.IntsAttr(int64(kernel), int64(kernel)),
			"strides":        ir.IntsAttr(int64(stride[0]), int64(stride[1])),
			"dilations":      ir.IntsAttr(int64(dil[0]), int64(dil[1])),
			"pads":           ir.IntsAttr(p, p, p, p),
			"output_padding": ir.IntsAttr(int64(op), int64(op)),
			"group":          ir.IntAttr(int64(g)),
		}
		return b.Op(name, "ConvTranspose", attrs, name, []int{filters, out[0], out[1]}, ins...)
	})
}

// Upsample resizes the spatial dims of [C, H, W] inputs by scale (the
// output has floor(scale·H) rows, scale rounded to float32), torch.nn.Upsample(scale_factor, mode):
// mode "nearest" repeats the element each output position falls in
// (ONNX Resize, asymmetric coordinates, floor rounding, as PyTorch's
// nearest); "linear" interpolates bilinearly with half-pixel centres and
// the edges repeated (PyTorch's bilinear with align_corners=False).
func Upsample(scale float64, mode string, opts ...Option) Layer {
	return newLayer("upsample", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		ch, hw := spatial(name, "Upsample", x)
		attrs := map[string]*ir.Attr{"mode": ir.StringAttr(mode)}
		switch mode {
		case "nearest":
			attrs["coordinate_transformation_mode"] = ir.StringAttr("asymmetric")
			attrs["nearest_mode"] = ir.StringAttr("floor")
		case "linear":
			attrs["coordinate_transformation_mode"] = ir.StringAttr("half_pixel")
		default:
			fail(name, "mode %q: want nearest or linear", mode)
		}
		s := float32(scale) // ONNX scales are float32; sizes follow from the rounded value
		if !(s > 0) || math.IsInf(float64(s), 0) {
			fail(name, "scale %v must be a positive number", scale)
		}
		out := [2]int{int(math.Floor(float64(s) * float64(hw[0]))), int(math.Floor(float64(s) * float64(hw[1])))}
		if out[0] < 1 || out[1] < 1 {
			fail(name, "scale %v leaves no output from input %v", scale, hw)
		}
		scales := b.g.AddInit(b.fresh(name+"/scales"), ir.FromSlice([]int{4}, []float32{1, 1, s, s}))
		return b.Op(name, "Resize", attrs, name, []int{ch, out[0], out[1]}, x.v, nil, scales)
	})
}
