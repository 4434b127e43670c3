// Package realmodels checks dlc end to end on real network architectures
// exported from PyTorch: ResNet-18, MobileNetV2, a small BERT-like encoder
// and an LSTM classifier, each at opset 13 and 17. The models (random
// weights) and PyTorch's outputs for them are made by
// scripts/export_torch_models.py into a cache folder; the test runs the dlc
// command on each model's inputs and compares with PyTorch's outputs.
package realmodels

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
)

// models are the folders the export script writes into the cache.
var models = []string{
	"resnet18_op13", "resnet18_op17",
	"mobilenet_v2_op13", "mobilenet_v2_op17",
	"tiny_bert_op13", "tiny_bert_op17",
	"lstm_classifier_op13", "lstm_classifier_op17",
}

// Tolerance. Every float element must satisfy
//
//	|got - want| <= RelTol * max(|want|, FloorFrac * max|want over the output|)
//
// that is, a 1e-4 relative error for every element at least 1% the size of
// the output's largest element, and an absolute error of 1e-6 times that
// largest element for the smaller ones. The floor exists because PyTorch's
// float32 result is itself not exact: against a float64 run of the same
// model it is off by up to 6e-4 relative on near-zero elements (tiny_bert
// pooled output, with a floor of 1e-4·max), while with this floor its own
// error stays under 4e-5. A looser floor would hide real bugs; a tighter
// one would test PyTorch's rounding, not dlc.
const (
	RelTol    = 1e-4
	FloorFrac = 1e-2
)

// runTimeout bounds one dlc run; the reference Conv is the slow part.
const runTimeout = 5 * time.Minute

var (
	repoRoot string
	dlcBin   string // the dlc command built by TestMain
	buildErr error
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	repoRoot = filepath.Join(wd, "..", "..")
	tmp, err := os.MkdirTemp("", "dlc-realmodels-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	dlcBin = filepath.Join(tmp, "dlc")
	if testing.Short() {
		return m.Run() // TestRealModels skips; no need to build
	}
	// Build once here rather than per subtest; a failure is reported by the
	// test (not here) so that skips stay quiet.
	cmd := exec.Command("go", "build", "-o", dlcBin, "./cmd/dlc")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		buildErr = fmt.Errorf("go build ./cmd/dlc: %v\n%s", err, out)
	}
	return m.Run()
}

