package loss

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// GaussianKL is the KL divergence of a VAE encoder's diagonal Gaussian
// N(mu, diag(exp(logvar))) from the prior N(0, I) (Kingma & Welling 2014,
// "Auto-Encoding Variational Bayes", appendix B):
//
//	KL_i = -0.5 · Σ_k (1 + logvar[i,k] - mu[i,k]² - exp(logvar[i,k]))
//
// mu and logvar have one shape [N, ...]: the first axis is the batch and
// the sum runs over all the others (the latent dimensions, however laid
// out). Mean averages KL_i over the batch (not over latent elements, as
// a mean over every element would weaken the KL term by the latent size);
// Sum adds them.
type GaussianKL struct{ Reduction Reduction }

// AppendPair implements Pair with a = mu and b = logvar.
func (l GaussianKL) AppendPair(g *ir.Graph, mu, logvar *ir.Value, fresh func(string) string) (*ir.Value, error) {
	const name = "GaussianKL"
	e, err := matched(name, g, fresh, []string{"mu", "logvar"}, mu, logvar)
	if err != nil {
		return nil, err
	}
	if mu.Type.Shape.Rank() < 1 {
		return nil, fmt.Errorf("%s: mu %q is %s, want [N, latent...]", name, mu.Name, mu.Type)
	}
	return e.finish(name, e.gaussianKL(mu, logvar), l.Reduction)
}

// gaussianKL appends KL_i per sample: a [N] value.
func (e *emitter) gaussianKL(mu, logvar *ir.Value) *ir.Value {
	inner := e.sub(e.sub(e.add(logvar, e.scalar(1)), e.mul(mu, mu)), e.op("Exp", nil, logvar))
	return e.mul(e.perSample(inner, mu.Type.Shape.Rank()), e.scalar(-0.5))
}

// perSample sums x [N, ...] of the given rank over every axis but the
// first, giving [N].
func (e *emitter) perSample(x *ir.Value, rank int) *ir.Value {
	if rank == 1 {
		return x
	}
	axes := make([]int64, rank-1)
	for i := range axes {
		axes[i] = int64(i + 1)
	}
	return e.reduce("ReduceSum", x, false, axes...)
}

// Reparameterize appends the VAE reparameterization trick
//
//	z = mu + exp(0.5·logvar) ⊙ eps
//
// and returns z. eps is a graph value holding standard normal noise of
// mu's shape; the trainer feeds a fresh draw as an input every step, as it
// does dropout masks, so the graph itself stays deterministic and the
// gradient flows to mu and logvar but not into the sampling.
func Reparameterize(g *ir.Graph, mu, logvar, eps *ir.Value, fresh func(string) string) (*ir.Value, error) {
	const name = "Reparameterize"
	e, err := matched(name, g, fresh, []string{"mu", "logvar", "eps"}, mu, logvar, eps)
	if err != nil {
		return nil, err
	}
	std := e.op("Exp", nil, e.mul(logvar, e.scalar(0.5)))
	return e.done(name, e.add(mu, e.mul(std, eps)))
}

// Reconstruction is the decoder likelihood of a VAE objective.
type Reconstruction int

const (
	// BernoulliLogits treats the decoder output as logits of a Bernoulli
	// per element: binary cross-entropy with logits against data in
	// [0, 1] (the stable form of BCEWithLogits).
	BernoulliLogits Reconstruction = iota
	// SquaredError is (recon - x)², a Gaussian decoder of fixed variance
	// up to a constant and a scale.
	SquaredError
)

// VAE is the negative evidence lower bound of a variational autoencoder
// with a diagonal Gaussian encoder, per sample i
//
//	ℓ_i = Σ_elements recon_loss(recon_i, x_i) + β · KL_i
//
// with KL_i as in GaussianKL and the reconstruction loss summed (not
// averaged) over the sample's elements, so its scale matches the KL's;
// Beta > 1 is the β-VAE of Higgins et al. 2017. Mean averages ℓ_i over
// the batch, Sum adds them (PyTorch's VAE example uses Sum).
type VAE struct {
	Recon     Reconstruction
	Beta      *float64 // KL weight β ≥ 0; nil means 1
	Reduction Reduction
}

// VAETerms are the values VAE.AppendVAE appends: the objective and its two
// batch-reduced parts (Total = Recon + β·KL), for logging, or for a β
// that changes during training (KL annealing): set Beta to 0 and add KL
// times a scalar input the trainer feeds each step to Recon.
type VAETerms struct {
	Total, Recon, KL *ir.Value
}

// AppendVAE appends the objective of decoder output recon against data x
// (one shape [N, ...]) and encoder outputs mu, logvar (one shape
// [N, latent...], N agreeing with x's).
func (l VAE) AppendVAE(g *ir.Graph, recon, x, mu, logvar *ir.Value, fresh func(string) string) (VAETerms, error) {
	const name = "VAE"
	beta := 1.0
	if l.Beta != nil {
		beta = *l.Beta
	}
	if !(beta >= 0) || math.IsInf(beta, 0) {
		return VAETerms{}, fmt.Errorf("%s: Beta is %v, must be finite and non-negative", name, beta)
	}
	if l.Recon != BernoulliLogits && l.Recon != SquaredError {
		return VAETerms{}, fmt.Errorf("%s: unknown reconstruction %d", name, l.Recon)
	}
	e, err := matched(name, g, fresh, []string{"reconstruction", "data"}, recon, x)
	if err != nil {
		return VAETerms{}, err
	}
	if _, err := matched(name, g, fresh, []string{"mu", "logvar"}, mu, logvar); err != nil {
		return VAETerms{}, err
	}
	if mu.Type.DType != x.Type.DType {
		return VAETerms{}, fmt.Errorf("%s: mu %q is %s, data %q is %s: dtypes differ", name, mu.Name, mu.Type, x.Name, x.Type)
	}
	if x.Type.Shape.Rank() < 1 || mu.Type.Shape.Rank() < 1 {
		return VAETerms{}, fmt.Errorf("%s: data %q is %s and mu %q is %s, want a batch axis first in both", name, x.Name, x.Type, mu.Name, mu.Type)
	}
	if dx, dm := x.Type.Shape.Dims[0], mu.Type.Shape.Dims[0]; dx.Known() && dm.Known() && dx.Size != dm.Size {
		return VAETerms{}, fmt.Errorf("%s: data %q has batch %d, mu %q has batch %d", name, x.Name, dx.Size, mu.Name, dm.Size)
	}
	var per *ir.Value
	switch l.Recon {
	case BernoulliLogits:
		tail := e.op("Softplus", nil, e.op("Neg", nil, e.op("Abs", nil, recon)))
		per = e.add(e.sub(e.op("Relu", nil, recon), e.mul(recon, x)), tail)
	case SquaredError:
		d := e.sub(recon, x)
		per = e.mul(d, d)
	}
	rec := e.perSample(per, x.Type.Shape.Rank()) // [N]
	kl := e.gaussianKL(mu, logvar)               // [N]
	total := e.add(rec, e.mul(kl, e.scalar(beta)))
	var t VAETerms
	var errs [3]error
	t.Total, errs[0] = e.finish(name, total, l.Reduction)
	t.Recon, errs[1] = e.finish(name, rec, l.Reduction)
	t.KL, errs[2] = e.finish(name, kl, l.Reduction)
	for _, err := range errs {
		if err != nil {
			return VAETerms{}, err
		}
	}
	return t, nil
}
