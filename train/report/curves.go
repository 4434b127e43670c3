package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/dlc-go/dlc/internal/atomicfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Curves writes named series over steps (a GAN's two losses, say) as a
// CSV (a "step" column, then one per series, in the order of names) and a
// PNG line plot beside it (same path, .png); both atomically.
func Curves(csvPath, title string, steps []int, names []string, series [][]float64) error {
	if len(names) != len(series) {
		return fmt.Errorf("curves %s: %d names for %d series", csvPath, len(names), len(series))
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(append([]string{"step"}, names...))
	for i, s := range steps {
		row := []string{strconv.Itoa(s)}
		for _, ys := range series {
			row = append(row, strconv.FormatFloat(ys[i], 'g', 6, 64))
		}
		w.Write(row)
	}
	w.Flush()
	if err := atomicfile.Write(csvPath, b.Bytes(), 0o644); err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	var lines []any
	for k, ys := range series {
		pts := make(plotter.XYs, len(steps))
		for i, s := range steps {
			pts[i] = plotter.XY{X: float64(s), Y: ys[i]}
		}
		lines = append(lines, names[k], pts)
	}
	if err := plotutil.AddLines(p, lines...); err != nil {
		return err
	}
	wt, err := p.WriterTo(8*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return err
	}
	var png bytes.Buffer
	if _, err := wt.WriteTo(&png); err != nil {
		return err
	}
	return atomicfile.Write(csvPath[:len(csvPath)-len(filepath.Ext(csvPath))]+".png", png.Bytes(), 0o644)
}
