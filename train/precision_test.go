package train

import (
	"errors"
	"math"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// oneStep takes one SGD step of the MLP on a fixed batch in precision p
// and returns the updated values.
func oneStep(t *testing.T, p gemm.Precision, scaling bool) (map[string]*ir.Tensor, StepResult) {
	t.Helper()
	tr, err := New(mlpModel(t), Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.SGD{}, Batch: 32, LossScaling: scaling},
		Threads: 1, Precision: p})
	if err != nil {
		t.Fatal(err)
	}
	ds := blobs(32, 9)
	x, y, idx := make([]float32, 32*16), make([]int64, 32), make([]int, 32)
	for i := range idx {
		idx[i] = i
	}
	ds.Fill(idx, x, y, nil)
	res, err := tr.Step(x, y, nil, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Values(), res
}

// TestMixedPrecisionStep: a bf16 or fp16 step moves every parameter as
// the float32 step does to within the reduced precision, but not exactly
// (the products really were rounded).
func TestMixedPrecisionStep(t *testing.T) {
	want, _ := oneStep(t, gemm.Float32, false)
	for _, c := range []struct {
		p       gemm.Precision
		scaling bool
		tol     float64 // relative to the parameter's largest update
	}{{gemm.BFloat16, false, 0.03}, {gemm.Float16, true, 0.005}} {
		got, res := oneStep(t, c.p, c.scaling)
		if res.Skipped {
			t.Fatalf("%s: the first step was skipped", c.p)
		}
		init := mlpModel(t).Values
		differs := false
		for name, w := range want {
			g, w0 := got[name], init[name]
			var maxUpd, maxErr float64
			for i := range w.Len() {
				maxUpd = max(maxUpd, math.Abs(w.Float64At(i)-w0.Float64At(i)))
				d := math.Abs(g.Float64At(i) - w.Float64At(i))
				maxErr = max(maxErr, d)
				differs = differs || d > 0
			}
			if maxErr > c.tol*maxUpd {
				t.Errorf("%s: %s differs from float32 by %.3g (largest update %.3g)", c.p, name, maxErr, maxUpd)
			}
		}
		if !differs {
			t.Errorf("%s: the step equals float32's bitwise: nothing was rounded", c.p)
		}
	}
}

// TestLossScalingRecovers starts fp16 training with a scale so large that
// the scaled gradients overflow half precision: those steps are skipped
// leaving every value untouched, the scale halves until the gradients
// fit, and training then proceeds and learns.
func TestLossScalingRecovers(t *testing.T) {
	tr, err := New(mlpModel(t), Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: 32, LossScaling: true},
		Threads: 1, Precision: gemm.Float16, Scaling: LossScaling{Init: 0x1p40, Interval: 20}})
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]*ir.Tensor{}
	for k, v := range tr.Values() {
		before[k] = v.Clone()
	}
	train, test := blobs(2048, 1), blobs(512, 2)
	l, err := data.NewLoader(train, data.LoaderOptions{BatchSize: 32, Shuffle: true, Seed: 1, DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Epoch(0)
	b, _ := l.Next()
	res, err := tr.Step(b.X, b.Classes, nil, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Skipped || tr.Steps != 0 || tr.LossScale.Scale != 0x1p39 {
		t.Fatalf("first step at scale 2^40: skipped %v, steps %d, scale %g", res.Skipped, tr.Steps, tr.LossScale.Scale)
	}
	for k, v := range tr.Values() {
		for i := range v.Len() {
			if v.Float64At(i) != before[k].Float64At(i) {
				t.Fatalf("%s changed by a skipped step", k)
			}
		}
	}
	for b, ok := l.Next(); ok; b, ok = l.Next() {
		if _, err := tr.Step(b.X, b.Classes, nil, 0.01); err != nil {
			t.Fatal(err)
		}
	}
	st := tr.LossScale
	if st.Skipped < 2 || st.Scale >= 0x1p39 || tr.Steps+st.Skipped != 2048/32 {
		t.Errorf("after an epoch: %+v, %d steps", st, tr.Steps)
	}
	after, err := tr.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	if after.Accuracy < 0.95 {
		t.Errorf("fp16 with loss scaling reached %+v", after)
	}
}

// TestLossScaleResumes: a checkpoint keeps the loss scaling state, so a
// resumed fp16 run ends bitwise where an uninterrupted one does.
func TestLossScaleResumes(t *testing.T) {
	newTr := func() *Trainer {
		tr, err := New(mlpModel(t), Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: 16, LossScaling: true},
			Threads: 1, Seed: 3, Precision: gemm.Float16, Scaling: LossScaling{Init: 0x1p30, Interval: 5}})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	train, val := blobs(256, 1), blobs(64, 2)
	whole := newTr()
	if _, err := whole.Fit(fitConfig(train, val, 3, t.TempDir())); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	interrupted := fitConfig(train, val, 3, dir)
	stop := errors.New("interrupted")
	interrupted.OnEpoch = func(e EpochResult) error {
		if e.Epoch == 2 {
			return stop
		}
		return nil
	}
	if _, err := newTr().Fit(interrupted); err != stop {
		t.Fatal(err)
	}
	resumed := newTr()
	if _, err := resumed.Fit(fitConfig(train, val, 3, dir)); err != nil {
		t.Fatal(err)
	}
	if resumed.LossScale != whole.LossScale || whole.LossScale.Skipped == 0 {
		t.Fatalf("loss scaling: resumed %+v, uninterrupted %+v (want equal, with skipped steps)", resumed.LossScale, whole.LossScale)
	}
	want := whole.Values()
	for name, v := range resumed.Values() {
		for i := range v.Len() {
			if v.Float64At(i) != want[name].Float64At(i) {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", name, i, v.Float64At(i), want[name].Float64At(i))
			}
		}
	}
}
