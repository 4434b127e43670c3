package dsl

import "fmt"

// transformerBlock is the configuration shared by the encoder and decoder
// layers.
type transformerBlock struct {
	dim, heads, ff int
	prenorm        bool
	dropout, eps   float64
}

func (t transformerBlock) check(layer string, x *Value) {
	if t.dim < 1 || t.heads < 1 || t.ff < 1 || t.dim%t.heads != 0 {
		fail(layer, "dim %d, heads %d and ff %d must be positive, dim a multiple of heads", t.dim, t.heads, t.ff)
	}
	if _, d := tokens(layer, "a Transformer layer", x); d != t.dim {
		fail(layer, "input has %d features, the layer's dim is %d", d, t.dim)
	}
}

// sublayer k adds f's result, after dropout "<layer>.dropout<k>", to x,
// normalizing by the parameters "<layer>.norm<k>." before f (pre-norm)
// or after the sum (post-norm).
func (t transformerBlock) sublayer(b *Builder, layer string, k int, x *Value, f func(*Value) *Value) *Value {
	norm := fmt.Sprintf("norm%d.", k)
	in := x
	if t.prenorm {
		in = b.layerNorm(layer, norm, x, t.eps)
	}
	y := b.dropout(layer, fmt.Sprintf("%s.dropout%d", layer, k), f(in), t.dropout)
	y = b.Op(layer, "Add", nil, fmt.Sprintf("%s/residual%d", layer, k), x.shape, x.v, y.v)
	if !t.prenorm {
		y = b.layerNorm(layer, norm, y, t.eps)
	}
	return y
}

// feedForward is linear1 (to ff), ReLU, dropout, linear2 (back to dim).
func (t transformerBlock) feedForward(b *Builder, layer string, x *Value) *Value {
	h := b.linear(layer, "linear1.", x, t.ff, TorchDefault, TorchDefault, true)
	h = b.Op(layer, "Relu", nil, layer+"/ff_relu", h.shape, h.v)
	h = b.dropout(layer, layer+".dropout", h, t.dropout)
	return b.linear(layer, "linear2.", h, t.dim, TorchDefault, TorchDefault, true)
}

func (t transformerBlock) attn(causal bool, mask *Value) attnSpec {
	return attnSpec{heads: t.heads, dim: t.dim, causal: causal, mask: mask, dropout: t.dropout, wInit: XavierUniform}
}

var encoderOpts = []string{"causal", "attn_mask", "epsilon"}

// TransformerEncoderLayer is torch.nn.TransformerEncoderLayer(dim, heads,
// ff, dropout, batch_first=True, norm_first=prenorm) on [T, dim] inputs:
// self-attention then a feed-forward block (Linear to ff, ReLU, Linear
// back to dim), each with dropout and a residual connection, and a
// LayerNorm before each block (pre-norm) or after each sum (post-norm,
// the original Transformer's). The same dropout p applies to attention
// weights, the feed-forward hidden layer and both residual branches.
// Parameters under "<layer>.": self_attn.{q,k,v,out}_proj, linear1,
// linear2, norm1, norm2; in Train mode the dropout masks (Mask) are
// "<layer>.self_attn.attn_dropout.mask", "<layer>.dropout.mask" and
// "<layer>.dropout{1,2}.mask", as PyTorch names the modules. Options: Causal, AttnMask, Epsilon (of the
// LayerNorms, default 1e-5), Name.
func TransformerEncoderLayer(dim, heads, ff int, prenorm bool, dropout float64, opts ...Option) Layer {
	return newLayer("encoder", encoderOpts, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		t := transformerBlock{dim: dim, heads: heads, ff: ff, prenorm: prenorm, dropout: dropout, eps: c.eps}
		t.check(name, x)
		x = t.sublayer(b, name, 1, x, func(in *Value) *Value {
			return b.attention(name, "self_attn.", in, in, t.attn(c.arch.causal, c.arch.mask))
		})
		return t.sublayer(b, name, 2, x, func(in *Value) *Value { return t.feedForward(b, name, in) })
	})
}

// TransformerDecoderLayer is torch.nn.TransformerDecoderLayer(dim, heads,
// ff, dropout, batch_first=True, norm_first=prenorm) applied to targets x
// [T, dim] and memory [S, dim] (an encoder's output) with a causal mask on
// the self-attention: causal self-attention, cross-attention of x over
// memory, and the feed-forward block, each with dropout, a residual
// connection and a LayerNorm (before or after, as the encoder layer). A
// model has one input, so the decoder is a function of two values inside
// a definition, recorded as a layer decoder_N. Parameters under
// "<layer>.": self_attn, multihead_attn, linear1, linear2, norm1 to
// norm3. Options: AttnMask (added to the causal self-attention mask),
// MemoryMask (for the cross-attention), Epsilon, Name.
func TransformerDecoderLayer(x, memory *Value, dim, heads, ff int, prenorm bool, dropout float64, opts ...Option) *Value {
	sameBuilder("decoder", x, memory)
	l := newLayer("decoder", []string{"attn_mask", "memory_mask", "epsilon"}, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		t := transformerBlock{dim: dim, heads: heads, ff: ff, prenorm: prenorm, dropout: dropout, eps: c.eps}
		t.check(name, x)
		if _, d := tokens(name, "a Transformer decoder's memory", memory); d != dim {
			fail(name, "memory has %d features, the layer's dim is %d", d, dim)
		}
		x = t.sublayer(b, name, 1, x, func(in *Value) *Value {
			return b.attention(name, "self_attn.", in, in, t.attn(true, c.arch.mask))
		})
		x = t.sublayer(b, name, 2, x, func(in *Value) *Value {
			return b.attention(name, "multihead_attn.", in, memory, t.attn(false, c.arch.memMask))
		})
		return t.sublayer(b, name, 3, x, func(in *Value) *Value { return t.feedForward(b, name, in) })
	})
	return l.Apply(x)
}
