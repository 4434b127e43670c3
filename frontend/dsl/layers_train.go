package dsl

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Mask is a Dropout mask: a Train graph input of the shape of the value it
// masks (batch dim first) that the trainer fills every step with
// independent values that are 0 with probability P and 1/(1-P) otherwise.
type Mask struct {
	Input string
	P     float64
	Shape []int // dims after the batch dim
	// Normal marks a noise input instead (GaussianSample): the trainer
	// fills it with standard normal draws, and P is unused.
	Normal bool
}

// BatchNorm normalizes each channel (dim 1 of the full shape) of its
// input, torch.nn.BatchNorm1d/2d: weight (scale, initially 1) and bias
// (initially 0) are learnable; running_mean (0) and running_var (1) are
// state. In Train mode it is an ONNX BatchNormalization with
// training_mode=1 whose updated running statistics are the graph outputs
// "<layer>.running_mean:new" and "<layer>.running_var:new"; in Eval mode
// it uses the running statistics. The batch variance that updates
// running_var is the population variance, as ONNX defines it (PyTorch
// uses the unbiased one there; normalization itself uses the population
// variance in both). Options: Momentum (PyTorch's
// convention, default 0.1), Epsilon (default 1e-5), Name.
func BatchNorm(opts ...Option) Layer {
	return newLayer("batchnorm", []string{"momentum", "epsilon"}, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		if len(x.shape) < 1 {
			fail(name, "input has no channel dim")
		}
		if c.momentum < 0 || c.momentum > 1 || c.eps <= 0 {
			fail(name, "momentum %v must be in [0, 1] and epsilon %v positive", c.momentum, c.eps)
		}
		ch := []int{x.shape[0]}
		ins := []*ir.Value{x.v,
			b.param(name, "weight", ch, Ones, 0, 0),
			b.param(name, "bias", ch, Zeros, 0, 0),
			b.stateTensor(name, "running_mean", ch, Zeros),
			b.stateTensor(name, "running_var", ch, Ones),
		}
		attrs := map[string]*ir.Attr{"epsilon": ir.FloatAttr(float32(c.eps))}
		outs := []string{b.fresh(name)}
		if b.mode == Train {
			attrs["training_mode"] = ir.IntAttr(1)
			attrs["momentum"] = ir.FloatAttr(float32(1 - c.momentum))
			outs = append(outs, b.fresh(ins[3].Name+":new"), b.fresh(ins[4].Name+":new"))
		}
		n, err := b.g.AddNode(ir.NodeSpec{Op: "BatchNormalization", Name: outs[0], Inputs: ins, Outputs: outs, Attrs: attrs})
		if err != nil {
			fail(name, "%v", err)
		}
		for _, u := range n.Outputs[1:] {
			u.Type = ir.TensorType(b.dtype, ir.ShapeOf(ch...))
			b.updates = append(b.updates, u)
		}
		y := n.Outputs[0]
		y.Type = b.irType(x.shape)
		return &Value{b: b, v: y, shape: slices.Clone(x.shape)}
	})
}

// Dropout zeroes elements with probability p during training and scales
// the rest by 1/(1-p), torch.nn.Dropout. In Train mode it multiplies by
// the graph input "<layer>.mask" (see Mask), so that the graph itself is
// deterministic; in Eval mode it is removed. p = 0 is the identity in
// both modes.
func Dropout(p float64, opts ...Option) Layer {
	return newLayer("dropout", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		if !(p >= 0 && p < 1) {
			fail(name, "p must be in [0, 1), got %v", p)
		}
		if b.mode != Train || p == 0 {
			return x
		}
		mask := b.fresh(name + ".mask")
		m := b.g.AddInput(mask, b.irType(x.shape))
		b.masks = append(b.masks, Mask{Input: mask, P: p, Shape: x.Shape()})
		return b.Op(name, "Mul", nil, name, x.shape, x.v, m)
	})
}
