package dsl

import (
	"github.com/dlc-go/dlc/ir"
)

var (
	denseOpts = []string{"weight_init", "bias_init", "no_bias"}
	convOpts  = []string{"weight_init", "bias_init", "no_bias", "stride", "padding", "dilation", "groups"}
	poolOpts  = []string{"stride", "padding"}
)

// Dense is a fully connected layer, torch.nn.Linear: y = x·Wᵀ + b with W
// [units, in] and b [units], emitted as one Gemm. Its input must be flat
// ([batch, in]); put Flatten before it otherwise. Options: WeightInit,
// BiasInit, NoBias, Name.
func Dense(units int, opts ...Option) Layer {
	return newLayer("dense", denseOpts, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		if units < 1 {
			fail(name, "units must be positive, got %d", units)
		}
		if len(x.shape) != 1 {
			fail(name, "input has shape %v after the batch dim; Dense needs one dim (add Flatten)", x.shape)
		}
		in := x.shape[0]
		ins := []*ir.Value{x.v, b.param(name, "weight", []int{units, in}, c.weightInit, in, units)}
		if !c.noBias {
			ins = append(ins, b.param(name, "bias", []int{units}, c.biasInit, in, units))
		}
		return b.Op(name, "Gemm", map[string]*ir.Attr{"transB": ir.IntAttr(1)}, name, []int{units}, ins...)
	})
}

// window is the 2-D geometry of a convolution or pooling layer.
type window struct {
	kernel, stride, dilation [2]int
	pads                     [4]int // ONNX order: begins then ends
	out                      [2]int
}

// plan computes the window over spatial dims in, failing for layer when
// it does not fit.
func planWindow(layer string, in, kernel, stride, dilation [2]int, p Pad) window {
	w := window{kernel: kernel, stride: stride, dilation: dilation}
	for i := range 2 {
		k, s, d := kernel[i], stride[i], dilation[i]
		if k < 1 || s < 1 || d < 1 {
			fail(layer, "kernel %d, stride %d and dilation %d must be positive", k, s, d)
		}
		span := (k-1)*d + 1
		switch p.kind {
		case "same":
			w.out[i] = (in[i] + s - 1) / s
			total := max(0, (w.out[i]-1)*s+span-in[i])
			w.pads[i], w.pads[i+2] = total/2, total-total/2
		case "explicit":
			if p.n < 0 {
				fail(layer, "negative padding %d", p.n)
			}
			w.pads[i], w.pads[i+2] = p.n, p.n
			fallthrough
		default:
			padded := in[i] + w.pads[i] + w.pads[i+2]
			if padded < span {
				fail(layer, "window %d is larger than the (padded) input %d along spatial dim %d", span, padded, i)
			}
			w.out[i] = (padded-span)/s + 1
		}
	}
	return w
}

func (w window) attrs() map[string]*ir.Attr {
	return map[string]*ir.Attr{
		"kernel_shape": ir.IntsAttr(int64(w.kernel[0]), int64(w.kernel[1])),
		"strides":      ir.IntsAttr(int64(w.stride[0]), int64(w.stride[1])),
		"pads":         ir.IntsAttr(int64(w.pads[0]), int64(w.pads[1]), int64(w.pads[2]), int64(w.pads[3])),
	}
}

// spatial checks that x is [C, H, W] and returns its dims.
func spatial(layer, kind string, x *Value) (c int, hw [2]int) {
	if len(x.shape) != 3 {
		fail(layer, "input has shape %v after the batch dim; %s needs [channels, height, width]", x.shape, kind)
	}
	return x.shape[0], [2]int{x.shape[1], x.shape[2]}
}

