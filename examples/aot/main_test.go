package main

import (
	"os"
	"testing"

	"github.com/dlc-go/dlc/examples/aot/fashion"
)

// TestCompiledModelClassifies runs the compiled CNN on the first test
// images: it must classify most of them (PyTorch's accuracy for this
// model is 87.5%).
func TestCompiledModelClassifies(t *testing.T) {
	dir := "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
		}
		t.Skip("Fashion-MNIST not installed")
	}
	acc, err := classify(dir, 500, false)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.8 {
		t.Errorf("accuracy %.3f on 500 test images, want ≥ 0.8", acc)
	}
	if _, err := fashion.New(); err != nil {
		t.Fatal(err)
	}
}
