package words

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/npy"
	"github.com/dlc-go/dlc/ir"
)

// Write puts every array and classes.txt in place, replaces an older
// set, and leaves no temporary file behind.
func TestWrite(t *testing.T) {
	lists, _ := testLists(t)
	d, err := Build(Options{Lists: lists, Steps: 8, Train: 40, Test: 5})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "words")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train-x.npy"), []byte("an older, broken file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file  string
		shape []int
		data  []int64
	}{
		{"train-x.npy", []int{120, 8}, d.Train.X},
		{"train-y.npy", []int{120}, d.Train.Y},
		{"test-x.npy", []int{15, 8}, d.Test.X},
		{"test-y.npy", []int{15}, d.Test.Y},
	} {
		got, err := npy.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if got.DType != ir.Int64 || !slices.Equal(got.Shape, c.shape) || !slices.Equal(got.Data.([]int64), c.data) {
			t.Errorf("%s: %s %v, want int64 %v holding the split", c.file, got.DType, got.Shape, c.shape)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "classes.txt")); string(b) != "lang0\nlang1\nlang2\n" {
		t.Errorf("classes.txt = %q", b)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(Files))
	if !slices.Equal(names, want) {
		t.Errorf("folder holds %v, want only %v", names, want)
	}

	// A target that cannot be replaced (a folder in the way) is an
	// error; no temporary file stays, and classes.txt, written last, is
	// not written.
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.MkdirAll(filepath.Join(bad, "test-x.npy", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = d.Write(bad)
	if err == nil || !strings.Contains(err.Error(), "test-x.npy") {
		t.Fatalf("writing over a folder: %v", err)
	}
	entries, _ = os.ReadDir(bad)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") || e.Name() == "classes.txt" {
			t.Errorf("a failed write left %s", e.Name())
		}
	}
}
