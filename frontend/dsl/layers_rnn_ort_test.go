package dsl

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// ORTCase is one exported float32 model and its input for ORTOutputs.
type ORTCase struct {
	Path string
	X    *ir.Tensor
}

// ORTOutputs runs every case through ONNX Runtime (node and
// onnxruntime-node under .cache/npm, or DLC_ORT_NODE_MODULES) in one
// process and returns each case's first output, or the error ORT gave.
// It skips t when ONNX Runtime is not installed. Exported for the
// external tests that train DSL models (package dsl_test).
func ORTOutputs(t *testing.T, cases []ORTCase) ([]*ir.Tensor, []error) {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	modules := os.Getenv("DLC_ORT_NODE_MODULES")
	if modules == "" {
		modules = filepath.Join(repo, ".cache", "npm", "node_modules")
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(modules, "onnxruntime-node", "package.json"))
	}
	if err != nil {
		t.Skipf("ONNX Runtime for Node.js not available (%v); the export is checked against dlc only", err)
	}
	dir := t.TempDir()
	var jobs []any
	for i, c := range cases {
		in := filepath.Join(dir, fmt.Sprintf("in%d.bin", i))
		if err := os.WriteFile(in, onnx.TensorToProto(c.X, "").RawData, 0o644); err != nil {
			t.Fatal(err)
		}
		dims := make([]int64, len(c.X.Shape))
		for j, d := range c.X.Shape {
			dims[j] = int64(d)
		}
		jobs = append(jobs, map[string]any{"model": c.Path, "outputs_dir": filepath.Join(dir, fmt.Sprintf("out%d", i)),
			"inputs": []any{map[string]any{"name": InputName, "dtype": "float32", "dims": dims, "file": in}}})
	}
	job, _ := json.Marshal(map[string]any{"cases": jobs})
	jobFile := filepath.Join(dir, "job.json")
	if err := os.WriteFile(jobFile, job, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, filepath.Join(repo, "scripts", "ort_run.js"), modules, jobFile).CombinedOutput(); err != nil {
		t.Fatalf("ort_run.js: %v: %s", err, out)
	}
	outs, errs := make([]*ir.Tensor, len(cases)), make([]error, len(cases))
	for i := range cases {
		outs[i], errs[i] = readORTOutput(filepath.Join(dir, fmt.Sprintf("out%d", i), "manifest.json"))
	}
	return outs, errs
}

// readORTOutput reads the first float32 output of an ort_run.js manifest.
func readORTOutput(manifest string) (*ir.Tensor, error) {
	b, err := os.ReadFile(manifest)
	if err != nil {
		return nil, err
	}
	var man struct {
		Outputs []struct {
			DType string
			Dims  []int
			File  string
		}
		Error string
	}
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, err
	}
	if man.Error != "" || len(man.Outputs) == 0 || man.Outputs[0].DType != "float32" {
		return nil, fmt.Errorf("ONNX Runtime: %q (outputs %+v)", man.Error, man.Outputs)
	}
	raw, err := os.ReadFile(man.Outputs[0].File)
	if err != nil {
		return nil, err
	}
	vals := make([]float32, len(raw)/4)
	for i := range vals {
		vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return ir.FromSlice(man.Outputs[0].Dims, vals), nil
}

// ONNX Runtime computes from the exported recurrent layers what dlc's
// Eval graph computes, for every cell and every option combination of
// the sequence-first export (ORT rejects layout 1).
func TestRecurrentExportMatchesONNXRuntime(t *testing.T) {
	const steps, features, hidden, batch = 5, 3, 4, 3
	type exported struct {
		name string
		m    *Model
	}
	var runs []exported
	var cases []ORTCase
	dir := t.TempDir()
	for kind, k := range rnnKinds {
		for _, c := range rnnCases() {
			if c.layout != 0 {
				continue
			}
			m := rnnModel(t, kind, c, ir.Float32, steps, features, hidden)
			path := filepath.Join(dir, fmt.Sprintf("m%d.onnx", len(runs)))
			if err := m.Export(path); err != nil {
				t.Fatal(err)
			}
			runs = append(runs, exported{k.name + "/" + c.String(), m})
			cases = append(cases, ORTCase{path, randomInput(m, batch, rand.New(rand.NewPCG(uint64(len(runs)), 1)))})
		}
	}
	ort, errs := ORTOutputs(t, cases)
	worst := 0.0
	for i, r := range runs {
		if errs[i] != nil {
			t.Errorf("%s: %v", r.name, errs[i])
			continue
		}
		g, err := r.m.Graph(Eval, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := run(t, g, runtime.DefaultOptions(), map[string]ir.Data{InputName: cases[i].X})[0]
		if fmt.Sprint(ort[i].Shape) != fmt.Sprint(want.Shape) {
			t.Errorf("%s: ONNX Runtime gives shape %v, dlc %v", r.name, ort[i].Shape, want.Shape)
			continue
		}
		d := maxDiff(ort[i], want)
		worst = max(worst, d)
		if d > 1e-5 {
			t.Errorf("%s: ONNX Runtime differs from dlc by %g", r.name, d)
		}
	}
	t.Logf("%d exported models; largest difference from ONNX Runtime %g", len(runs), worst)
}
