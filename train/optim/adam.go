package optim

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Adam is torch.optim.Adam, or torch.optim.AdamW when Decoupled is set.
// At step t, with g the gradient:
//
//	Adam:  g = g + WeightDecay·param          (L2 penalty in the gradient)
//	AdamW: param = param·(1 - lr·WeightDecay)  (decoupled decay)
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	v̂ = max(v̂, v) with AMSGrad, else v
//	param -= lr/(1-β1^t) · m / (sqrt(v̂)/sqrt(1-β2^t) + Eps)
//
// Use NewAdam or NewAdamW for PyTorch's defaults; a zero field means zero.
type Adam struct {
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64
	Decoupled    bool // AdamW: decay the weights, not the gradient
	AMSGrad      bool
}

// NewAdam returns PyTorch's default Adam: β = (0.9, 0.999), eps 1e-8, no
// weight decay.
func NewAdam() Adam { return Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// NewAdamW returns PyTorch's default AdamW: Adam's betas and eps with
// decoupled weight decay 0.01.
func NewAdamW() Adam {
	return Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Decoupled: true}
}

func (o Adam) name() string {
	if o.Decoupled {
		return "AdamW"
	}
	return "Adam"
}

// States implements Optimizer: the first and second moment estimates, and
// their running maximum with AMSGrad.
func (o Adam) States() []StateSpec {
	s := []StateSpec{{Suffix: "exp_avg"}, {Suffix: "exp_avg_sq"}}
	if o.AMSGrad {
		s = append(s, StateSpec{Suffix: "max_exp_avg_sq"})
	}
	return s
}

// Update implements Optimizer.
func (o Adam) Update(g *ir.Graph, p Param, h Hyper, fresh func(string) string) (Updated, error) {
	if err := checkBetas(o.name(), o.Beta1, o.Beta2, o.Eps); err != nil {
		return Updated{}, err
	}
	e, lr, step, err := start(o.name(), g, p, h, len(o.States()), fresh)
	if err != nil {
		return Updated{}, err
	}
	w, grad := p.Value, p.Grad
	if o.WeightDecay != 0 {
		if o.Decoupled {
			w = e.mul(w, e.sub(e.scalar(1), e.scale(lr, o.WeightDecay)))
		} else {
			grad = e.add(grad, e.scale(w, o.WeightDecay))
		}
	}
	m := e.ema(p.State[0], grad, o.Beta1)
	v := e.ema(p.State[1], e.mul(grad, grad), o.Beta2)
	state := []*ir.Value{m, v}
	vHat := v
	if o.AMSGrad {
		vHat = e.op("Max", nil, p.State[2], v)
		state = append(state, vHat)
	}
	stepSize := e.div(lr, e.pow1m(o.Beta1, step))
	denom := e.add(e.div(e.op("Sqrt", nil, vHat), e.op("Sqrt", nil, e.pow1m(o.Beta2, step))), e.scalar(o.Eps))
	w = e.sub(w, e.mul(e.div(m, denom), stepSize))
	return e.finish(o.name(), p, Updated{Value: w, State: state})
}

// checkBetas rejects moment decays outside [0, 1) and a negative eps.
func checkBetas(name string, b1, b2, eps float64) error {
	if b1 < 0 || b1 >= 1 || b2 < 0 || b2 >= 1 {
		return fmt.Errorf("%s: betas (%v, %v) must be in [0, 1)", name, b1, b2)
	}
	if eps < 0 {
		return fmt.Errorf("%s: Eps is %v, must not be negative", name, eps)
	}
	return nil
}
