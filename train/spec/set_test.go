package spec

import (
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// minimal is the smallest spec that validates.
const minimal = "model: {preset: mlp, input: [4], classes: 3}\ndata: {train: {images: a, labels: b}}\n"

func parseMinimal(t *testing.T) *Spec {
	t.Helper()
	s, err := Parse([]byte(minimal), "dir/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSet(t *testing.T) {
	s := parseMinimal(t)
	for _, kv := range [][2]string{
		{"optimizer.lr", "0.01"},
		{"epochs", "4"},
		{"model.hidden", "[32, 16]"},
		{"model.input", "2,2"},
		{"model.freeze", "a.b, c"},
		{"loss.class_weights", "1,2,0.5"},
		{"optimizer.nesterov", "true"},
		{"data.train.images", "other/imgs"},
		{"data.normalize.mean", "auto"},
		{"data.normalize.std", "auto"},
		{"data.normalize.scale", "0.5"},
		{"precision", "fp16"},
		{"name", "renamed"},
	} {
		if err := s.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	if s.Optimizer.LR != 0.01 || s.Epochs != 4 || !s.Optimizer.Nesterov || s.Precision != "fp16" {
		t.Errorf("scalars not set: %+v", *s)
	}
	if !reflect.DeepEqual(s.Model.Hidden, []int{32, 16}) || !reflect.DeepEqual(s.Model.Input, []int{2, 2}) ||
		!reflect.DeepEqual(s.Model.Freeze, []string{"a.b", "c"}) ||
		!reflect.DeepEqual(s.Loss.ClassWeights, []float64{1, 2, 0.5}) {
		t.Errorf("lists not set: %+v %+v", s.Model, s.Loss)
	}
	if s.Data.Train.Images != "other/imgs" {
		t.Errorf("an overridden path is kept as typed, got %q", s.Data.Train.Images)
	}
	if n := s.Data.Normalize; n == nil || !n.Mean.Auto || !n.Std.Auto || n.Scale != 0.5 {
		t.Errorf("normalize = %+v", n)
	}
	if s.Name != "renamed" || s.Out != "runs/renamed" {
		t.Errorf("name %q out %q, want the out folder to follow the name", s.Name, s.Out)
	}
	if err := s.Set("out", "x/y"); err != nil || s.Out != "x/y" {
		t.Fatalf("Set out: %v, %q", err, s.Out)
	}
	if err := s.Set("name", "again"); err != nil || s.Out != "x/y" {
		t.Errorf("an explicit out must not follow the name: %v, %q", err, s.Out)
	}
}

func TestSetErrors(t *testing.T) {
	for _, tc := range []struct{ path, value, want string }{
		{"optimizer.lr", "fast", `optimizer.lr: want a number, got "fast"`},
		{"optimizer.lrr", "1", "optimizer.lrr: unknown field (did you mean lr?)"},
		{"modle.hidden", "1", "modle: unknown field (did you mean model?)"},
		{"epochs.count", "1", "epochs.count: unknown field (epochs has no fields)"},
		{"model.hidden", "1,x", `model.hidden[1]: want an integer, got "x"`},
		{"batch_size", "[1", `batch_size: cannot read "[1" as YAML`},
		{"optimizer", "3", "optimizer: want a mapping, got 3"},
	} {
		s := parseMinimal(t)
		err := s.Set(tc.path, tc.value)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Set(%s, %s) = %v, want %q", tc.path, tc.value, err, tc.want)
		}
	}
}

func TestSetStructValue(t *testing.T) {
	s := parseMinimal(t)
	if err := s.Set("optimizer", "{type: sgd, momentum: 0.9}"); err != nil {
		t.Fatal(err)
	}
	if s.Optimizer.Type != "sgd" || s.Optimizer.Momentum != 0.9 || s.Optimizer.LR != 0.001 {
		t.Errorf("optimizer = %+v, want sgd with momentum and the default lr kept", s.Optimizer)
	}
}

func TestValidateAfterSet(t *testing.T) {
	s := parseMinimal(t)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("batch_size", "0"); err != nil {
		t.Fatal(err)
	}
	err := s.Validate()
	want := "dir/spec.yaml: batch_size: must be at least 1, got 0 (set by an override)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestValidateErrors(t *testing.T) {
	const train = "data: {train: {images: a, labels: b}}\n"
	const model = "model: {preset: mlp, input: [4], classes: 3}\n"
	for _, tc := range []struct{ text, want string }{
		{model + train + "batch_size: 0\n", "spec.yaml:3: batch_size: must be at least 1, got 0"},
		{model + "data: {train: {labels: b}}\n", "spec.yaml: data.train.images is required"},
		{model + "data: {format: csv, train: {images: a}}\n",
			"spec.yaml: data.train.file is required\nspec.yaml:2: data.train.images: is for idx and npy data; csv data takes file and label_column"},
		{train, "spec.yaml: model.preset or model.onnx is required"},
		{"model: {preset: mlp, onnx: m.onnx, input: [4], classes: 3}\n" + train,
			"spec.yaml:1: model.onnx: give model.preset or model.onnx, not both"},
		{"model: {preset: resnet, input: [4], classes: 3}\n" + train,
			`spec.yaml:1: model.preset: must be one of mlp, fashion_cnn, lstm, gru, transformer, vae, dcgan, contrastive, got "resnet"`},
		{"model: {preset: mlp, classes: 3}\n" + train, "spec.yaml: model.input is required"},
		{"model: {preset: mlp, input: [4, 0], classes: 3}\n" + train, "spec.yaml: model.input[1]: must be at least 1, got 0"},
		{model + train + "precision: fp8\n", `spec.yaml:3: precision: must be one of float32, bf16, fp16, got "fp8"`},
		{model + "data: {train: {images: a, labels: b}, validation_split: 0.7}\n",
			"spec.yaml:2: data.validation_split: must be in [0, 0.5], got 0.7"},
		{model + train + "optimizer: {lr: -1}\n", "spec.yaml:3: optimizer.lr: must be positive, got -1"},
		{model + train + "optimizer: {nesterov: true}\n",
			"spec.yaml:3: optimizer.nesterov: needs optimizer.type sgd with momentum above 0"},
		{model + train + "loss: {class_weights: [1, 2]}\n", "spec.yaml:3: loss.class_weights: has 2 weights for 3 classes"},
		{model + "data: {train: {images: a, labels: b}, normalize: {mean: auto, std: [1]}}\n",
			"spec.yaml:2: data.normalize.std: mean and std must both be auto or both be numbers"},
		{model + train + "schedule: {type: step, gamma: 2}\n", "spec.yaml:3: schedule.gamma: must be in (0, 1], got 2"},
		{model + "data: {train: {images: a, labels: b}, validation_split: 0}\nearly_stopping: {patience: 3}\n",
			"spec.yaml:3: early_stopping.patience: needs a validation set (data.validation_split above 0)"},
		{model + train + "loss: {type: mse}\nearly_stopping: {patience: 3}\n",
			"spec.yaml: early_stopping.metric: val_accuracy needs a classification loss, and loss.type is mse; use val_loss"},
		{model + train + "export: ../model.onnx\n", `spec.yaml:3: export: must be a file name inside the out folder, got "../model.onnx"`},
	} {
		s, err := Parse([]byte(tc.text), "spec.yaml")
		if err != nil {
			t.Errorf("%q: parse: %v", tc.text, err)
			continue
		}
		err = s.Validate()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\ngot  %v\nwant %s", tc.text, err, tc.want)
		}
	}
}

// TestMarshalRoundTrip checks that a Spec written as YAML reads back equal,
// so a run can save the spec it used.
func TestMarshalRoundTrip(t *testing.T) {
	s, err := Parse([]byte(fullSpec), "/abs/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s.Data.Normalize.Mean = Stats{Auto: true}
	s.Data.Normalize.Std = Stats{Auto: true}
	data, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data, "/abs/full.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	back.lines, s.lines = nil, nil
	if !reflect.DeepEqual(s, back) {
		t.Errorf("round trip changed the spec:\n%+v\n%+v", *s, *back)
	}
	if !strings.Contains(string(data), "mean: auto") {
		t.Errorf("auto stats not written as auto:\n%s", data)
	}
}
