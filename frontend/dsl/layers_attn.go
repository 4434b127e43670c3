package dsl

import (
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// maskedScore is the additive mask value of a position attention must
// not see: large enough that its softmax weight is exactly 0 next to any
// unmasked score, finite so that a row masked entirely stays uniform
// rather than NaN.
const maskedScore = -1e9

// rawOp adds one node whose output is not a batch-first activation (a
// transposed weight, a bool mask) and returns its output.
func (b *Builder) rawOp(layer, op string, attrs map[string]*ir.Attr, base string, in ...*ir.Value) *ir.Value {
	name := b.fresh(base)
	n, err := b.g.AddNode(ir.NodeSpec{Op: op, Name: name, Inputs: in, Outputs: []string{name}, Attrs: attrs})
	if err != nil {
		fail(layer, "%v", err)
	}
	return n.Outputs[0]
}

// constFloat adds an initializer of the model's float type (not a
// parameter: a fixed mask, scale or encoding).
func (b *Builder) constFloat(base string, shape []int, vals []float64) *ir.Value {
	t := ir.Zeros(b.dtype, shape)
	for i, v := range vals {
		t.SetFloat64At(i, v)
	}
	return b.g.AddInit(b.fresh(base), t)
}

// dropout multiplies x by a Train graph mask input "<base>.mask" (see
// Dropout); the identity in Eval mode or for p = 0.
func (b *Builder) dropout(layer, base string, x *Value, p float64) *Value {
	if !(p >= 0 && p < 1) {
		fail(layer, "dropout p must be in [0, 1), got %v", p)
	}
	if b.mode != Train || p == 0 {
		return x
	}
	mask := b.fresh(base + ".mask")
	m := b.g.AddInput(mask, b.irType(x.shape))
	b.masks = append(b.masks, Mask{Input: mask, P: p, Shape: x.Shape()})
	return b.Op(layer, "Mul", nil, base, x.shape, x.v, m)
}

// lastDim checks that x has at least min dims after the batch and returns
// its last one.
func lastDim(layer, kind string, x *Value, min int) int {
	if len(x.shape) < min {
		fail(layer, "input has shape %v after the batch dim; %s needs at least %d dims", x.shape, kind, min)
	}
	return x.shape[len(x.shape)-1]
}

// linear maps the last dim of x to units: x·Wᵀ + b with the parameters
// "<layer>.<prefix>weight" [units, in] and "<layer>.<prefix>bias"
// [units], emitted as Transpose of W, MatMul and Add.
func (b *Builder) linear(layer, prefix string, x *Value, units int, wInit, bInit Initializer, bias bool) *Value {
	in := lastDim(layer, "a linear map", x, 1)
	w := b.param(layer, prefix+"weight", []int{units, in}, wInit, in, units)
	wt := b.rawOp(layer, "Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(1, 0)}, layer+"/"+prefix+"wT", w)
	shape := slices.Clone(x.shape)
	shape[len(shape)-1] = units
	y := b.Op(layer, "MatMul", nil, layer+"/"+prefix+"matmul", shape, x.v, wt)
	if !bias {
		return y
	}
	bv := b.param(layer, prefix+"bias", []int{units}, bInit, in, units)
	return b.Op(layer, "Add", nil, layer+"/"+prefix+"out", shape, y.v, bv)
}

// layerNorm normalizes the last dim of x with the parameters
// "<layer>.<prefix>weight" (1) and "<layer>.<prefix>bias" (0).
func (b *Builder) layerNorm(layer, prefix string, x *Value, eps float64) *Value {
	d := lastDim(layer, "LayerNorm", x, 1)
	if !(eps > 0) {
		fail(layer, "epsilon %v must be positive", eps)
	}
	scale := b.param(layer, prefix+"weight", []int{d}, Ones, 0, 0)
	bias := b.param(layer, prefix+"bias", []int{d}, Zeros, 0, 0)
	attrs := map[string]*ir.Attr{"axis": ir.IntAttr(-1), "epsilon": ir.FloatAttr(float32(eps))}
	return b.Op(layer, "LayerNormalization", attrs, layer+"/"+prefix+"out", x.shape, x.v, scale, bias)
}

// Linear maps the last dim of an input of any rank to units, as
// torch.nn.Linear does: y = x·Wᵀ + b with W [units, in] and b [units]
// (Dense is the same map for flat inputs, emitted as one Gemm). Options:
// WeightInit, BiasInit, NoBias, Name.
func Linear(units int, opts ...Option) Layer {
	return newLayer("linear", denseOpts, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		if units < 1 {
			fail(name, "units must be positive, got %d", units)
		}
		return b.linear(name, "", x, units, c.weightInit, c.biasInit, !c.noBias)
	})
}

// LayerNorm normalizes the last dim of its input to zero mean and unit
// variance, then scales and shifts it by the learnable weight (initially
// 1) and bias (0), torch.nn.LayerNorm(last dim): an ONNX
// LayerNormalization with axis -1. Options: Epsilon (default 1e-5),
// Name.
func LayerNorm(opts ...Option) Layer {
	return newLayer("layernorm", []string{"epsilon"}, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		return b.layerNorm(name, "", x, c.eps)
	})
}

