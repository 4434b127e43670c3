package train

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

func newTestTrainer(t *testing.T) *Trainer {
	t.Helper()
	tr, err := New(mlpModel(t), Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: 16}, Threads: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func fitConfig(train, val data.Dataset, epochs int, dir string) FitConfig {
	return FitConfig{Epochs: epochs, Train: train, Val: val,
		Loader:    data.LoaderOptions{Shuffle: true, Seed: 7, Prefetch: 1},
		Schedule:  &Schedule{Kind: "cosine", Base: 0.01, Epochs: epochs, WarmupEpochs: 1},
		EarlyStop: &EarlyStop{Metric: "val_loss"}, CheckpointDir: dir, CheckpointEvery: 1, Keep: 2, Resume: true}
}

// TestResumeMatchesUninterrupted stops a run after two epochs and resumes
// it from the checkpoint: the parameters and optimizer state after three
// epochs are bitwise those of a run that never stopped.
func TestResumeMatchesUninterrupted(t *testing.T) {
	train, val := blobs(256, 1), blobs(64, 2)
	whole := newTestTrainer(t)
	if _, err := whole.Fit(fitConfig(train, val, 3, t.TempDir())); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first := newTestTrainer(t)
	interrupted := fitConfig(train, val, 3, dir)
	stop := errors.New("interrupted")
	interrupted.OnEpoch = func(e EpochResult) error {
		if e.Epoch == 2 {
			return stop
		}
		return nil
	}
	if _, err := first.Fit(interrupted); err != stop {
		t.Fatal(err)
	}
	cfg := fitConfig(train, val, 3, dir)
	second := newTestTrainer(t)
	res, err := second.Fit(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 2 || len(res.Epochs) != 1 {
		t.Fatalf("resumed after %d epochs, ran %d", res.Resumed, len(res.Epochs))
	}
	if second.Steps != whole.Steps {
		t.Fatalf("%d steps, uninterrupted %d", second.Steps, whole.Steps)
	}
	want := whole.Values()
	for name, v := range second.Values() {
		for i := range v.Len() {
			if v.Float64At(i) != want[name].Float64At(i) {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", name, i, v.Float64At(i), want[name].Float64At(i))
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.ckpt"))
	if len(files) != 2 {
		t.Errorf("%d checkpoints kept, want 2: %v", len(files), files)
	}
}

// TestNaNStopsWithCheckpointIntact trains on data that turns NaN in the
// second epoch: Fit fails naming the epoch and batch, and the first
// epoch's checkpoint still loads.
func TestNaNStopsWithCheckpointIntact(t *testing.T) {
	good := blobs(64, 1)
	bad := &nanAfter{Dataset: good, calls: new(int), after: 64 / 16}
	dir := t.TempDir()
	tr := newTestTrainer(t)
	_, err := tr.Fit(fitConfig(bad, nil, 3, dir))
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "epoch 2, batch 1") {
		t.Fatalf("Fit returned %v", err)
	}
	path, _ := LatestCheckpoint(dir)
	ck, err := LoadCheckpoint(path)
	if err != nil || ck.Epochs != 1 {
		t.Fatalf("the last checkpoint %s: %v (epochs %v)", path, err, ck)
	}
	for name, v := range ck.Values {
		for i := range v.Len() {
			if math.IsNaN(v.Float64At(i)) {
				t.Fatalf("checkpoint holds NaN in %s", name)
			}
		}
	}
	if _, err := LoadCheckpoint(filepath.Join(dir, "missing.ckpt")); !os.IsNotExist(err) {
		t.Errorf("missing checkpoint: %v", err)
	}
}

// nanAfter fills NaN features once `after` batches have been filled.
type nanAfter struct {
	data.Dataset
	calls *int
	after int
}

func (d *nanAfter) Fill(idx []int, x []float32, classes []int64, targets []float32) {
	d.Dataset.Fill(idx, x, classes, targets)
	*d.calls++
	if *d.calls > d.after {
		x[0] = float32(math.NaN())
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.ckpt")
	c := &Checkpoint{Epochs: 2, Steps: 9, Spec: "abc", Values: map[string]*ir.Tensor{
		"w": ir.FromSlice([]int{2}, []float32{1, -2}), "n": ir.FromSlice([]int{1}, []int64{5}), "e": ir.FromSlice([]int{0}, []float32{})},
		Schedule: Schedule{Kind: "plateau", Scale: 0.1, Seen: true}}
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Steps != 9 || got.Values["w"].Float64At(1) != -2 || got.Values["n"].Int64At(0) != 5 || got.Values["e"].Len() != 0 || got.Schedule.Scale != 0.1 {
		t.Errorf("read back %+v", got)
	}
	os.WriteFile(path, []byte("junk"), 0o644)
	if _, err := LoadCheckpoint(path); err == nil || !strings.Contains(err.Error(), "not a dlc checkpoint") {
		t.Errorf("junk checkpoint: %v", err)
	}
}
