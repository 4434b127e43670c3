package train

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// images makes n 1×8×8 images of two classes: a bright left or right
// half, with noise.
func images(n int, seed uint64) *data.Memory {
	b := blobs(n, seed) // for its labels and noise stream
	x := make([]float32, n*64)
	for i := range n {
		for r := range 8 {
			for c := range 8 {
				on := (c < 4) == (b.Classes[i] == 0)
				v := b.X[i*16+(r*8+c)%16] * 0.2
				if on {
					v += 1
				}
				x[i*64+r*8+c] = v
			}
		}
	}
	m, err := data.NewClassification("images", x, []int{1, 8, 8}, b.Classes, 2)
	if err != nil {
		panic(err)
	}
	return m
}

// TestTrainDSLModel trains a small CNN with BatchNorm and Dropout built
// with the DSL: it learns, its running statistics move, and ToDSL writes
// the trained values back so the exported model computes what the
// trainer evaluates.
func TestTrainDSLModel(t *testing.T) {
	def := dsl.Sequential("cnn", []int{1, 8, 8},
		dsl.Conv2D(4, 3, dsl.Padding(dsl.Same)), dsl.BatchNorm(), dsl.ReLU(), dsl.MaxPool2D(2),
		dsl.Flatten(), dsl.Dropout(0.25), dsl.Dense(2))
	d, err := def.Build(1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromDSL(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Stats) != 2 || len(m.Masks) != 1 {
		t.Fatalf("stats %v, masks %v", m.Stats, m.Masks)
	}
	tr, err := New(m, Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: 16}, Threads: 1, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	var mean0 *ir.Tensor
	for name, v := range tr.Values() {
		if len(name) > 12 && name[len(name)-12:] == "running_mean" {
			mean0 = v.Clone()
		}
	}
	train, test := images(512, 1), images(128, 2)
	res, err := tr.Fit(FitConfig{Epochs: 2, Train: train, Val: test, Loader: data.LoaderOptions{Shuffle: true, Seed: 1},
		Schedule: &Schedule{Kind: "none", Base: 0.01}})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Epochs[len(res.Epochs)-1]
	if last.Val.Accuracy < 0.95 {
		t.Errorf("validation accuracy %.3f after 2 epochs", last.Val.Accuracy)
	}
	moved := false
	for name, v := range tr.Values() {
		if len(name) > 12 && name[len(name)-12:] == "running_mean" {
			for i := range v.Len() {
				moved = moved || v.Float64At(i) != mean0.Float64At(i)
			}
		}
	}
	if !moved {
		t.Error("BatchNorm's running mean did not move")
	}
	if err := tr.ToDSL(d); err != nil {
		t.Fatal(err)
	}
	m2, err := FromDSL(d)
	if err != nil {
		t.Fatal(err)
	}
	tr2, err := New(m2, Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: 16}, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	again, err := tr2.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(again.Loss-last.Val.Loss) > 1e-6 || again.Accuracy != last.Val.Accuracy {
		t.Errorf("the DSL model after ToDSL evaluates to %+v, the trainer had %+v", again, last.Val)
	}
}
