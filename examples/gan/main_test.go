package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestShortRun trains for 10 steps: both losses are finite and the
// sample grid and loss curves are written.
func TestShortRun(t *testing.T) {
	dir := "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
		}
		t.Skip("Fashion-MNIST is not installed")
	}
	out := t.TempDir()
	losses, err := run(dir, out, 1, 640)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range losses {
		if math.IsNaN(l) || math.IsInf(l, 0) || l <= 0 {
			t.Errorf("losses %v", losses)
		}
	}
	for _, f := range []string{"samples.png", "losses.csv", "losses.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("missing %s: %v", f, err)
		}
	}
}
