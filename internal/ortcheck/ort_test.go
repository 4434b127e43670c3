package ortcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// This file is the Go half of scripts/ort_run.js: it writes the job file
// and input tensors in the script's format, runs one node process for all
// cases, and reads the outputs back as ir.Tensors.

// ortTypes are onnxruntime-node's names of the dtypes it can pass in and
// out of a session. bfloat16 has none: the binding cannot build such a
// tensor, so cases with bfloat16 inputs or outputs are skipped.
var ortTypes = map[ir.DType]string{
	ir.Float32: "float32", ir.Float64: "float64", ir.Float16: "float16",
	ir.Int8: "int8", ir.Uint8: "uint8", ir.Int16: "int16", ir.Uint16: "uint16",
	ir.Int32: "int32", ir.Uint32: "uint32", ir.Int64: "int64", ir.Uint64: "uint64",
	ir.Bool: "bool", ir.String: "string",
}

// jobTensor is one tensor of the job file or of a case's manifest.
type jobTensor struct {
	Name  string  `json:"name"`
	DType string  `json:"dtype"`
	Dims  []int64 `json:"dims"`
	File  string  `json:"file"`
}

// jobCase is one model run of the job file.
type jobCase struct {
	Model      string      `json:"model"`
	Inputs     []jobTensor `json:"inputs"`
	OutputsDir string      `json:"outputs_dir"`
}

// manifest is what the script writes for a case: outputs, or an error.
type manifest struct {
	Outputs []jobTensor `json:"outputs"`
	Error   string      `json:"error"`
}

// writeTensor stores t for the script under dir and describes it.
func writeTensor(dir, name string, k int, t *ir.Tensor) (jobTensor, error) {
	dt, ok := ortTypes[t.DType]
	if !ok {
		return jobTensor{}, fmt.Errorf("input %q: onnxruntime-node cannot pass %s tensors", name, t.DType)
	}
	jt := jobTensor{Name: name, DType: dt, Dims: make([]int64, len(t.Shape))}
	for i, d := range t.Shape {
		jt.Dims[i] = int64(d)
	}
	var b []byte
	if t.DType == ir.String {
		var err error
		if b, err = json.Marshal(t.Data.([]string)); err != nil {
			return jobTensor{}, err
		}
		jt.File = filepath.Join(dir, fmt.Sprintf("in_%d.json", k))
	} else {
		// TensorToProto's raw_data is exactly the script's encoding.
		b = onnx.TensorToProto(t, "").RawData
		jt.File = filepath.Join(dir, fmt.Sprintf("in_%d.bin", k))
	}
	return jt, os.WriteFile(jt.File, b, 0o644)
}

// readTensor reads one output the script wrote.
func readTensor(jt jobTensor) (*ir.Tensor, error) {
	var dt ir.DType
	for d, n := range ortTypes {
		if n == jt.DType {
			dt = d
		}
	}
	if dt == ir.Undefined {
		return nil, fmt.Errorf("output %q: ORT returned unknown dtype %q", jt.Name, jt.DType)
	}
	b, err := os.ReadFile(jt.File)
	if err != nil {
		return nil, err
	}
	tp := &onnxpb.TensorProto{DataType: new(int32(dt)), Dims: jt.Dims}
	if dt == ir.String {
		var ss []string
		if err := json.Unmarshal(b, &ss); err != nil {
			return nil, fmt.Errorf("output %q: %w", jt.Name, err)
		}
		for _, s := range ss {
			tp.StringData = append(tp.StringData, []byte(s))
		}
	} else {
		tp.RawData = b
	}
	t, err := onnx.TensorFromProto(tp, "")
	if err != nil {
		return nil, fmt.Errorf("output %q: %w", jt.Name, err)
	}
	return t, nil
}

// readManifest reads a case's manifest; ok is false when there is none.
func readManifest(dir string) (m manifest, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	return m, true, json.Unmarshal(b, &m)
}

// runScript runs scripts/ort_run.js over all cases in one node process. A
// case that crashes the process (ORT aborting in native code) gets a
// manifest with the crash as its error, and the script restarts after it.
// work holds the job files.
func runScript(ctx context.Context, node, script, modules, work string, cases []*jobCase) error {
	for attempt := 0; len(cases) > 0; attempt++ {
		job := filepath.Join(work, fmt.Sprintf("job_%d.json", attempt))
		b, err := json.Marshal(map[string]any{"cases": cases})
		if err != nil {
			return err
		}
		if err := os.WriteFile(job, b, 0o644); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, node, script, modules, job)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		runErr := cmd.Run()
		if ctx.Err() != nil {
			return fmt.Errorf("ort_run.js: %w", ctx.Err())
		}
		// Cases run in order: the first one without a manifest is the one
		// running when the process died.
		crashed := -1
		for i, c := range cases {
			if _, ok, _ := readManifest(c.OutputsDir); !ok {
				crashed = i
				break
			}
		}
		if crashed < 0 {
			return nil
		}
		if runErr == nil {
			return fmt.Errorf("ort_run.js exited cleanly without running %s", cases[crashed].Model)
		}
		msg := fmt.Sprintf("onnxruntime-node crashed (%v): %s", runErr, lastLine(stderr.String()))
		b, _ = json.Marshal(manifest{Error: msg})
		if err := os.MkdirAll(cases[crashed].OutputsDir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(cases[crashed].OutputsDir, "manifest.json"), b, 0o644); err != nil {
			return err
		}
		cases = cases[crashed+1:]
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
