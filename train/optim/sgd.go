package optim

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// SGD is torch.optim.SGD: with d = grad + WeightDecay·param,
//
//	buf = d on the first step, else Momentum·buf + (1-Dampening)·d
//	d   = d + Momentum·buf if Nesterov, else buf   (when Momentum ≠ 0)
//	param -= lr·d
//
// The zero value is plain SGD. Nesterov needs Momentum > 0 and no
// Dampening, as in PyTorch.
type SGD struct {
	Momentum    float64
	Dampening   float64
	WeightDecay float64
	Nesterov    bool
}

// States implements Optimizer: the momentum buffer when Momentum ≠ 0.
func (o SGD) States() []StateSpec {
	if o.Momentum == 0 {
		return nil
	}
	return []StateSpec{{Suffix: "momentum_buffer"}}
}

// Update implements Optimizer.
func (o SGD) Update(g *ir.Graph, p Param, h Hyper, fresh func(string) string) (Updated, error) {
	const name = "SGD"
	if o.Nesterov && (o.Momentum <= 0 || o.Dampening != 0) {
		return Updated{}, fmt.Errorf("%s: Nesterov momentum needs Momentum > 0 and Dampening 0 (have %v, %v)", name, o.Momentum, o.Dampening)
	}
	e, lr, step, err := start(name, g, p, h, len(o.States()), fresh)
	if err != nil {
		return Updated{}, err
	}
	d := p.Grad
	if o.WeightDecay != 0 {
		d = e.add(d, e.scale(p.Value, o.WeightDecay))
	}
	var state []*ir.Value
	if o.Momentum != 0 {
		// PyTorch starts the buffer at d itself. The buffer's initial value
		// is 0, so only the factor on d differs on the first step.
		dFactor := e.scalar(1 - o.Dampening)
		if o.Dampening != 0 {
			first := e.op("LessOrEqual", nil, step, e.scalar(1))
			dFactor = e.op("Where", nil, first, e.scalar(1), dFactor)
		}
		buf := e.add(e.scale(p.State[0], o.Momentum), e.mul(d, dFactor))
		if o.Nesterov {
			d = e.add(d, e.scale(buf, o.Momentum))
		} else {
			d = buf
		}
		state = []*ir.Value{buf}
	}
	return e.finish(name, p, Updated{Value: e.sub(p.Value, e.mul(d, lr)), State: state})
}
