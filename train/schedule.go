package train

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate of every step: a base schedule over
// epochs (constant, step, exponential, cosine annealing, or reduce on
// plateau), after an optional linear warm-up. Rates change per step
// within warm-up and cosine annealing, per epoch otherwise (PyTorch's
// StepLR, ExponentialLR, CosineAnnealingLR stepped per iteration,
// ReduceLROnPlateau).
type Schedule struct {
	// Kind is "none", "step", "exponential", "cosine" or "plateau".
	Kind string
	// Base is the learning rate the schedule starts from.
	Base float64
	// WarmupEpochs ramp the rate linearly from Base/(warm-up steps) to
	// Base over their steps.
	WarmupEpochs int
	// StepSize (epochs) and Gamma: step multiplies by Gamma every
	// StepSize epochs; exponential by Gamma every epoch.
	StepSize int
	Gamma    float64
	// MinLR is cosine annealing's floor and plateau's.
	MinLR float64
	// Factor and Patience: plateau multiplies by Factor after Patience
	// epochs without improvement of the observed metric (lower is better).
	Factor   float64
	Patience int
	// Epochs and StepsPerEpoch size the cosine annealing and warm-up.
	Epochs, StepsPerEpoch int

	// Plateau state (checkpointed): the current scale, the best metric
	// and the epochs since it improved.
	Scale float64
	Best  float64
	Bad   int
	Seen  bool
}

// Check validates the schedule's fields.
func (s *Schedule) Check() error {
	switch s.Kind {
	case "", "none", "cosine":
	case "step":
		if s.StepSize < 1 || s.Gamma <= 0 {
			return fmt.Errorf("schedule step: step_size must be ≥ 1 and gamma > 0")
		}
	case "exponential":
		if s.Gamma <= 0 {
			return fmt.Errorf("schedule exponential: gamma must be > 0")
		}
	case "plateau":
		if s.Factor <= 0 || s.Factor >= 1 || s.Patience < 0 {
			return fmt.Errorf("schedule plateau: factor must be in (0, 1) and patience ≥ 0")
		}
	default:
		return fmt.Errorf("schedule %q: want none, step, exponential, cosine or plateau", s.Kind)
	}
	if s.Base <= 0 || s.WarmupEpochs < 0 {
		return fmt.Errorf("schedule: the learning rate must be > 0 and warm-up epochs ≥ 0")
	}
	return nil
}

// LR is the rate of step k (from 0) of epoch e (from 0).
func (s *Schedule) LR(e, k int) float64 {
	if s.Scale == 0 {
		s.Scale = 1
	}
	spe := max(s.StepsPerEpoch, 1)
	global := e*spe + k
	if warm := s.WarmupEpochs * spe; global < warm {
		return s.Base * float64(global+1) / float64(warm)
	}
	switch s.Kind {
	case "step":
		return s.Base * math.Pow(s.Gamma, float64((e-s.WarmupEpochs)/s.StepSize))
	case "exponential":
		return s.Base * math.Pow(s.Gamma, float64(e-s.WarmupEpochs))
	case "cosine":
		total := max((s.Epochs-s.WarmupEpochs)*spe, 1)
		t := float64(global-s.WarmupEpochs*spe) / float64(total)
		return s.MinLR + (s.Base-s.MinLR)*(1+math.Cos(math.Pi*min(t, 1)))/2
	case "plateau":
		return max(s.Base*s.Scale, s.MinLR)
	}
	return s.Base
}

// Observe tells a plateau schedule the epoch's validation loss.
func (s *Schedule) Observe(metric float64) {
	if s.Kind != "plateau" {
		return
	}
	if s.Scale == 0 {
		s.Scale = 1
	}
	if !s.Seen || metric < s.Best {
		s.Best, s.Bad, s.Seen = metric, 0, true
		return
	}
	s.Bad++
	if s.Bad > s.Patience {
		s.Scale *= s.Factor
		s.Bad = 0
	}
}

// EarlyStop stops training when a validation metric has not improved by
// MinDelta for Patience epochs (Patience 0: never).
type EarlyStop struct {
	// Metric is "val_loss" (lower is better) or "val_accuracy".
	Metric   string
	Patience int
	MinDelta float64
	// State (checkpointed): the best value, when it was seen, and whether
	// any was.
	Best      float64
	BestEpoch int
	Seen      bool
}

// Observe records epoch e's metrics and reports whether to stop.
func (s *EarlyStop) Observe(e int, val Metrics) bool {
	v := val.Loss
	better := func(a, b float64) bool { return a < b-s.MinDelta }
	if s.Metric == "val_accuracy" {
		v = val.Accuracy
		better = func(a, b float64) bool { return a > b+s.MinDelta }
	}
	if !s.Seen || better(v, s.Best) {
		s.Best, s.BestEpoch, s.Seen = v, e, true
		return false
	}
	return s.Patience > 0 && e-s.BestEpoch >= s.Patience
}