// Conv2D is a 2-D convolution, torch.nn.Conv2d, over [C, H, W] inputs with
// a kernel×kernel window: weight [filters, C/groups, kernel, kernel], bias
// [filters]. Options: Stride (default 1), Padding (default Valid),
// Dilation, Groups, WeightInit, BiasInit, NoBias, Name.
func Conv2D(filters, kernel int, opts ...Option) Layer {
	return newLayer("conv2d", convOpts, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		ch, hw := spatial(name, "Conv2D", x)
		if filters < 1 {
			fail(name, "filters must be positive, got %d", filters)
		}
		g := c.groups
		if g < 1 || ch%g != 0 || filters%g != 0 {
			fail(name, "groups %d must divide both the %d input channels and the %d filters", g, ch, filters)
		}
		stride := c.stride
		if stride == [2]int{} {
			stride = [2]int{1, 1}
		}
		w := planWindow(name, hw, [2]int{kernel, kernel}, stride, c.dilation, c.padding)
		fanIn, fanOut := ch/g*kernel*kernel, filters*kernel*kernel
		ins := []*ir.Value{x.v, b.param(name, "weight", []int{filters, ch / g, kernel, kernel}, c.weightInit, fanIn, fanOut)}
		if !c.noBias {
			ins = append(ins, b.param(name, "bias", []int{filters}, c.biasInit, fanIn, fanOut))
		}
		attrs := w.attrs()
		attrs["dilations"] = ir.IntsAttr(int64(w.dilation[0]), int64(w.dilation[1]))
		attrs["group"] = ir.IntAttr(int64(g))
		return b.Op(name, "Conv", attrs, name, []int{filters, w.out[0], w.out[1]}, ins...)
	})
}

// pool2D builds MaxPool2D and AvgPool2D.
func pool2D(kind, op string, allowed []string, kernel int, opts []Option) Layer {
	return newLayer(kind, allowed, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		ch, hw := spatial(name, kind, x)
		stride := c.stride
		if stride == [2]int{} {
			stride = [2]int{kernel, kernel}
		}
		w := planWindow(name, hw, [2]int{kernel, kernel}, stride, [2]int{1, 1}, c.padding)
		attrs := w.attrs()
		if op == "AveragePool" && c.countPad {
			attrs["count_include_pad"] = ir.IntAttr(1)
		}
		return b.Op(name, op, attrs, name, []int{ch, w.out[0], w.out[1]}, x.v)
	})
}

// MaxPool2D takes the maximum over kernel×kernel windows of [C, H, W]
// inputs, torch.nn.MaxPool2d. Options: Stride (default kernel), Padding
// (default Valid; padded positions never win), Name.
func MaxPool2D(kernel int, opts ...Option) Layer {
	return pool2D("maxpool2d", "MaxPool", poolOpts, kernel, opts)
}

// AvgPool2D averages kernel×kernel windows of [C, H, W] inputs,
// torch.nn.AvgPool2d. Options: Stride (default kernel), Padding (default
// Valid), CountIncludePad (default true, as PyTorch), Name.
func AvgPool2D(kernel int, opts ...Option) Layer {
	return pool2D("avgpool2d", "AveragePool", []string{"stride", "padding", "count_include_pad"}, kernel, opts)
}

// GlobalAvgPool averages each channel of a [C, spatial...] input over its
// spatial dims and returns [C] (GlobalAveragePool then Flatten), ready for
// a Dense layer.
func GlobalAvgPool(opts ...Option) Layer {
	return newLayer("global_avgpool", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		if len(x.shape) < 2 {
			fail(name, "input has shape %v after the batch dim; GlobalAvgPool needs [channels, spatial...]", x.shape)
		}
		ones := make([]int, len(x.shape))
		ones[0] = x.shape[0]
		for i := 1; i < len(ones); i++ {
			ones[i] = 1
		}
		p := b.Op(name, "GlobalAveragePool", nil, name+"/pool", ones, x.v)
		return b.Op(name, "Flatten", map[string]*ir.Attr{"axis": ir.IntAttr(1)}, name, []int{x.shape[0]}, p.v)
	})
}
