package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/internal/ortrun"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

const fashionDir = "/usr/share/datasets/fashion-mnist"

func needFashion(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(fashionDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
		}
		t.Skip("Fashion-MNIST is not installed")
	}
}

// TestTrainShortMLP runs the MLP example shortened (2,000 images, two
// epochs), then resumes it for a third: the artifacts exist, the JSON
// line has the final figures, and the exported model computes in dlc
// what the trainer measured.
func TestTrainShortMLP(t *testing.T) {
	needFashion(t)
	out := t.TempDir()
	args := []string{"train", "../../examples/train/fashion-mlp.yaml", "--out", out, "--json", "--threads", "2",
		"--set", "data.limit=2000", "--set", "data.test_limit=1000", "--epochs", "2"}
	stdout, stderr, code := dlc(t, args...)
	if code != 0 {
		t.Fatalf("dlc train: %s", stderr)
	}
	var fig struct {
		TestAccuracy  float64 `json:"test_accuracy"`
		Epochs        int     `json:"epochs"`
		SamplesPerSec float64 `json:"samples_per_sec"`
		Checkpoint    string  `json:"checkpoint"`
		Exported      string  `json:"exported"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &fig); err != nil {
		t.Fatalf("--json printed %q: %v", stdout, err)
	}
	if fig.Epochs != 2 || fig.TestAccuracy < 0.6 || fig.SamplesPerSec <= 0 {
		t.Errorf("final figures %+v", fig)
	}
	for _, f := range []string{fig.Checkpoint, fig.Exported, filepath.Join(out, "metrics.csv"), filepath.Join(out, "metrics.png")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("missing artifact: %v", err)
		}
	}
	if !strings.Contains(stderr, "epoch 2/2: train loss") || !strings.Contains(stderr, "test: loss") {
		t.Errorf("progress output:\n%s", stderr)
	}
	// The export is an inference model dlc runs, and ONNX Runtime
	// computes the same logits (within 1e-4).
	x := ir.Zeros(ir.Float32, []int{3, 1, 28, 28})
	for i := range x.Len() {
		x.SetFloat64At(i, float64(i%29)/10-1)
	}
	if got, _ := matchesORT(t, fig.Exported, "input", x); got.Shape[1] != 10 {
		t.Fatalf("the export gives %v", got)
	}

	// Without --resume the folder is not overwritten; with it, a third
	// epoch continues the run.
	_, stderr, code = dlc(t, args...)
	wantCleanError(t, stderr, code, "--resume continues it")
	args[len(args)-1] = "3"
	stdout, stderr, code = dlc(t, append(args, "--resume")...)
	if code != 0 {
		t.Fatalf("dlc train --resume: %s", stderr)
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &fig); err != nil || fig.Epochs != 3 {
		t.Errorf("resumed run: %q (%v)", stdout, err)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "metrics.csv"))
	if n := strings.Count(string(csv), "\n"); n != 4 {
		t.Errorf("metrics.csv has %d lines after 3 epochs, want header + 3:\n%s", n, csv)
	}
}

func TestTrainBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := `model: {preset: mlp, input: [1, 28, 28], classes: 10}
data:
  train: {images: missing-images.gz, labels: missing-labels.gz}
`
	for _, c := range []struct {
		spec string
		args []string
		want string
	}{
		{base + "optimizer: {type: adam, lr: fast}\n", nil, `bad.yaml:4: optimizer.lr: want a number, got "fast"`},
		{base + "model2: 1\n", nil, "bad.yaml:4: model2: unknown field"},
		{base, nil, "missing-images.gz"},
		{base, []string{"--set", "model.hiden=[3]"}, "model.hiden"},
		{base, []string{"--precision", "fp8"}, `precision: must be one of float32, bf16, fp16, got "fp8"`},
	} {
		p := write("bad.yaml", c.spec)
		_, stderr, code := dlc(t, append([]string{"train", p, "--out", filepath.Join(dir, "out")}, c.args...)...)
		wantCleanError(t, stderr, code, c.want)
	}
}

// TestTrainTransfer trains the CNN on five classes, then starts the
// ten-class CNN from it: everything but the head is copied, the head
// starts fresh, and the backbone trains at a lower rate.
func TestTrainTransfer(t *testing.T) {
	needFashion(t)
	dir := t.TempDir()
	five := filepath.Join(dir, "five")
	_, stderr, code := dlc(t, "train", "../../examples/train/transfer-5class.yaml", "--out", five, "--epochs", "1",
		"--set", "data.limit=640", "--set", "data.test_limit=200")
	if code != 0 {
		t.Fatalf("5-class run: %s", stderr)
	}
	stdout, stderr, code := dlc(t, "train", "../../examples/train/transfer-finetune.yaml", "--out", filepath.Join(dir, "ten"), "--json",
		"--set", "model.init_from="+filepath.Join(five, "transfer-5class.onnx"), "--set", "data.limit=640", "--set", "data.test_limit=200")
	if code != 0 {
		t.Fatalf("fine-tuning: %s", stderr)
	}
	if !strings.Contains(stderr, "14 tensors copied, 2 fresh ([dense_2.weight dense_2.bias])") {
		t.Errorf("init_from did not report the copy:\n%s", stderr)
	}
	if !strings.Contains(stdout, `"test_accuracy"`) {
		t.Errorf("--json printed %q", stdout)
	}
}

// TestTrainShortCNN runs the CNN example shortened (1,280 images, one
// epoch): it trains on fast kernels, learns, and exports a model ONNX
// Runtime computes alike.
func TestTrainShortCNN(t *testing.T) {
	needFashion(t)
	out := t.TempDir()
	stdout, stderr, code := dlc(t, "train", "../../examples/train/fashion-cnn.yaml", "--out", out, "--json", "--epochs", "1",
		"--set", "data.limit=1280", "--set", "data.test_limit=500", "--set", "early_stopping.patience=0")
	if code != 0 {
		t.Fatalf("dlc train: %s", stderr)
	}
	var fig struct {
		TestAccuracy float64 `json:"test_accuracy"`
		Exported     string  `json:"exported"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &fig); err != nil {
		t.Fatalf("--json printed %q: %v", stdout, err)
	}
	if fig.TestAccuracy < 0.5 {
		t.Errorf("test accuracy %.3f after one short epoch", fig.TestAccuracy)
	}
	x := ir.Zeros(ir.Float32, []int{2, 1, 28, 28})
	for i := range x.Len() {
		x.SetFloat64At(i, float64(i%37)/18-1)
	}
	if _, checked := matchesORT(t, fig.Exported, "input", x); !checked {
		t.Skip("ONNX Runtime not found: the export is not checked")
	}
}

