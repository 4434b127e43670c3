package dsl_test

import (
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// The transformer preset builds at its documented size and trains: a
// few Adam steps on one random batch lower its loss.
func TestTransformerPresetTrains(t *testing.T) {
	def, err := dsl.Preset(dsl.PresetSpec{Preset: "transformer"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := def.Build(1)
	if err != nil {
		t.Fatal(err)
	}
	// RowTokens→Linear(28→64), positions 28×64, 2 encoder layers of
	// 4·(64·64+64) + (64·128+128) + (128·64+64) + 2·2·64, Dense(64→10).
	layer := 4*(64*64+64) + (64*128 + 128) + (128*64 + 64) + 4*64
	if want := 28*64 + 64 + 28*64 + 2*layer + 64*10 + 10; d.NumParams() != want {
		t.Errorf("%d parameters, want %d", d.NumParams(), want)
	}
	if got := d.OutputShape(); len(got) != 1 || got[0] != 10 {
		t.Fatalf("output shape %v", got)
	}
	m, err := train.FromDSL(d)
	if err != nil {
		t.Fatal(err)
	}
	const batch = 8
	tr, err := train.New(m, train.Config{StepConfig: train.StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: batch}, Threads: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, batch*28*28)
	for i := range x {
		x[i] = r.Float32()
	}
	classes := make([]int64, batch)
	for i := range classes {
		classes[i] = int64(r.IntN(10))
	}
	var first, last float64
	for step := range 8 {
		res, err := tr.Step(x, classes, nil, 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		if step == 0 {
			first = res.Loss
		}
		last = res.Loss
	}
	t.Logf("loss %.4f → %.4f after 8 steps", first, last)
	if !(last < 0.8*first) {
		t.Errorf("loss went from %v to %v in 8 steps on one batch", first, last)
	}
}
