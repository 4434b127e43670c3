package loss

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// GANKind selects the adversarial objective of GANGenerator and
// GANDiscriminator. Both take the discriminator's logits (any float
// shape: [N], [N, 1], or a PatchGAN map [N, 1, H, W]) and average over
// all their elements.
//
// A trainer alternates two steps, each its own graph with its own
// gradients (train/autodiff.Gradients over a chosen parameter list):
//
//   - D-step: the graph computes D on a real batch and on a generated
//     batch and appends GANDiscriminator.AppendPair. The generated batch
//     is a plain graph input that the trainer fills with G's output from
//     a separate run of G, so it is a constant here and no gradient
//     reaches G; the gradients are taken for D's parameters only.
//   - G-step: the graph computes fake = G(z) from a noise input z, then
//     D(fake), and appends GANGenerator.AppendFake. Gradients are taken
//     for G's parameters only: they flow back through D, whose parameters
//     are fed as inputs and not updated (D is frozen, not cut off).
//
// The two graphs share D's parameters by name, so the trainer feeds both
// the same current values.
type GANKind int

const (
	// NonSaturating is the GAN of Goodfellow et al. 2014 with the
	// generator's non-saturating loss: binary cross-entropy with logits,
	// real labelled 1 and fake 0 for D, fake labelled 1 for G.
	NonSaturating GANKind = iota
	// Hinge is the hinge loss of Lim & Ye 2017 and Miyato et al. 2018
	// (SN-GAN).
	Hinge
)

// GANGenerator is the generator's loss on D's logits for generated data:
//
//	NonSaturating: mean softplus(-D(G(z)))   (BCE with logits against 1)
//	Hinge:         -mean D(G(z))
type GANGenerator struct{ Kind GANKind }

// AppendFake appends the loss on the logits D gave the generated batch.
func (l GANGenerator) AppendFake(g *ir.Graph, fake *ir.Value, fresh func(string) string) (*ir.Value, error) {
	const name = "GANGenerator"
	e, err := matched(name, g, fresh, []string{"fake logits"}, fake)
	if err != nil {
		return nil, err
	}
	switch l.Kind {
	case NonSaturating:
		return e.finish(name, e.op("Softplus", nil, e.op("Neg", nil, fake)), Mean)
	case Hinge:
		return e.done(name, e.op("Neg", nil, e.reduce("ReduceMean", fake, false)))
	}
	return nil, fmt.Errorf("%s: unknown kind %d", name, l.Kind)
}

// GANDiscriminator is the discriminator's loss on its logits for a real
// and a generated batch, the sum of one mean over each (the two batches
// may differ in size; there is no halving, as in PyTorch's DCGAN
// example):
//
//	NonSaturating: mean softplus(-D(x)) + mean softplus(D(G(z)))
//	Hinge:         mean relu(1 - D(x)) + mean relu(1 + D(G(z)))
//
// softplus(-x) and softplus(x) are BCE with logits against 1 and 0.
type GANDiscriminator struct{ Kind GANKind }

// AppendPair implements Pair with a = the logits on real data and b =
// those on generated data; they must share a dtype.
func (l GANDiscriminator) AppendPair(g *ir.Graph, real, fake *ir.Value, fresh func(string) string) (*ir.Value, error) {
	const name = "GANDiscriminator"
	e, err := matched(name, g, fresh, []string{"real logits"}, real)
	if err != nil {
		return nil, err
	}
	if err := checkFloat(name, "fake logits", fake); err != nil {
		return nil, err
	}
	if fake.Type.DType != real.Type.DType {
		return nil, fmt.Errorf("%s: fake logits %q are %s, real logits %q are %s: dtypes differ", name, fake.Name, fake.Type, real.Name, real.Type)
	}
	var r, f *ir.Value
	switch l.Kind {
	case NonSaturating:
		r = e.op("Softplus", nil, e.op("Neg", nil, real))
		f = e.op("Softplus", nil, fake)
	case Hinge:
		one := e.scalar(1)
		r = e.op("Relu", nil, e.sub(one, real))
		f = e.op("Relu", nil, e.add(one, fake))
	default:
		return nil, fmt.Errorf("%s: unknown kind %d", name, l.Kind)
	}
	return e.done(name, e.add(e.reduce("ReduceMean", r, false), e.reduce("ReduceMean", f, false)))
}
