package data

import (
	"fmt"
	"os"
	"path/filepath"
)

// LoadMNIST reads one part of MNIST or Fashion-MNIST from dir, where the
// files keep their published names: part "train" reads
// train-images-idx3-ubyte and train-labels-idx1-ubyte, part "t10k" the test
// set; each may end in .gz. Samples are 28x28 bytes (0..255) with 10
// classes.
func LoadMNIST(dir, part string) (*Memory, error) {
	if part != "train" && part != "t10k" {
		return nil, fmt.Errorf("MNIST part %q is neither \"train\" nor \"t10k\"", part)
	}
	images, err := findFile(dir, part+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	labels, err := findFile(dir, part+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	return LoadIDX(images, labels, IDXOptions{SampleShape: []int{28, 28}, NumClasses: 10})
}

// findFile returns dir/name.gz or dir/name, whichever exists.
func findFile(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: neither %s nor %s.gz exists", dir, name, name)
}