// skipOrFail skips the test, or fails it when running in CI, where the
// models must be available.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// cacheDir returns the model cache, exporting the models into it first
// when some are missing.
func cacheDir(t *testing.T) string {
	dir := os.Getenv("DLC_MODEL_CACHE")
	if dir == "" {
		dir = filepath.Join(repoRoot, ".cache", "models")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if missing := missingModels(dir); len(missing) > 0 {
		python := "/usr/bin/python3"
		if _, err := os.Stat(python); err != nil {
			if python, err = exec.LookPath("python3"); err != nil {
				skipOrFail(t, "models %v not in %s and no python3 to export them", missing, dir)
			}
		}
		if err := exec.Command(python, "-c", "import torch, torchvision, onnx").Run(); err != nil {
			skipOrFail(t, "models %v not in %s and %s lacks torch/torchvision/onnx to export them", missing, dir, python)
		}
		t.Logf("exporting models into %s", dir)
		cmd := exec.Command(python, filepath.Join(repoRoot, "scripts", "export_torch_models.py"), dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("export_torch_models.py: %v\n%s", err, out)
		}
		if missing := missingModels(dir); len(missing) > 0 {
			t.Fatalf("export_torch_models.py did not write %v", missing)
		}
	}
	return dir
}

func missingModels(dir string) []string {
	var missing []string
	for _, m := range models {
		if _, err := os.Stat(filepath.Join(dir, m, "test_data_set_0", "output_0.pb")); err != nil {
			missing = append(missing, m)
		}
	}
	return missing
}

func TestRealModels(t *testing.T) {
	if testing.Short() {
		t.Skip("real models are slow; skipped in -short mode")
	}
	dir := cacheDir(t)
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	for _, m := range models {
		t.Run(m, func(t *testing.T) {
			start := time.Now()
			defer func() { t.Logf("%s: wall time %.1fs", m, time.Since(start).Seconds()) }()
			checkModel(t, filepath.Join(dir, m))
		})
	}
}

// checkModel runs `dlc run` on the model's test_data_set_0 inputs and
// compares each output with PyTorch's.
func checkModel(t *testing.T, dir string) {
	set := filepath.Join(dir, "test_data_set_0")
	inputs, _ := filepath.Glob(filepath.Join(set, "input_*.pb"))
	wants, _ := filepath.Glob(filepath.Join(set, "output_*.pb"))
	if len(inputs) == 0 || len(wants) == 0 {
		t.Fatalf("%s: no input_*.pb or output_*.pb", set)
	}
	// Glob sorts by name, which is index order for fewer than 11 files.
	args := []string{"run", filepath.Join(dir, "model.onnx")}
	for _, in := range inputs {
		args = append(args, "-i", in)
	}
	outDir := t.TempDir()
	args = append(args, "-o", outDir)

	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, dlcBin, args...).CombinedOutput()
	t.Logf("dlc run: %.1fs", time.Since(start).Seconds())
	if err != nil {
		t.Fatalf("dlc %v: %v\n%s", args, err, out)
	}

	for k := range wants {
		name := fmt.Sprintf("output_%d.pb", k)
		want, _, err := onnx.ReadTensorFile(filepath.Join(set, name))
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := onnx.ReadTensorFile(filepath.Join(outDir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		maxRel, err := compare(got, want)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		t.Logf("%s %s: max relative error %.3g", name, want, maxRel)
	}
	if extra, _ := filepath.Glob(filepath.Join(outDir, fmt.Sprintf("output_%d.pb", len(wants)))); len(extra) > 0 {
		t.Errorf("dlc wrote more than the %d outputs PyTorch has", len(wants))
	}
}

// compare checks dtype, shape and values. For float tensors it returns the
// largest error as a fraction of the tolerance criterion's scale
// (|got-want| / max(|want|, FloorFrac*max|want|)), which must stay within
// RelTol; other dtypes must match exactly.
func compare(got, want *ir.Tensor) (float64, error) {
	if got.DType != want.DType {
		return 0, fmt.Errorf("dtype %s, want %s", got.DType, want.DType)
	}
	if !slices.Equal(got.Shape, want.Shape) {
		return 0, fmt.Errorf("shape %v, want %v", got.Shape, want.Shape)
	}
	if !want.DType.IsFloat() {
		if !reflect.DeepEqual(got.Data, want.Data) {
			return 0, fmt.Errorf("values differ")
		}
		return 0, nil
	}
	g, w := got.Float64s(), want.Float64s()
	peak := 0.0
	for _, v := range w {
		peak = math.Max(peak, math.Abs(v))
	}
	floor := FloorFrac * peak
	maxRel, bad, first := 0.0, 0, -1
	for i := range w {
		scale := math.Max(math.Abs(w[i]), floor)
		diff := math.Abs(g[i] - w[i])
		// Written so NaN in got fails: NaN <= x is false.
		if !(diff <= RelTol*scale) {
			bad++
			if first < 0 {
				first = i
			}
		}
		switch {
		case math.IsNaN(diff):
			maxRel = math.Inf(1)
		case diff > 0: // scale > 0 here unless the check above failed
			maxRel = math.Max(maxRel, diff/scale)
		}
	}
	if bad > 0 {
		return maxRel, fmt.Errorf("%d of %d elements outside tolerance (max relative error %.3g); first at flat index %d: got %g, want %g (tolerance %.3g)",
			bad, len(w), maxRel, first, g[first], w[first], RelTol*math.Max(math.Abs(w[first]), floor))
	}
	return maxRel, nil
}
