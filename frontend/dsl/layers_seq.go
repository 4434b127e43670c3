package dsl

import (
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Embedding maps int token ids [T] (the model's input with
// Def.InputDType Int64 or Int32) to rows of a learnable table, giving
// [T, dim], torch.nn.Embedding(vocab, dim): a Gather on the weight
// [vocab, dim], initialized N(0, 1) as PyTorch does. An id outside
// [0, vocab) is an error when the graph runs. Options: WeightInit, Name.
func Embedding(vocab, dim int, opts ...Option) Layer {
	return newLayer("embedding", []string{"weight_init"}, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		if vocab < 1 || dim < 1 {
			fail(name, "vocab %d and dim %d must be positive", vocab, dim)
		}
		if dt := x.v.Type.DType; dt != ir.Int64 && dt != ir.Int32 {
			fail(name, "input is %s; Embedding takes int64 or int32 token ids (set Def.InputDType)", dt)
		}
		init := Normal(1)
		if c.set["weight_init"] {
			init = c.weightInit
		}
		w := b.param(name, "weight", []int{vocab, dim}, init, dim, vocab)
		return b.Op(name, "Gather", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, name, append(slices.Clone(x.shape), dim), w, x.v)
	})
}

// tokens checks that x is [T, D] and returns T and D.
func tokens(layer, kind string, x *Value) (t, d int) {
	if len(x.shape) != 2 {
		fail(layer, "input has shape %v after the batch dim; %s needs [tokens, features]", x.shape, kind)
	}
	return x.shape[0], x.shape[1]
}

// SinusoidalPositional adds the fixed positional encoding of Vaswani et
// al. 2017 (§3.5) to [T, D] inputs: PE[p, 2i] = sin(p/10000^(2i/D)),
// PE[p, 2i+1] = cos(p/10000^(2i/D)), a constant with no parameters.
func SinusoidalPositional(opts ...Option) Layer {
	return newLayer("sinusoidal_pe", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		t, d := tokens(name, "SinusoidalPositional", x)
		pe := make([]float64, t*d)
		for p := range t {
			for j := range d {
				angle := float64(p) / math.Pow(10000, float64(j-j%2)/float64(d))
				if j%2 == 0 {
					pe[p*d+j] = math.Sin(angle)
				} else {
					pe[p*d+j] = math.Cos(angle)
				}
			}
		}
		return b.Op(name, "Add", nil, name, x.shape, x.v, b.constFloat(name+".encoding", []int{t, d}, pe))
	})
}

// LearnedPositional adds a learnable table "<layer>.weight" [T, D] to
// [T, D] inputs (as BERT and ViT do), initialized N(0, 0.02²). Options:
// WeightInit, Name.
func LearnedPositional(opts ...Option) Layer {
	return newLayer("learned_pe", []string{"weight_init"}, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		t, d := tokens(name, "LearnedPositional", x)
		init := Normal(0.02)
		if c.set["weight_init"] {
			init = c.weightInit
		}
		w := b.param(name, "weight", []int{t, d}, init, d, t)
		return b.Op(name, "Add", nil, name, x.shape, x.v, w)
	})
}

// Residual applies layers in order to x and adds x to the result:
// x + f(x), the skip connection of ResNets and Transformers. f must keep
// x's shape. The layers are recorded as usual, the sum as residual_N.
func Residual(layers ...Layer) Layer {
	layers = slices.Clone(layers)
	return LayerFunc(func(x *Value) *Value {
		if x == nil {
			fail("residual", "Residual applied to a nil value")
		}
		y := x
		for i, l := range layers {
			if l == nil {
				fail("residual", "layer %d of %d is nil", i+1, len(layers))
			}
			y = l.Apply(y)
		}
		return newLayer("residual", nil, nil, func(b *Builder, name string, _ *config, fx *Value) *Value {
			if fx == nil || fx.b != b {
				fail(name, "the layers returned no value of the input's graph")
			}
			if !slices.Equal(fx.shape, x.shape) {
				fail(name, "the layers map shape %v to %v; a residual needs them equal", x.shape, fx.shape)
			}
			return b.Op(name, "Add", nil, name, x.shape, x.v, fx.v)
		}).Apply(y)
	})
}

// MeanTokens averages [T, D] inputs over the tokens, giving [D] (the
// pooling of a Transformer classifier without a class token).
func MeanTokens(opts ...Option) Layer {
	return newLayer("mean_tokens", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		_, d := tokens(name, "MeanTokens", x)
		return b.Op(name, "ReduceMean", map[string]*ir.Attr{"keepdims": ir.IntAttr(0)}, name, []int{d}, x.v, b.constInt64(name+"/axes", 1))
	})
}

// RowTokens turns an image [C, H, W] into H tokens of C·W features, the
// rows (all channels) of the image, so that a Transformer reads an image
// as a sequence.
func RowTokens(opts ...Option) Layer {
	return newLayer("row_tokens", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		ch, hw := spatial(name, "RowTokens", x)
		v := x.v
		if ch > 1 {
			v = b.Op(name, "Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(0, 2, 1, 3)}, name+"/rows", []int{hw[0], ch, hw[1]}, v).v
		}
		return b.Op(name, "Reshape", nil, name, []int{hw[0], ch * hw[1]}, v, b.constInt64(name+"/shape", 0, int64(hw[0]), int64(ch*hw[1])))
	})
}
