package realmodels

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// TestRealModelsFastPath holds every real model to what serving needs:
// with the default options the whole model compiles to one plan, every
// step runs on a fast kernel (or is a view), the outputs match PyTorch's,
// and RunInto allocates nothing in steady state, so the garbage collector
// never runs while serving.
func TestRealModelsFastPath(t *testing.T) {
	if testing.Short() {
		t.Skip("real models are slow; skipped in -short mode")
	}
	dir := cacheDir(t)
	for _, name := range models {
		t.Run(name, func(t *testing.T) {
			set := filepath.Join(dir, name, "test_data_set_0")
			m, err := onnx.Load(filepath.Join(dir, name, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			s, err := runtime.New(m, runtime.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			var ins []*ir.Tensor
			shapes := map[string][]int{}
			for k, v := range s.Inputs() {
				x, _, err := onnx.ReadTensorFile(filepath.Join(set, fmt.Sprintf("input_%d.pb", k)))
				if err != nil {
					t.Fatal(err)
				}
				ins = append(ins, x)
				shapes[v.Name] = x.Shape
			}
			info, err := s.Plan(shapes)
			if err != nil {
				t.Fatal(err)
			}
			if info.Interpreted != "" {
				t.Fatalf("runs on the interpreter: %s", info.Interpreted)
			}
			for _, st := range info.StepList {
				if st.Kernel == "ref" {
					t.Errorf("step %s (%s) runs on its reference kernel", st.Node, st.Op)
				}
			}
			var outs []*ir.Tensor
			for k := range s.Outputs() {
				want, _, err := onnx.ReadTensorFile(filepath.Join(set, fmt.Sprintf("output_%d.pb", k)))
				if err != nil {
					t.Fatal(err)
				}
				outs = append(outs, ir.Zeros(want.DType, want.Shape))
				defer func(k int, want *ir.Tensor) {
					if _, err := compare(outs[k], want); err != nil {
						t.Errorf("output %d: %v", k, err)
					}
				}(k, want)
			}
			if err := s.RunInto(ins, outs); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(5, func() {
				if err := s.RunInto(ins, outs); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 && !raceEnabled {
				t.Errorf("RunInto allocates %v times per run, want 0", allocs)
			}
		})
	}
}
