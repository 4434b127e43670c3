package report

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestImageGrid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.png")
	black, white := make([]float32, 4), []float32{1, 1, 1, 2}
	if err := ImageGrid(path, [][]float32{black, white, white}, 2, 2, 2, 3); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// 2 columns of 6+2 pixels plus the first gap; 2 rows likewise.
	if b := img.Bounds(); b.Dx() != 18 || b.Dy() != 18 {
		t.Fatalf("grid is %v", b)
	}
	at := func(x, y int) uint32 { r, _, _, _ := img.At(x, y).RGBA(); return r >> 8 }
	if at(3, 3) != 0 || at(12, 3) != 255 || at(3, 12) != 255 || at(0, 0) != 48 {
		t.Errorf("pixels %d %d %d %d", at(3, 3), at(12, 3), at(3, 12), at(0, 0))
	}
	if err := ImageGrid(path, [][]float32{{1}}, 2, 2, 1, 1); err == nil {
		t.Error("a short image was accepted")
	}
}

func TestCurves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "losses.csv")
	if err := Curves(path, "losses", []int{10, 20, 30}, []string{"d", "g"}, [][]float64{{1, 0.8, 0.7}, {2, 2.5, 1.9}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "step,d,g\n10,1,2\n20,0.8,2.5\n30,0.7,1.9\n" {
		t.Errorf("csv %q (%v)", b, err)
	}
	f, err := os.Open(filepath.Join(filepath.Dir(path), "losses.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Error(err)
	}
}