// matchesORT runs an exported model in dlc on x and returns its first
// output; where ONNX Runtime is installed (always in CI) it runs there
// too and the outputs must agree within 1e-4 (relative to max(1, |ORT's|)),
// and checked is true.
func matchesORT(t *testing.T, path, input string, x *ir.Tensor) (got *ir.Tensor, checked bool) {
	t.Helper()
	m, err := onnx.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := runtime.New(m, runtime.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(map[string]ir.Data{input: x})
	if err != nil {
		t.Fatal(err)
	}
	got = res[0].(*ir.Tensor)
	ort, err := ortrun.Find("../..")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ONNX Runtime not found: %v", err)
		}
		t.Logf("ONNX Runtime not found (%v): %s not checked in ORT", err, filepath.Base(path))
		return got, false
	}
	outs, err := ort.Run(path, map[string]*ir.Tensor{input: x})
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != outs[0].Len() {
		t.Fatalf("dlc gives %v, ORT %v", got.Shape, outs[0].Shape)
	}
	for i := range got.Len() {
		if d := math.Abs(got.Float64At(i) - outs[0].Float64At(i)); d > 1e-4*math.Max(1, math.Abs(outs[0].Float64At(i))) {
			t.Fatalf("%s output %d: dlc %v, ORT %v", filepath.Base(path), i, got.Float64At(i), outs[0].Float64At(i))
		}
	}
	return got, true
}

