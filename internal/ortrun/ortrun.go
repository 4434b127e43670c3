// Package ortrun runs one ONNX model in ONNX Runtime (npm's
// onnxruntime-node, driven by scripts/ort_run.js) for tests that compare
// dlc's outputs with ORT's. internal/ortcheck drives the same script over
// whole suites.
package ortrun

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
)

// Runner knows where node, the script and onnxruntime-node are.
type Runner struct{ node, script, modules string }

// Find locates ORT under the repository root repo (DLC_ORT_NODE_MODULES
// overrides .cache/npm/node_modules); the error says what is missing.
func Find(repo string) (*Runner, error) {
	modules := os.Getenv("DLC_ORT_NODE_MODULES")
	if modules == "" {
		modules = filepath.Join(repo, ".cache", "npm", "node_modules")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(modules, "onnxruntime-node", "package.json")); err != nil {
		return nil, err
	}
	return &Runner{node: node, script: filepath.Join(repo, "scripts", "ort_run.js"), modules: modules}, nil
}

type jobTensor struct {
	Name  string  `json:"name"`
	DType string  `json:"dtype"`
	Dims  []int64 `json:"dims"`
	File  string  `json:"file"`
}

// Run runs model on inputs (by name: float32, or int64 and int32 token
// ids) and returns its float32 outputs in order.
func (r *Runner) Run(model string, inputs map[string]*ir.Tensor) ([]*ir.Tensor, error) {
	dir, err := os.MkdirTemp("", "ortrun-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var ins []jobTensor
	for name, t := range inputs {
		dtype, ok := inputTypes[t.DType]
		if !ok {
			return nil, fmt.Errorf("input %q: %s inputs are not supported (float32, int64, int32 are)", name, t.DType)
		}
		jt := jobTensor{Name: name, DType: dtype, File: filepath.Join(dir, fmt.Sprintf("in_%d.bin", len(ins)))}
		for _, d := range t.Shape {
			jt.Dims = append(jt.Dims, int64(d))
		}
		if err := os.WriteFile(jt.File, onnx.TensorToProto(t, "").RawData, 0o644); err != nil {
			return nil, err
		}
		ins = append(ins, jt)
	}
	out := filepath.Join(dir, "out")
	job, _ := json.Marshal(map[string]any{"cases": []any{map[string]any{"model": model, "outputs_dir": out, "inputs": ins}}})
	jobFile := filepath.Join(dir, "job.json")
	if err := os.WriteFile(jobFile, job, 0o644); err != nil {
		return nil, err
	}
	if b, err := exec.Command(r.node, r.script, r.modules, jobFile).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ort_run.js: %v: %s", err, b)
	}
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var man struct {
		Outputs []jobTensor `json:"outputs"`
		Error   string      `json:"error"`
	}
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, err
	}
	if man.Error != "" {
		return nil, fmt.Errorf("ONNX Runtime: %s", man.Error)
	}
	var res []*ir.Tensor
	for _, jt := range man.Outputs {
		if jt.DType != "float32" {
			return nil, fmt.Errorf("output %q is %s", jt.Name, jt.DType)
		}
		raw, err := os.ReadFile(jt.File)
		if err != nil {
			return nil, err
		}
		shape := make([]int, len(jt.Dims))
		for i, d := range jt.Dims {
			shape[i] = int(d)
		}
		t := ir.Zeros(ir.Float32, shape)
		data := t.Data.([]float32)
		if len(raw) != 4*len(data) {
			return nil, fmt.Errorf("output %q: %d bytes for %v", jt.Name, len(raw), shape)
		}
		for i := range data {
			data[i] = float32frombytes(raw[4*i:])
		}
		res = append(res, t)
	}
	return res, nil
}
