package data

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// fashionDir is where the Debian package dataset-fashion-mnist installs
// Fashion-MNIST.
const fashionDir = "/usr/share/datasets/fashion-mnist"

// TestFashionMNIST reads the real data set when it is installed.
func TestFashionMNIST(t *testing.T) {
	if _, err := os.Stat(filepath.Join(fashionDir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST not installed at %s (apt-get install dataset-fashion-mnist): %v", fashionDir, err)
	}
	if testing.Short() || raceEnabled {
		t.Skip("reading 70000 images takes seconds; skipped in -short and -race runs (the plain run reads them)")
	}
	for _, c := range []struct {
		prefix string
		n      int
	}{{"train", 60000}, {"t10k", 10000}} {
		m, err := LoadMNIST(fashionDir, c.prefix)
		if err != nil {
			t.Fatal(err)
		}
		if m.Len() != c.n || m.Labels().NumClasses != 10 {
			t.Fatalf("%s: %d samples, %d classes; want %d, 10", c.prefix, m.Len(), m.Labels().NumClasses, c.n)
		}
		count := make([]int, 10)
		for _, y := range m.Classes {
			count[y]++ // NewClassification checked 0 <= y < 10
		}
		for k, n := range count {
			// Fashion-MNIST is balanced: exactly n/10 per class.
			if n != c.n/10 {
				t.Errorf("%s: class %d has %d samples, want %d", c.prefix, k, n, c.n/10)
			}
		}
		lo, hi := float32(255), float32(0)
		for _, v := range m.X {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != 0 || hi != 255 {
			t.Errorf("%s: pixel range [%v, %v], want [0, 255]", c.prefix, lo, hi)
		}
		if c.prefix == "train" {
			// The published statistics of the training images.
			n := ComputeNorm(m, ByteScale, false)
			if math.Abs(float64(n.Mean[0])-0.2860) > 1e-3 || math.Abs(float64(n.Std[0])-0.3530) > 1e-3 {
				t.Errorf("train mean %v std %v, want about 0.2860 and 0.3530", n.Mean[0], n.Std[0])
			}
		}
	}
}
