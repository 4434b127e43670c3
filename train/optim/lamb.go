package optim

import (
	"github.com/dlc-go/dlc/ir"
)

// LAMB is the layer-wise adaptive optimizer of You et al., "Large Batch
// Optimization for Deep Learning: Training BERT in 76 minutes" (ICLR 2020,
// arXiv:1904.00962), Algorithm 2, applied per parameter tensor with the
// scaling function φ the identity and bias correction on, which is what
// NVIDIA apex's FusedLAMB computes (bias_correction=True,
// adam_w_mode=True) minus its built-in gradient clipping (use
// ClipGradNorm before). At step t:
//
//	m = β1·m + (1-β1)·g,  v = β2·v + (1-β2)·g²
//	u = (m/(1-β1^t)) / (sqrt(v/(1-β2^t)) + Eps) + WeightDecay·param
//	r = ||param|| / ||u|| if both norms are > 0, else 1
//	param -= lr·r·u
//
// Use NewLAMB for the usual defaults; a zero field means zero.
type LAMB struct {
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64
}

// NewLAMB returns β = (0.9, 0.999), eps 1e-6 (the paper's and apex's) and
// no weight decay.
func NewLAMB() LAMB { return LAMB{Beta1: 0.9, Beta2: 0.999, Eps: 1e-6} }

// States implements Optimizer: the first and second moment estimates.
func (o LAMB) States() []StateSpec {
	return []StateSpec{{Suffix: "exp_avg"}, {Suffix: "exp_avg_sq"}}
}

// Update implements Optimizer.
func (o LAMB) Update(g *ir.Graph, p Param, h Hyper, fresh func(string) string) (Updated, error) {
	const name = "LAMB"
	if err := checkBetas(name, o.Beta1, o.Beta2, o.Eps); err != nil {
		return Updated{}, err
	}
	e, lr, step, err := start(name, g, p, h, len(o.States()), fresh)
	if err != nil {
		return Updated{}, err
	}
	m := e.ema(p.State[0], p.Grad, o.Beta1)
	v := e.ema(p.State[1], e.mul(p.Grad, p.Grad), o.Beta2)
	mHat := e.div(m, e.pow1m(o.Beta1, step))
	vHat := e.div(v, e.pow1m(o.Beta2, step))
	u := e.div(mHat, e.add(e.op("Sqrt", nil, vHat), e.scalar(o.Eps)))
	if o.WeightDecay != 0 {
		u = e.add(u, e.scale(p.Value, o.WeightDecay))
	}
	wn, un := e.norm(p.Value), e.norm(u)
	zero := e.scalar(0)
	// The ratio is computed on both branches; Where discards the 0/0 or
	// x/0 of the guarded case.
	bothPositive := e.op("And", nil, e.op("Greater", nil, wn, zero), e.op("Greater", nil, un, zero))
	trust := e.op("Where", nil, bothPositive, e.div(wn, un), e.scalar(1))
	w := e.sub(p.Value, e.mul(u, e.mul(lr, trust)))
	return e.finish(name, p, Updated{Value: w, State: []*ir.Value{m, v}})
}
