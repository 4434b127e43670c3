package train

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// blobs is a two-class problem in 16 dims: class c has mean ±1 in every
// coordinate, unit noise.
func blobs(n int, seed uint64) *data.Memory {
	r := rand.New(rand.NewPCG(seed, 3))
	x := make([]float32, n*16)
	y := make([]int64, n)
	for i := range n {
		y[i] = int64(r.IntN(2))
		for j := range 16 {
			x[i*16+j] = float32(2*float64(y[i]) - 1 + r.NormFloat64())
		}
	}
	m, err := data.NewClassification("blobs", x, []int{16}, y, 2)
	if err != nil {
		panic(err)
	}
	return m
}

// mlpModel is testdata's MLP (16 → 32 → 10, softmax) with its softmax
// dropped: the loss takes logits.
func mlpModel(t *testing.T) *Model {
	t.Helper()
	m, err := onnx.Load("../testdata/onnx/mlp/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph
	last := g.Nodes[len(g.Nodes)-1]
	if last.Op != "Softmax" {
		t.Fatalf("last node is %s", last.Op)
	}
	g.Outputs = []*ir.Value{last.Inputs[0]}
	g.RemoveDead()
	tm, err := FromONNX(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestTrainingLearns(t *testing.T) {
	tm := mlpModel(t)
	tr, err := New(tm, Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: 32}, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	train, test := blobs(2048, 1), blobs(512, 2)
	before, err := tr.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	l, err := data.NewLoader(train, data.LoaderOptions{BatchSize: 32, Shuffle: true, Seed: 1, DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for epoch := range 2 {
		l.Epoch(epoch)
		for b, ok := l.Next(); ok; b, ok = l.Next() {
			if _, err := tr.Step(b.X, b.Classes, nil, 0.01); err != nil {
				t.Fatal(err)
			}
		}
	}
	after, err := tr.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	if after.Accuracy < 0.95 || after.Loss >= before.Loss/2 {
		t.Errorf("after training: %+v (before %+v)", after, before)
	}
	if tr.Steps != 2*(2048/32) {
		t.Errorf("%d steps", tr.Steps)
	}
}

// TestNonFiniteLossKeepsValues feeds a NaN: the step fails naming it and
// the parameters stay as they were.
func TestNonFiniteLossKeepsValues(t *testing.T) {
	tm := mlpModel(t)
	tr, err := New(tm, Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.SGD{}, Batch: 4}, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]*ir.Tensor{}
	for k, v := range tr.Values() {
		before[k] = v.Clone()
	}
	x := make([]float32, 4*16)
	x[3] = float32(math.NaN())
	_, err = tr.Step(x, []int64{0, 1, 0, 1}, nil, 0.1)
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("a NaN input gave %v", err)
	}
	for k, v := range tr.Values() {
		for i := range v.Len() {
			if v.Float64At(i) != before[k].Float64At(i) {
				t.Fatalf("%s changed by a failed step", k)
			}
		}
	}
	if tr.Steps != 0 {
		t.Errorf("a failed step counted")
	}
}

// TestAccumulationMatchesLargerBatch: two micro-batches of 16 summed
// make the same SGD update as one batch of 32 (the mean loss's gradient
// is the mean of the halves').
func TestAccumulationMatchesLargerBatch(t *testing.T) {
	ds := blobs(32, 4)
	x := make([]float32, 32*16)
	y := make([]int64, 32)
	idx := make([]int, 32)
	for i := range idx {
		idx[i] = i
	}
	ds.Fill(idx, x, y, nil)
	whole, err := New(mlpModel(t), Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.SGD{Momentum: 0.9}, Batch: 32}, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := New(mlpModel(t), Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.SGD{Momentum: 0.9}, Batch: 16, Accumulate: 2}, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := whole.Step(x, y, nil, 0.5); err != nil {
			t.Fatal(err)
		}
		for h := range 2 {
			if _, err := acc.Step(x[h*16*16:(h+1)*16*16], y[h*16:(h+1)*16], nil, 0.5); err != nil {
				t.Fatal(err)
			}
		}
	}
	if whole.Steps != 2 || acc.Steps != 2 {
		t.Fatalf("steps %d and %d", whole.Steps, acc.Steps)
	}
	want := whole.Values()
	for name, v := range acc.Values() {
		for i := range v.Len() {
			if d := math.Abs(v.Float64At(i) - want[name].Float64At(i)); d > 1e-5 {
				t.Fatalf("%s[%d]: accumulated %v, one batch %v", name, i, v.Float64At(i), want[name].Float64At(i))
			}
		}
	}
}