// attnSpec is one multi-head attention: queries from q, keys and values
// from kv, both [T, in] after the batch.
type attnSpec struct {
	heads, dim int
	causal     bool
	mask       *Value
	dropout    float64
	wInit      Initializer
	wSet       bool
}

// attention emits scaled dot-product multi-head attention (Vaswani et
// al. 2017, §3.2.2) with the parameters "<layer>.<prefix>{q,k,v,out}_proj.
// {weight,bias}" and returns [Tq, dim]: per head h of size dim/heads,
// softmax(Q_h·K_hᵀ/√(dim/heads) + mask)·V_h, the heads concatenated and
// projected by out_proj.
func (b *Builder) attention(layer, prefix string, q, kv *Value, s attnSpec) *Value {
	sameBuilder(layer, q, kv)
	if s.heads < 1 || s.dim < 1 || s.dim%s.heads != 0 {
		fail(layer, "dim %d must be a positive multiple of heads %d", s.dim, s.heads)
	}
	if len(q.shape) != 2 || len(kv.shape) != 2 {
		fail(layer, "queries %v and keys %v must be [tokens, features] after the batch dim", q.shape, kv.shape)
	}
	tq, tk, h, dh := q.shape[0], kv.shape[0], s.heads, s.dim/s.heads
	wInit := XavierUniform // torch.nn.MultiheadAttention's in_proj init
	if s.wSet {
		wInit = s.wInit
	}
	p := layer + "/" + prefix
	split := func(x *Value, proj string, t int, perm []int64, shape []int) *Value {
		y := b.linear(layer, prefix+proj+"_proj.", x, s.dim, wInit, Zeros, true)
		y = b.Op(layer, "Reshape", nil, p+proj+"_heads", []int{t, h, dh}, y.v, b.constInt64(p+proj+"_shape", 0, int64(t), int64(h), int64(dh)))
		return b.Op(layer, "Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(perm...)}, p+proj+"_t", shape, y.v)
	}
	qh := split(q, "q", tq, []int64{0, 2, 1, 3}, []int{h, tq, dh})
	kt := split(kv, "k", tk, []int64{0, 2, 3, 1}, []int{h, dh, tk})
	vh := split(kv, "v", tk, []int64{0, 2, 1, 3}, []int{h, tk, dh})
	sc := []int{h, tq, tk}
	scores := b.Op(layer, "MatMul", nil, p+"scores", sc, qh.v, kt.v)
	scores = b.Op(layer, "Mul", nil, p+"scaled", sc, scores.v, b.constFloat(p+"scale", nil, []float64{1 / math.Sqrt(float64(dh))}))
	if s.causal {
		if tq != tk {
			fail(layer, "a causal mask needs as many queries as keys, have %d and %d", tq, tk)
		}
		m := make([]float64, tq*tk)
		for i := range tq {
			for j := i + 1; j < tk; j++ {
				m[i*tk+j] = maskedScore
			}
		}
		scores = b.Op(layer, "Add", nil, p+"causal", sc, scores.v, b.constFloat(p+"causal_mask", []int{tq, tk}, m))
	}
	if s.mask != nil {
		sameBuilder(layer, q, s.mask)
		ms := s.mask.shape
		if len(ms) != 3 || (ms[0] != 1 && ms[0] != h) || (ms[1] != 1 && ms[1] != tq) || ms[2] != tk {
			fail(layer, "attention mask has shape %v after the batch dim, want [1 or %d, 1 or %d, %d]", ms, h, tq, tk)
		}
		if dt := s.mask.v.Type.DType; dt != b.dtype {
			fail(layer, "attention mask is %s, the model computes in %s", dt, b.dtype)
		}
		scores = b.Op(layer, "Add", nil, p+"masked", sc, scores.v, s.mask.v)
	}
	probs := b.Op(layer, "Softmax", map[string]*ir.Attr{"axis": ir.IntAttr(-1)}, p+"probs", sc, scores.v)
	probs = b.dropout(layer, layer+"."+prefix+"attn_dropout", probs, s.dropout)
	ctx := b.Op(layer, "MatMul", nil, p+"context", []int{h, tq, dh}, probs.v, vh.v)
	ctx = b.Op(layer, "Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(0, 2, 1, 3)}, p+"context_t", []int{tq, h, dh}, ctx.v)
	ctx = b.Op(layer, "Reshape", nil, p+"concat", []int{tq, s.dim}, ctx.v, b.constInt64(p+"concat_shape", 0, int64(tq), int64(s.dim)))
	return b.linear(layer, prefix+"out_proj.", ctx, s.dim, wInit, Zeros, true)
}

var attnOpts = []string{"causal", "attn_mask", "attn_dropout", "weight_init"}

func attnSpecOf(heads, dim int, c *config) attnSpec {
	return attnSpec{heads: heads, dim: dim, causal: c.arch.causal, mask: c.arch.mask, dropout: c.arch.dropout,
		wInit: c.weightInit, wSet: c.set["weight_init"]}
}

// MultiHeadAttention is self-attention over [tokens, features] inputs,
// torch.nn.MultiheadAttention(dim, heads) with query = key = value = x
// and batch_first: x is projected to queries, keys and values of size
// dim, split into heads of dim/heads, and the attended heads are
// concatenated and projected (out_proj) to [tokens, dim]. Parameters
// "<layer>.{q,k,v,out}_proj.{weight,bias}", weights [dim, in] (out_proj
// [dim, dim]) initialized Xavier-uniform, biases 0. Built from MatMul,
// Reshape, Transpose, Softmax, Add and Mul, so it has gradients and
// exports to plain ONNX. Options: Causal, AttnMask (an additive mask
// computed in the definition, such as PaddingMask of the token ids),
// AttnDropout, WeightInit, Name.
func MultiHeadAttention(heads, dim int, opts ...Option) Layer {
	return newLayer("mha", attnOpts, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		return b.attention(name, "", x, x, attnSpecOf(heads, dim, c))
	})
}

// CrossAttention is multi-head attention of queries from x over keys and
// values from memory (an encoder output), as MultiHeadAttention but with
// key = value = memory: x [Tq, in] and memory [Tk, in2] give [Tq, dim].
// Recorded as a layer cross_attn_N. Options as MultiHeadAttention's
// (AttnMask of shape [1 or heads, 1 or Tq, Tk]).
func CrossAttention(x, memory *Value, heads, dim int, opts ...Option) *Value {
	sameBuilder("cross_attn", x, memory)
	l := newLayer("cross_attn", attnOpts, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		return b.attention(name, "", x, memory, attnSpecOf(heads, dim, c))
	})
	return l.Apply(x)
}

