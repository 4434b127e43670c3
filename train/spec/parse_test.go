package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const fullSpec = `name: fashion-mlp
seed: 7
threads: 2
precision: bf16
model:
  preset: mlp
  input: [1, 28, 28]
  hidden: [128, 64]
  classes: 10
  dropout: 0.25
  freeze: [fc1]
data:
  format: idx
  train: {images: data/train-images.gz, labels: data/train-labels.gz}
  test:  {images: /abs/test-images, labels: data/test-labels}
  validation_split: 0.2
  limit: 1000
  test_limit: 500
  normalize: {scale: 0.00392156862745098, mean: [0.2860], std: [0.3530]}
  augment: {random_crop: 2, horizontal_flip: true}
loss: {type: cross_entropy, label_smoothing: 0.1, class_weights: []}
optimizer: {type: sgd, lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 5e-4}
schedule: {type: cosine, warmup_epochs: 1, min_lr: 1.0e-5}
clip_norm: 1.5
epochs: 3
batch_size: 32
accumulate: 2
early_stopping: {metric: val_loss, patience: 2, min_delta: 0.001}
checkpoint: {every: 2, keep: 3}
export: net.onnx
out: results/run1
`

// writeSpec writes text to dir/name and returns its path.
func writeSpec(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFull(t *testing.T) {
	dir := t.TempDir()
	s, err := Load(writeSpec(t, dir, "full.yaml", fullSpec))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Name, want.Seed, want.Threads, want.Precision = "fashion-mlp", 7, 2, "bf16"
	want.Model = Model{Preset: "mlp", Input: []int{1, 28, 28}, Hidden: []int{128, 64},
		Classes: 10, Dropout: 0.25, Freeze: []string{"fc1"}}
	want.Data = Data{Format: "idx",
		Train:           Files{Images: filepath.Join(dir, "data/train-images.gz"), Labels: filepath.Join(dir, "data/train-labels.gz")},
		Test:            Files{Images: "/abs/test-images", Labels: filepath.Join(dir, "data/test-labels")},
		ValidationSplit: 0.2, Limit: 1000, TestLimit: 500,
		Normalize: &Normalize{Scale: 0.00392156862745098,
			Mean: Stats{Values: []float64{0.2860}}, Std: Stats{Values: []float64{0.3530}}},
		Augment: Augment{RandomCrop: 2, HorizontalFlip: true},
	}
	want.Loss = Loss{Type: "cross_entropy", LabelSmoothing: 0.1, ClassWeights: []float64{}, Delta: 1}
	want.Optimizer = Optimizer{Type: "sgd", LR: 0.05, Momentum: 0.9, Nesterov: true,
		Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 5e-4, BackboneLRScale: 1}
	want.Schedule = Schedule{Type: "cosine", WarmupEpochs: 1, StepSize: 1, Gamma: 0.1,
		MinLR: 1e-5, Factor: 0.1, Patience: 2}
	want.ClipNorm, want.Epochs, want.BatchSize, want.Accumulate = 1.5, 3, 32, 2
	want.EarlyStopping = EarlyStopping{Metric: "val_loss", Patience: 2, MinDelta: 0.001}
	want.Checkpoint = Checkpoint{Every: 2, Keep: 3}
	want.Export, want.Out = "net.onnx", "results/run1"
	want.file, want.lines = s.file, s.lines
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got\n%+v\nwant\n%+v", *s, *want)
	}
	if got := s.lines["optimizer.lr"]; got != 22 {
		t.Errorf("line of optimizer.lr = %d, want 22", got)
	}
}

func TestDefaults(t *testing.T) {
	s, err := Parse([]byte("model: {onnx: m.onnx}\ndata: {train: {images: a, labels: b}}\n"), "cfg/my-run.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Name != "my-run" || s.Out != filepath.Join("runs", "my-run") {
		t.Errorf("name %q out %q, want my-run and runs/my-run", s.Name, s.Out)
	}
	if s.Model.ONNX != filepath.Join("cfg", "m.onnx") || s.Data.Train.Labels != filepath.Join("cfg", "b") {
		t.Errorf("paths not resolved against the spec folder: %q %q", s.Model.ONNX, s.Data.Train.Labels)
	}
	d := Default()
	if s.Seed != 1 || s.Epochs != d.Epochs || s.BatchSize != 64 || s.Optimizer != d.Optimizer ||
		s.Schedule != d.Schedule || s.Checkpoint != d.Checkpoint || s.Export != "model.onnx" ||
		s.Data.ValidationSplit != 0.1 || s.Data.Normalize != nil || s.Precision != "float32" {
		t.Errorf("defaults not applied: %+v", *s)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"model:\n  preset: mlp\n  hiden: [1]\n", "spec.yaml:3: model.hiden: unknown field (did you mean hidden?)"},
		{"optimizer:\n  lr: fast\n", `spec.yaml:2: optimizer.lr: want a number, got "fast"`},
		{"epochs: 2.5\n", "spec.yaml:1: epochs: want an integer, got 2.5"},
		{"model: {input: [1, x]}\n", `spec.yaml:1: model.input[1]: want an integer, got "x"`},
		{"model: {hidden: 3}\n", "spec.yaml:1: model.hidden: want a list, got 3"},
		{"data: [1]\n", "spec.yaml:1: data: want a mapping, got a list"},
		{"name: {a: 1}\n", "spec.yaml:1: name: want a string, got a mapping"},
		{"optimizer: {nesterov: 1}\n", "spec.yaml:1: optimizer.nesterov: want true or false, got 1"},
		{"data:\n  normalize: {mean: often}\n", `spec.yaml:2: data.normalize.mean: want auto or a list of numbers, got "often"`},
		{"epochs: 1\nepochs: 2\n", "spec.yaml:2: epochs: given twice"},
		{"zzz: 1\n", "spec.yaml:1: zzz: unknown field (known: name, seed,"},
		{"epochs: [1\n", "spec.yaml:"},
		{"just text\n", `spec.yaml:1: want a mapping, got "just text"`},
	} {
		_, err := Parse([]byte(tc.text), "spec.yaml")
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got error %v, want %q", tc.text, err, tc.want)
		}
	}
}

// TestParseErrorsAll checks that every problem is reported, not the first.
func TestParseErrorsAll(t *testing.T) {
	_, err := Parse([]byte("seed: x\nepoch: 3\n"), "s.yaml")
	want := "s.yaml:1: seed: want an integer, got \"x\"\ns.yaml:2: epoch: unknown field (did you mean epochs?)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want\n%s", err, want)
	}
}

func TestAutoStatsAndAliases(t *testing.T) {
	text := "data:\n  train: {images: &i x, labels: *i}\n  normalize: {mean: auto, std: auto}\n"
	s, err := Parse([]byte(text), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := s.Data.Normalize
	if n == nil || !n.Mean.Auto || !n.Std.Auto || s.Data.Train.Labels != "x" {
		t.Errorf("got normalize %+v, labels %q", n, s.Data.Train.Labels)
	}
}