// TestTrainVAE trains the convolutional VAE briefly: the loss is the
// reconstruction of the input plus the KL term, and the run writes the
// grids of prior samples and reconstructions beside the export.
func TestTrainVAE(t *testing.T) {
	needFashion(t)
	out := t.TempDir()
	stdout, stderr, code := dlc(t, "train", "../../examples/train/fashion-vae.yaml", "--out", out, "--json", "--epochs", "1",
		"--set", "data.limit=4480", "--set", "data.test_limit=100")
	if code != 0 {
		t.Fatalf("dlc train: %s", stderr)
	}
	var fig struct {
		TestLoss     float64  `json:"test_loss"`
		TestAccuracy *float64 `json:"test_accuracy"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &fig); err != nil {
		t.Fatalf("--json printed %q: %v", stdout, err)
	}
	// A per-pixel binary cross-entropy: log 2 ≈ 0.69 for a blank guess,
	// about 0.5 for the mean image.
	if fig.TestLoss <= 0 || fig.TestLoss > 0.45 || fig.TestAccuracy != nil {
		t.Errorf("final figures %+v", fig)
	}
	for _, f := range []string{"samples.png", "reconstructions.png", "fashion-vae.onnx"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	x := ir.Zeros(ir.Float32, []int{2, 1, 28, 28})
	for i := range x.Len() {
		x.SetFloat64At(i, float64(i%31)/30)
	}
	if _, checked := matchesORT(t, filepath.Join(out, "fashion-vae.onnx"), "input", x); !checked {
		t.Skip("ONNX Runtime not found: the export is not checked")
	}
}

// TestTrainDCGAN runs the GAN spec briefly: alternating steps, finite
// losses, the sample grid, the loss curves and the generator's export.
func TestTrainDCGAN(t *testing.T) {
	needFashion(t)
	out := t.TempDir()
	stdout, stderr, code := dlc(t, "train", "../../examples/train/fashion-dcgan.yaml", "--out", out, "--json", "--epochs", "1",
		"--set", "data.limit=1280", "--batch-size", "32")
	if code != 0 {
		t.Fatalf("dlc train: %s", stderr)
	}
	var fig struct {
		Steps int     `json:"steps"`
		DLoss float64 `json:"discriminator_loss"`
		GLoss float64 `json:"generator_loss"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &fig); err != nil {
		t.Fatalf("--json printed %q: %v", stdout, err)
	}
	if fig.Steps != 40 || !(fig.DLoss > 0) || !(fig.GLoss > 0) || math.IsInf(fig.DLoss+fig.GLoss, 0) {
		t.Errorf("final figures %+v", fig)
	}
	for _, f := range []string{"samples.png", "losses.csv", "losses.png", "fashion-dcgan-generator.onnx"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	z := ir.Zeros(ir.Float32, []int{3, 32})
	for i := range z.Len() {
		z.SetFloat64At(i, math.Sin(float64(i)))
	}
	if _, checked := matchesORT(t, filepath.Join(out, "fashion-dcgan-generator.onnx"), "input", z); !checked {
		t.Skip("ONNX Runtime not found: the export is not checked")
	}
}

// TestTrainContrastive runs the contrastive spec briefly: NT-Xent on two
// augmented views, then the k-NN check on embeddings and raw pixels.
// After 62 steps the embeddings' 5-NN accuracy must be within 4 points of
// the raw pixels' (measured: 85.7% against 83.7%, and 81.3–84.3% with
// seeds 2–4); the recipe before the random resized crop and the MLP head
// reached 73.7% here (75.7% with seed 2) and fails.
func TestTrainContrastive(t *testing.T) {
	needFashion(t)
	out := t.TempDir()
	stdout, stderr, code := dlc(t, "train", "../../examples/train/fashion-contrastive.yaml", "--out", out, "--json", "--epochs", "2",
		"--set", "data.limit=2000", "--set", "data.test_limit=300", "--batch-size", "64")
	if code != 0 {
		t.Fatalf("dlc train: %s", stderr)
	}
	var fig struct {
		Steps    int     `json:"steps"`
		Loss     float64 `json:"loss"`
		KNN      float64 `json:"knn_accuracy"`
		PixelKNN float64 `json:"pixel_knn_accuracy"`
		Exported string  `json:"exported"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &fig); err != nil {
		t.Fatalf("--json printed %q: %v", stdout, err)
	}
	// NT-Xent of 128 rows starts near log(127) ≈ 4.84; k-NN of 10
	// classes by chance is 0.1.
	if fig.Steps != 62 || !(fig.Loss > 0 && fig.Loss < 3) || fig.PixelKNN < 0.7 {
		t.Errorf("final figures %+v", fig)
	}
	if fig.KNN < fig.PixelKNN-0.04 {
		t.Errorf("embeddings' 5-NN accuracy %.3f is more than 4 points below the raw pixels' %.3f", fig.KNN, fig.PixelKNN)
	}
	if _, err := os.Stat(fig.Exported); err != nil {
		t.Error(err)
	}
}

// resumeMatches trains spec (with args) for two epochs in one run, and
// for one then, with --resume, a second: the final --json figures, decoded
// into F, must be equal.
func resumeMatches[F comparable](t *testing.T, spec string, args ...string) {
	t.Helper()
	needFashion(t)
	train := func(out string, epochs string, extra ...string) F {
		all := append(append([]string{"train", spec, "--out", out, "--json", "--epochs", epochs}, args...), extra...)
		stdout, stderr, code := dlc(t, all...)
		if code != 0 {
			t.Fatalf("dlc train: %s", stderr)
		}
		var f F
		if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &f); err != nil {
			t.Fatalf("--json printed %q: %v", stdout, err)
		}
		return f
	}
	whole := train(t.TempDir(), "2")
	dir := t.TempDir()
	train(dir, "1")
	if resumed := train(dir, "2", "--resume"); resumed != whole {
		t.Errorf("resumed run ends with %+v, uninterrupted %+v", resumed, whole)
	}
}

// TestTrainDCGANResume: one epoch, then --resume for a second, ends with
// the same last-epoch losses (to the bit) as two epochs in one run.
func TestTrainDCGANResume(t *testing.T) {
	resumeMatches[struct {
		Steps int     `json:"steps"`
		DLoss float64 `json:"discriminator_loss"`
		GLoss float64 `json:"generator_loss"`
	}](t, "../../examples/train/fashion-dcgan.yaml", "--set", "data.limit=320", "--batch-size", "32", "--threads", "1")
}

// TestTrainContrastiveResume: one epoch, then --resume for a second, ends
// with the figures of two epochs in one run.
func TestTrainContrastiveResume(t *testing.T) {
	resumeMatches[struct {
		Steps int     `json:"steps"`
		Loss  float64 `json:"loss"`
		KNN   float64 `json:"knn_accuracy"`
	}](t, "../../examples/train/fashion-contrastive.yaml", "--set", "data.limit=320", "--set", "data.test_limit=100", "--batch-size", "32", "--threads", "1")
}

// TestTrainShortCNNMixedPrecision runs the shortened CNN example in
// float32, bf16 and fp16 (with dynamic loss scaling): the reduced
// precisions learn as float32 does, within a few points on 500 test
// images, and fp16 reports its loss scale.
func TestTrainShortCNNMixedPrecision(t *testing.T) {
	needFashion(t)
	acc := map[string]float64{}
	for _, p := range []string{"float32", "bf16", "fp16"} {
		stdout, stderr, code := dlc(t, "train", "../../examples/train/fashion-cnn.yaml", "--out", t.TempDir(), "--json", "--epochs", "1",
			"--precision", p, "--set", "data.limit=1280", "--set", "data.test_limit=500", "--set", "early_stopping.patience=0", "--set", "export=")
		if code != 0 {
			t.Fatalf("dlc train --precision %s: %s", p, stderr)
		}
		var fig struct {
			TestAccuracy float64 `json:"test_accuracy"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &fig); err != nil {
			t.Fatalf("--json printed %q: %v", stdout, err)
		}
		acc[p] = fig.TestAccuracy
		if p == "fp16" && !strings.Contains(stderr, "loss scale") {
			t.Errorf("fp16 run did not report its loss scale:\n%s", stderr)
		}
	}
	for _, p := range []string{"bf16", "fp16"} {
		if acc[p] < 0.5 || math.Abs(acc[p]-acc["float32"]) > 0.05 {
			t.Errorf("test accuracy %s %.3f, float32 %.3f", p, acc[p], acc["float32"])
		}
	}
}