// PaddingMask turns token ids [T] (an int input, as Embedding takes)
// into the additive attention mask [1, 1, T] that hides the keys equal to
// padID: -1e9 there, 0 elsewhere. Pass it with AttnMask. This keeps a
// model's one input: the mask is computed from the ids in the graph
// rather than fed beside them.
func PaddingMask(ids *Value, padID int64) *Value {
	b := sameBuilder("padding_mask", ids)
	name := b.begin("padding_mask", "")
	if len(ids.shape) != 1 {
		fail(name, "ids have shape %v after the batch dim, want [tokens]", ids.shape)
	}
	dt := ids.v.Type.DType
	if dt != ir.Int64 && dt != ir.Int32 {
		fail(name, "ids are %s, want int64 or int32", dt)
	}
	pad := ir.Zeros(dt, nil)
	pad.SetFloat64At(0, float64(padID))
	eq := b.rawOp(name, "Equal", nil, name+"/is_pad", ids.v, b.g.AddInit(b.fresh(name+"/pad_id"), pad))
	m := b.Op(name, "Where", nil, name+"/scores", ids.shape, eq,
		b.constFloat(name+"/masked", nil, []float64{maskedScore}), b.constFloat(name+"/open", nil, []float64{0}))
	y := b.Op(name, "Unsqueeze", nil, name, []int{1, 1, ids.shape[0]}, m.v, b.constInt64(name+"/axes", 1, 2))
	b.end(name, "padding_mask", y)
	return y
}
