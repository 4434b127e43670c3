package main

import (
	"path/filepath"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
)

func TestDemoExportsALoadableModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mlp.onnx")
	if err := demo(path, 2, 1); err != nil {
		t.Fatal(err)
	}
	m, err := onnx.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Graph.Inits); n != 6 {
		t.Errorf("exported MLP has %d initializers, want 6 (3 weights, 3 biases)", n)
	}
	if err := demo(path, 0, 1); err == nil {
		t.Error("a zero batch was accepted")
	}
}
