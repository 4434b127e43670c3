package dsl

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// GaussianSample draws z ~ N(mu, exp(logvar)) with the reparameterization
// trick, z = mu + exp(logvar/2)·eps (Kingma & Welling 2014, §2.4), and
// adds beta times the KL divergence of N(mu, exp(logvar)) from N(0, I),
// −½·Σ(1 + logvar − mu² − exp(logvar)) summed over the latent dims and
// averaged over the batch, to the training loss. In Train mode eps is the
// graph input "<layer>.eps", listed by Model.Masks with Normal set, which
// the trainer fills with standard normal draws each step; the KL term is
// the Train graph output "<layer>.kl" (Model.AuxLosses). In Eval mode
// z = mu: the exported model encodes to the mean.
func GaussianSample(mu, logvar *Value, beta float64, opts ...Option) *Value {
	sameBuilder("sample", mu, logvar)
	l := newLayer("sample", nil, opts, func(b *Builder, name string, _ *config, mu *Value) *Value {
		if !slices.Equal(mu.shape, logvar.shape) {
			fail(name, "mu %v and logvar %v differ in shape", mu.shape, logvar.shape)
		}
		if !(beta >= 0) {
			fail(name, "beta must be ≥ 0, got %v", beta)
		}
		if b.mode != Train {
			return b.Op(name, "Identity", nil, name, mu.shape, mu.v)
		}
		eps := b.fresh(name + ".eps")
		e := b.g.AddInput(eps, b.irType(mu.shape))
		b.masks = append(b.masks, Mask{Input: eps, Shape: mu.Shape(), Normal: true})
		half := b.constFloat(name+"/half", nil, []float64{0.5})
		std := b.Op(name, "Exp", nil, name+"/std", mu.shape, b.Op(name, "Mul", nil, name+"/half_logvar", mu.shape, logvar.v, half).v)
		z := b.Op(name, "Add", nil, name, mu.shape, mu.v, b.Op(name, "Mul", nil, name+"/noise", mu.shape, std.v, e).v)

		// KL per sample, then its batch mean times -beta/2.
		one := b.constFloat(name+"/one", nil, []float64{1})
		t := b.Op(name, "Sub", nil, name+"/kl_terms", mu.shape,
			b.Op(name, "Add", nil, name+"/one_plus_logvar", mu.shape, logvar.v, one).v,
			b.Op(name, "Add", nil, name+"/mu2_var", mu.shape,
				b.Op(name, "Mul", nil, name+"/mu2", mu.shape, mu.v, mu.v).v,
				b.Op(name, "Exp", nil, name+"/var", mu.shape, logvar.v).v).v)
		axes := make([]int64, len(mu.shape))
		for i := range axes {
			axes[i] = int64(i + 1)
		}
		perSample := b.Op(name, "ReduceSum", map[string]*ir.Attr{"keepdims": ir.IntAttr(0)}, name+"/kl_sum", nil, t.v, b.constInt64(name+"/axes", axes...))
		mean := b.rawOp(name, "ReduceMean", map[string]*ir.Attr{"keepdims": ir.IntAttr(0)}, name+"/kl_mean", perSample.v)
		kl := b.rawOp(name, "Mul", nil, name+".kl", mean, b.constFloat(name+"/minus_half_beta", nil, []float64{-0.5 * beta}))
		b.aux = append(b.aux, kl)
		return z
	})
	return l.Apply(mu)
}

// SplitLast splits x along its last dim into parts of the given sizes
// (a Dense layer's output into a VAE's mean and log-variance, say).
func SplitLast(x *Value, sizes ...int) []*Value {
	b := sameBuilder("split", x)
	name := b.begin("split", "")
	last := len(x.shape) - 1
	total := 0
	for _, s := range sizes {
		if s < 1 {
			fail(name, "sizes must be positive, got %v", sizes)
		}
		total += s
	}
	if last < 0 || total != x.shape[last] {
		fail(name, "sizes %v do not add up to the last dim of %v", sizes, x.shape)
	}
	split := make([]int64, len(sizes))
	outs := make([]string, len(sizes))
	for i, s := range sizes {
		split[i] = int64(s)
		outs[i] = b.fresh(name + "/part")
	}
	n, err := b.g.AddNode(ir.NodeSpec{Op: "Split", Name: b.fresh(name), Inputs: []*ir.Value{x.v, b.constInt64(name+"/sizes", split...)},
		Outputs: outs, Attrs: map[string]*ir.Attr{"axis": ir.IntAttr(int64(last + 1))}})
	if err != nil {
		fail(name, "%v", err)
	}
	res := make([]*Value, len(sizes))
	for i, s := range sizes {
		shape := slices.Clone(x.shape)
		shape[last] = s
		n.Outputs[i].Type = b.irType(shape)
		res[i] = &Value{b: b, v: n.Outputs[i], shape: shape}
	}
	b.end(name, "split", res[0])
	return res
}
