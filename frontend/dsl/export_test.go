package dsl

import (
	"encoding/binary"
	"encoding/json"
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

// exportedCNN builds the reference CNN with non-trivial running
// statistics (so that Eval BatchNorm does something), exports it and
// returns the model, the file and a random batch.
func exportedCNN(t *testing.T) (*Model, string, *ir.Tensor) {
	m := mustBuild(t, FashionCNN(), 11)
	r := rand.New(rand.NewPCG(11, 1))
	for _, s := range m.State() {
		v := s.Value.Clone()
		for i := range v.Len() {
			v.SetFloat64At(i, v.Float64At(i)+0.5*r.Float64())
		}
		if err := m.SetParam(s.Name, v); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "cnn.onnx")
	if err := m.Export(path); err != nil {
		t.Fatal(err)
	}
	return m, path, randomInput(m, 5, r)
}

func maxDiff(a, b *ir.Tensor) float64 {
	d := 0.0
	for i := range a.Len() {
		d = max(d, math.Abs(a.Float64At(i)-b.Float64At(i)))
	}
	return d
}

// The exported file loads back and computes what the in-memory Eval graph
// computes.
func TestExportRoundTrip(t *testing.T) {
	m, path, x := exportedCNN(t)
	loaded, err := onnx.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	g := loaded.Graph
	if len(g.Inputs) != 1 || g.Inputs[0].Name != InputName || g.Inputs[0].Type.Shape.Dims[0].Sym != BatchDim ||
		len(g.Outputs) != 1 || g.Outputs[0].Name != OutputName {
		t.Fatalf("exported graph: inputs %v outputs %v", g.Inputs, g.Outputs)
	}
	if v := loaded.Opsets[""]; v < 15 {
		t.Errorf("exported at opset %d", v)
	}
	mem, err := m.Graph(Eval, 0)
	if err != nil {
		t.Fatal(err)
	}
	feeds := map[string]ir.Data{InputName: x}
	want := run(t, mem, runtime.DefaultOptions(), feeds)[0]
	got := run(t, loaded, runtime.DefaultOptions(), feeds)[0]
	checkFinite(t, "logits", got, 5, 10)
	d := maxDiff(got, want)
	t.Logf("exported at opset %d; largest difference after the round trip: %g", loaded.Opsets[""], d)
	if d > 1e-5 {
		t.Errorf("exported model differs from the in-memory one by %g", d)
	}
}

// ONNX Runtime computes the same logits from the exported file, when it
// is installed (node and onnxruntime-node under .cache/npm, as
// internal/ortcheck uses them).
func TestExportMatchesONNXRuntime(t *testing.T) {
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
		t.Skipf("ONNX Runtime for Node.js not available (%v); only the dlc round trip is checked", err)
	}
	m, path, x := exportedCNN(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.bin")
	if err := os.WriteFile(in, onnx.TensorToProto(x, "").RawData, 0o644); err != nil {
		t.Fatal(err)
	}
	dims := make([]int64, len(x.Shape))
	for i, d := range x.Shape {
		dims[i] = int64(d)
	}
	job, _ := json.Marshal(map[string]any{"cases": []any{map[string]any{
		"model": path, "outputs_dir": filepath.Join(dir, "out"),
		"inputs": []any{map[string]any{"name": InputName, "dtype": "float32", "dims": dims, "file": in}},
	}}})
	jobFile := filepath.Join(dir, "job.json")
	if err := os.WriteFile(jobFile, job, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, filepath.Join(repo, "scripts", "ort_run.js"), modules, jobFile).CombinedOutput(); err != nil {
		t.Fatalf("ort_run.js: %v: %s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Outputs []struct {
			Name  string
			DType string
			Dims  []int
			File  string
		}
		Error string
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if man.Error != "" || len(man.Outputs) != 1 || man.Outputs[0].DType != "float32" {
		t.Fatalf("ONNX Runtime: %s (outputs %+v)", man.Error, man.Outputs)
	}
	raw, err := os.ReadFile(man.Outputs[0].File)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]float32, len(raw)/4)
	for i := range vals {
		vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	ort := ir.FromSlice(man.Outputs[0].Dims, vals)
	mem, err := m.Graph(Eval, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := run(t, mem, runtime.DefaultOptions(), map[string]ir.Data{InputName: x})[0]
	checkFinite(t, "ORT logits", ort, 5, 10)
	d := maxDiff(ort, want)
	t.Logf("largest difference from ONNX Runtime: %g", d)
	if d > 1e-4 {
		t.Errorf("ONNX Runtime's logits differ from dlc's by %g", d)
	}
}
