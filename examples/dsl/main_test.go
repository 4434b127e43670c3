package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
)

// TestTrainsAndExports runs the example on 2,000 images for one epoch:
// it learns something and writes a model dlc loads back.
func TestTrainsAndExports(t *testing.T) {
	dir := "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
		}
		t.Skip("Fashion-MNIST is not installed")
	}
	path := filepath.Join(t.TempDir(), "mlp.onnx")
	acc, err := run("mlp", dir, path, 1, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.6 {
		t.Errorf("test accuracy %.3f after one epoch on 2,000 images", acc)
	}
	m, err := onnx.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Graph.Inits); n != 6 {
		t.Errorf("exported MLP has %d initializers, want 6 (3 weights, 3 biases)", n)
	}
	if _, err := run("rnn", dir, path, 1, 10); err == nil {
		t.Error("an unknown model was accepted")
	}
}
