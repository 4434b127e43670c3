package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
)

// ortConfig points at the repository's ort_bench.js and onnxruntime-node,
// skipping the test where they are not installed.
func ortConfig(t *testing.T) config {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	c := config{node: "node", script: filepath.Join(root, "scripts", "ort_bench.js"),
		modules: envOr("DLC_ORT_NODE_MODULES", filepath.Join(root, ".cache", "npm", "node_modules"))}
	if _, err := exec.LookPath(c.node); err != nil {
		t.Skip("node not installed")
	}
	if _, err := os.Stat(filepath.Join(c.modules, "onnxruntime-node", "package.json")); err != nil {
		t.Skip("onnxruntime-node not installed in", c.modules)
	}
	return c
}

// TestORTRunsTestModel drives ort_bench.js through a whole session on the
// small MLP of testdata: its outputs must be the stored expected ones, its
// timings sane, and a bad command must not end the process.
func TestORTRunsTestModel(t *testing.T) {
	c := ortConfig(t)
	dir := filepath.Join("..", "..", "..", "testdata", "onnx", "mlp")
	work := t.TempDir()
	ins, err := testInputs(dir, work)
	if err != nil {
		t.Fatal(err)
	}
	ort, err := startORT(c)
	if err != nil {
		t.Fatal(err)
	}
	defer ort.quit()
	if _, err := ort.run(1, 0, ""); err == nil || !strings.Contains(err.Error(), "run before load") {
		t.Errorf("run before load: err = %v", err)
	}
	if err := ort.load(filepath.Join(dir, "model.onnx"), "mlp", 1, []ortInput{ins[0].ort}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "out")
	r, err := ort.run(5, 1, out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Engine != "ort" || r.Model != "mlp" || r.Threads != 1 || r.Runs != 5 ||
		!(0 < r.P10MS && r.P10MS <= r.MedianMS && r.MedianMS <= r.P90MS) || r.PeakBytes < r.BaseRSSBytes || r.BaseRSSBytes <= 0 {
		t.Errorf("implausible result %+v", r)
	}
	got, err := readORTOutputs(out)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := onnx.ReadDataFile(filepath.Join(dir, "test_data_set_0", "output_0.pb"), ir.Type{Kind: ir.TensorKind})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compareOutputs(got, []*ir.Tensor{d.(*ir.Tensor)}); err != nil {
		t.Errorf("ORT's output against the stored one: %v", err)
	}
}

// TestORTRandomFeeds checks the seeded random inputs the SGEMM rows use:
// the same seed must give the same outputs, another seed others.
func TestORTRandomFeeds(t *testing.T) {
	c := ortConfig(t)
	model := filepath.Join("..", "..", "..", "testdata", "onnx", "mlp", "model.onnx")
	ort, err := startORT(c)
	if err != nil {
		t.Fatal(err)
	}
	defer ort.quit()
	outputs := func(seed int) []*ir.Tensor {
		t.Helper()
		in := ortInput{Name: "x", DType: "float32", Dims: []int64{2, 16}, Random: &seed}
		if err := ort.load(model, "mlp", 2, []ortInput{in}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := ort.run(1, 0, dir); err != nil {
			t.Fatal(err)
		}
		out, err := readORTOutputs(dir)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b, other := outputs(1), outputs(1), outputs(2)
	if !slices.Equal(a[0].Data.([]float32), b[0].Data.([]float32)) {
		t.Error("seed 1 gave different outputs twice")
	}
	if slices.Equal(a[0].Data.([]float32), other[0].Data.([]float32)) {
		t.Error("seeds 1 and 2 gave the same outputs")
	}
}
