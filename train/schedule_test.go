package train

import (
	"math"
	"testing"
)

func TestSchedules(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	step := Schedule{Kind: "step", Base: 0.1, StepSize: 2, Gamma: 0.5, StepsPerEpoch: 10}
	for e, want := range []float64{0.1, 0.1, 0.05, 0.05, 0.025} {
		if got := step.LR(e, 3); !near(got, want) {
			t.Errorf("step epoch %d: %v, want %v", e, got, want)
		}
	}
	exp := Schedule{Kind: "exponential", Base: 1, Gamma: 0.9}
	if got := exp.LR(3, 0); !near(got, 0.729) {
		t.Errorf("exponential epoch 3: %v", got)
	}
	cos := Schedule{Kind: "cosine", Base: 1, MinLR: 0, Epochs: 2, StepsPerEpoch: 5}
	if got := cos.LR(0, 0); !near(got, 1) {
		t.Errorf("cosine start: %v", got)
	}
	if got := cos.LR(1, 0); !near(got, 0.5) {
		t.Errorf("cosine half-way: %v", got)
	}
	warm := Schedule{Kind: "cosine", Base: 1, WarmupEpochs: 1, Epochs: 3, StepsPerEpoch: 4}
	for k, want := range []float64{0.25, 0.5, 0.75, 1} {
		if got := warm.LR(0, k); !near(got, want) {
			t.Errorf("warm-up step %d: %v, want %v", k, got, want)
		}
	}
	if got := warm.LR(2, 0); !near(got, 0.5) {
		t.Errorf("cosine after warm-up, half-way: %v", got)
	}
	pl := Schedule{Kind: "plateau", Base: 1, Factor: 0.1, Patience: 1}
	for _, loss := range []float64{1, 0.9, 0.95, 0.95} {
		pl.Observe(loss)
	}
	if got := pl.LR(4, 0); !near(got, 0.1) {
		t.Errorf("plateau after two bad epochs: %v", got)
	}
	for _, s := range []Schedule{{Kind: "nope", Base: 1}, {Kind: "step", Base: 1}, {Kind: "none", Base: 0}} {
		if s.Check() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

func TestEarlyStop(t *testing.T) {
	s := EarlyStop{Metric: "val_accuracy", Patience: 2, MinDelta: 0.001}
	accs := []float64{0.5, 0.6, 0.6005, 0.59, 0.7}
	stopAt := -1
	for e, a := range accs {
		if s.Observe(e, Metrics{Accuracy: a}) {
			stopAt = e
			break
		}
	}
	if stopAt != 3 {
		t.Errorf("stopped at epoch %d, want 3 (best 0.6 at epoch 1, patience 2)", stopAt)
	}
	off := EarlyStop{Metric: "val_loss"}
	for e := range 10 {
		if off.Observe(e, Metrics{Loss: float64(e)}) {
			t.Fatal("patience 0 stopped")
		}
	}
}
