package report

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "metrics.csv")
	appendAll(t, csv, 0, 1, 2, 3, 4)
	out := filepath.Join(dir, "curves.png")
	if err := Plot(csv, out); err != nil {
		t.Fatal(err)
	}
	two := decodePNG(t, out)
	if two.X < 100 || two.Y < 100 {
		t.Fatalf("image is %v", two)
	}

	// Without accuracies the plot keeps only the loss panel.
	regression := filepath.Join(dir, "regression.csv")
	m, _ := OpenMetrics(regression, 0)
	for e := 1; e <= 3; e++ {
		row := sample(e)
		row.TrainAccuracy, row.ValAccuracy, row.ValLoss = math.NaN(), math.NaN(), math.NaN()
		m.Append(row)
	}
	m.Close()
	if err := Plot(regression, out); err != nil {
		t.Fatal(err)
	}
	one := decodePNG(t, out)
	if one.Y != two.Y || one.X*2 != two.X {
		t.Errorf("one panel is %v, two panels are %v; want half the width", one, two)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestPlotOneEpoch(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "metrics.csv")
	appendAll(t, csv, 0, 1)
	if err := Plot(csv, filepath.Join(dir, "p.png")); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, filepath.Join(dir, "p.png"))
}

func TestPlotErrors(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "metrics.csv")
	appendAll(t, csv, 0)
	if err := Plot(csv, filepath.Join(dir, "p.png")); err == nil || !strings.Contains(err.Error(), "no epochs to plot") {
		t.Errorf("empty metrics: got %v", err)
	}
	if err := Plot(filepath.Join(dir, "missing.csv"), filepath.Join(dir, "p.png")); err == nil {
		t.Error("missing metrics file: no error")
	}
}

// decodePNG checks that path holds a PNG and returns its size.
func decodePNG(t *testing.T, path string) (size struct{ X, Y int }) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	size.X, size.Y = b.Dx(), b.Dy()
	if size.X == 0 || size.Y == 0 {
		t.Fatalf("%s: empty image", path)
	}
	return size
}
