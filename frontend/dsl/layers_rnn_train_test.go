package dsl_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// presetTrainer builds a recurrent preset and its trainer with Adam.
func presetTrainer(tb testing.TB, preset string, batch, threads int) (*dsl.Model, *train.Trainer) {
	tb.Helper()
	def, err := dsl.Preset(dsl.PresetSpec{Preset: preset})
	if err != nil {
		tb.Fatal(err)
	}
	d, err := def.Build(1)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := train.FromDSL(d)
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := train.New(m, train.Config{StepConfig: train.StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: batch}, Threads: threads})
	if err != nil {
		tb.Fatal(err)
	}
	return d, tr
}

// randomBatch is n random 28×28 images with random labels.
func randomBatch(n int, seed uint64) ([]float32, []int64) {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n*28*28)
	for i := range x {
		x[i] = r.Float32()
	}
	y := make([]int64, n)
	for i := range y {
		y[i] = int64(r.IntN(10))
	}
	return x, y
}

// The lstm and gru presets train with the DSL trainer (repeated steps on
// one random batch drive its loss down), and after training their export
// computes in ONNX Runtime what dlc's Eval graph computes.
func TestRecurrentPresetsTrainAndExport(t *testing.T) {
	const batch, steps = 8, 6
	var cases []dsl.ORTCase
	var wants []*ir.Tensor
	for _, preset := range []string{"lstm", "gru"} {
		d, tr := presetTrainer(t, preset, batch, 0)
		if got := tr.BatchShape(); fmt.Sprint(got) != fmt.Sprint([]int{batch, 1, 28, 28}) {
			t.Fatalf("%s: batch shape %v", preset, got)
		}
		x, y := randomBatch(batch, 1)
		var first, last float64
		for s := range steps {
			res, err := tr.Step(x, y, nil, 0.01)
			if err != nil {
				t.Fatalf("%s step %d: %v", preset, s+1, err)
			}
			if s == 0 {
				first = res.Loss
			}
			last = res.Loss
		}
		t.Logf("%s: loss %.4f after the first step, %.4f after %d", preset, first, last, steps)
		if !(last < 0.8*first) {
			t.Errorf("%s: loss went from %v to %v in %d steps on one batch", preset, first, last, steps)
		}
		if err := tr.ToDSL(d); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), preset+".onnx")
		if err := d.Export(path); err != nil {
			t.Fatal(err)
		}
		g, err := d.Graph(dsl.Eval, 0)
		if err != nil {
			t.Fatal(err)
		}
		in := ir.FromSlice([]int{batch, 1, 28, 28}, x)
		s, err := runtime.New(g, runtime.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Run(map[string]ir.Data{dsl.InputName: in})
		if err != nil {
			t.Fatal(err)
		}
		cases, wants = append(cases, dsl.ORTCase{Path: path, X: in}), append(wants, out[0].(*ir.Tensor))
	}
	ort, errs := dsl.ORTOutputs(t, cases)
	for i, c := range cases {
		if errs[i] != nil {
			t.Errorf("%s: %v", c.Path, errs[i])
			continue
		}
		d := 0.0
		for j := range wants[i].Len() {
			d = max(d, abs(ort[i].Float64At(j)-wants[i].Float64At(j)))
		}
		t.Logf("%s: largest difference from ONNX Runtime %g", filepath.Base(c.Path), d)
		if ort[i].Len() != wants[i].Len() || d > 1e-4 {
			t.Errorf("%s: ONNX Runtime gives %v, differing from dlc by %g", c.Path, ort[i].Shape, d)
		}
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// BenchmarkRecurrentPresetStep times one training step of the lstm and
// gru presets at batch 64 (28 steps of 28 features, hidden 128) with 1
// and 2 kernel threads.
func BenchmarkRecurrentPresetStep(b *testing.B) {
	for _, preset := range []string{"lstm", "gru"} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", preset, threads), func(b *testing.B) {
				_, tr := presetTrainer(b, preset, 64, threads)
				x, y := randomBatch(64, 2)
				if _, err := tr.Step(x, y, nil, 1e-3); err != nil { // warm-up
					b.Fatal(err)
				}
				start := time.Now()
				b.ResetTimer()
				for range b.N {
					if _, err := tr.Step(x, y, nil, 1e-3); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(time.Since(start).Seconds()*1000/float64(b.N), "ms/step")
			})
		}
	}
}
