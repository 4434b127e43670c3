package words

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dlc-go/dlc/frontend/npy"
	"github.com/dlc-go/dlc/internal/atomicfile"
	"github.com/dlc-go/dlc/ir"
)

// Files are the names Write gives its files in the output folder.
var Files = []string{"train-x.npy", "train-y.npy", "test-x.npy", "test-y.npy", "classes.txt"}

// Write writes the dataset into dir (created if needed): train-x.npy and
// test-x.npy (int64 [N, Steps] token ids), train-y.npy and test-y.npy
// (int64 [N] labels) and classes.txt (the languages in label order, one
// a line). Each file is written to a temporary file and renamed into
// place, classes.txt last: a reader sees whole files, and classes.txt
// says the set is complete.
func (d *Dataset) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	arrays := []struct {
		name  string
		shape []int
		data  []int64
	}{
		{Files[0], []int{len(d.Train.Y), d.Steps}, d.Train.X},
		{Files[1], []int{len(d.Train.Y)}, d.Train.Y},
		{Files[2], []int{len(d.Test.Y), d.Steps}, d.Test.X},
		{Files[3], []int{len(d.Test.Y)}, d.Test.Y},
	}
	for _, a := range arrays {
		b, err := npy.Encode(&ir.Tensor{DType: ir.Int64, Shape: a.shape, Data: a.data})
		if err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
		if err := atomicfile.Write(filepath.Join(dir, a.name), b, 0o644); err != nil {
			return err
		}
	}
	classes := strings.Join(d.Languages, "\n") + "\n"
	return atomicfile.Write(filepath.Join(dir, Files[4]), []byte(classes), 0o644)
}
