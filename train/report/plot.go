package report

import (
	"bytes"
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/dlc-go/dlc/internal/atomicfile"
)

// Plot draws the metrics file at csvPath as a PNG at pngPath: a loss panel
// and an accuracy panel side by side, each with its training and
// validation curves over epochs. Unmeasured values (NaN) are left out of
// their curve; the accuracy panel is left out when no accuracy was
// measured. The PNG is written atomically, so a viewer never sees half an
// image.
func Plot(csvPath, pngPath string) error {
	rows, err := ReadMetrics(csvPath)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no epochs to plot", csvPath)
	}
	loss, err := panel("loss", rows, func(e Epoch) (float64, float64) { return e.TrainLoss, e.ValLoss })
	if err != nil {
		return err
	}
	panels := []*plot.Plot{loss}
	if acc, err := panel("accuracy", rows, func(e Epoch) (float64, float64) { return e.TrainAccuracy, e.ValAccuracy }); err != nil {
		return err
	} else if acc != nil {
		panels = append(panels, acc)
	}

	const panelW, height = 5 * vg.Inch, 3.5 * vg.Inch
	c := vgimg.New(panelW*vg.Length(len(panels)), height)
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Centimeter,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{panels}, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[0][i])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return fmt.Errorf("plot %s: %w", pngPath, err)
	}
	return atomicfile.Write(pngPath, buf.Bytes(), 0o644)
}

// panel plots the train and validation values that pick returns for each
// epoch; it returns nil when neither was ever measured.
func panel(title string, rows []Epoch, pick func(Epoch) (train, val float64)) (*plot.Plot, error) {
	var train, val plotter.XYs
	for _, e := range rows {
		t, v := pick(e)
		if !math.IsNaN(t) && !math.IsInf(t, 0) {
			train = append(train, plotter.XY{X: float64(e.Epoch), Y: t})
		}
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			val = append(val, plotter.XY{X: float64(e.Epoch), Y: v})
		}
	}
	if len(train) == 0 && len(val) == 0 {
		return nil, nil
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Add(plotter.NewGrid())
	p.Legend.Top = title == "loss" // keep the legend off falling loss curves
	for i, s := range []struct {
		name string
		xys  plotter.XYs
	}{{"train", train}, {"validation", val}} {
		if len(s.xys) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", title, err)
		}
		l.Color = plotutil.Color(i)
		pts.Color = plotutil.Color(i)
		pts.Shape = draw.CircleGlyph{}
		p.Add(l, pts)
		p.Legend.Add(s.name, l, pts)
	}
	return p, nil
}
