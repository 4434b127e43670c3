package onnx

import (
	"path/filepath"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
	"github.com/dlc-go/dlc/runtime"
)

// An optimized model (with dlc-domain fused ops) saves and loads back, and
// computes what the original did.
func TestOptimizedModelRoundTrip(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "onnx", "cnn")
	m, err := Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := ReadTensorFile(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	opt := ir.CloneModel(m)
	if _, err := passes.Optimize(opt, passes.Options{Level: 2, VerifyEach: true}); err != nil {
		t.Fatal(err)
	}
	fused := false
	for _, n := range opt.Graph.Nodes {
		fused = fused || n.Domain == ir.FusedDomain
	}
	if !fused {
		t.Fatal("level 2 fused nothing in the cnn model; the test needs a fused op")
	}
	path := filepath.Join(t.TempDir(), "opt.onnx")
	if err := Save(opt, path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatalf("loading the optimized model: %v", err)
	}
	run := func(m *ir.Model) []ir.Data {
		s, err := runtime.New(m, runtime.Options{Reference: true})
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Run(map[string]ir.Data{s.Inputs()[0].Name: x})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := tbSameOutputs(run(m), run(back)); err != nil {
		t.Errorf("original vs optimized-and-reloaded: %v", err)
	}
}
