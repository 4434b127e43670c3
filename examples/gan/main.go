// Command gan trains a small DCGAN on Fashion-MNIST with package train's
// GAN (alternating discriminator and generator steps, each a compiled
// training graph) and writes samples.png (64 generated images) and
// losses.png (the discriminator's and the generator's loss curves).
//
//	go run ./examples/gan -epochs 5 -out runs/gan
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
	"github.com/dlc-go/dlc/train/report"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

const latent = 32

func main() {
	epochs := flag.Int("epochs", 1, "epochs")
	limit := flag.Int("limit", 0, "train on the first N images only (0: all)")
	dir := flag.String("data", "/usr/share/datasets/fashion-mnist", "Fashion-MNIST IDX files")
	out := flag.String("out", "runs/gan", "folder for samples.png, losses.csv and losses.png")
	flag.Parse()
	if _, err := run(*dir, *out, *epochs, *limit); err != nil {
		fmt.Fprintln(os.Stderr, "gan:", err)
		os.Exit(1)
	}
}

// generator maps a latent vector to a 28×28 image in [-1, 1].
func generator() dsl.Def {
	return dsl.Sequential("generator", []int{latent},
		dsl.Dense(128*7*7), dsl.ReLU(), dsl.Reshape([]int{128, 7, 7}),
		dsl.ConvTranspose2D(64, 4, dsl.Stride(2), dsl.Padding(dsl.PadN(1))), dsl.ReLU(),
		dsl.ConvTranspose2D(1, 4, dsl.Stride(2), dsl.Padding(dsl.PadN(1))), dsl.Tanh())
}

// discriminator maps an image to one logit: real or generated.
func discriminator() dsl.Def {
	return dsl.Sequential("discriminator", []int{1, 28, 28},
		dsl.Conv2D(64, 4, dsl.Stride(2), dsl.Padding(dsl.PadN(1))), dsl.LeakyReLU(dsl.Alpha(0.2)),
		dsl.Conv2D(128, 4, dsl.Stride(2), dsl.Padding(dsl.PadN(1))), dsl.LeakyReLU(dsl.Alpha(0.2)),
		dsl.Flatten(), dsl.Dense(1))
}

// run trains and returns the last epoch's mean losses (D, G).
func run(dir, out string, epochs, limit int) ([2]float64, error) {
	var last [2]float64
	g, err := generator().Build(1)
	if err != nil {
		return last, err
	}
	d, err := discriminator().Build(2)
	if err != nil {
		return last, err
	}
	adam := optim.Adam{Beta1: 0.5, Beta2: 0.999, Eps: 1e-8}
	gan, err := train.NewGAN(g, d, train.GANConfig{Latent: latent, Batch: 64, GOpt: adam, DOpt: adam, Kind: loss.NonSaturating, Seed: 1})
	if err != nil {
		return last, err
	}
	m, err := data.LoadMNIST(dir, "train")
	if err != nil {
		return last, err
	}
	var ds data.Dataset = m
	if limit > 0 {
		ds = data.Subset(ds, min(limit, ds.Len()))
	}
	if ds, err = data.Reshape(ds, []int{1, 28, 28}); err != nil {
		return last, err
	}
	// Pixels to [-1, 1], the range of the generator's tanh.
	if ds, err = data.Normalize(ds, data.Norm{Scale: data.ByteScale, Mean: []float32{0.5}, Std: []float32{0.5}}); err != nil {
		return last, err
	}
	loader, err := data.NewLoader(ds, data.LoaderOptions{BatchSize: 64, Shuffle: true, Seed: 1, DropLast: true, Prefetch: 2})
	if err != nil {
		return last, err
	}
	defer loader.Close()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return last, err
	}
	var rows [][]string
	step := 0
	for e := range epochs {
		loader.Epoch(e)
		var sum [2]float64
		n := 0
		for b, ok := loader.Next(); ok; b, ok = loader.Next() {
			dl, gl, err := gan.Step(b.X, 2e-4)
			if err != nil {
				return last, err
			}
			step++
			sum[0], sum[1], n = sum[0]+dl, sum[1]+gl, n+1
			if step%20 == 0 {
				rows = append(rows, []string{strconv.Itoa(step), strconv.FormatFloat(dl, 'g', 6, 64), strconv.FormatFloat(gl, 'g', 6, 64)})
			}
		}
		last = [2]float64{sum[0] / float64(max(n, 1)), sum[1] / float64(max(n, 1))}
		fmt.Printf("epoch %d/%d: discriminator loss %.4f, generator loss %.4f (%d steps)\n", e+1, epochs, last[0], last[1], n)
	}
	z := ir.Zeros(ir.Float32, []int{64, latent})
	samples, err := gan.Generate(z, true)
	if err != nil {
		return last, err
	}
	images := make([][]float32, 64)
	for i := range images {
		im := make([]float32, 28*28)
		for j := range im {
			im[j] = (float32(samples.Float64At(i*784+j)) + 1) / 2
		}
		images[i] = im
	}
	if err := report.ImageGrid(filepath.Join(out, "samples.png"), images, 28, 28, 8, 2); err != nil {
		return last, err
	}
	if err := writeLosses(out, rows); err != nil {
		return last, err
	}
	fmt.Printf("wrote %s, %s and %s\n", filepath.Join(out, "samples.png"), filepath.Join(out, "losses.csv"), filepath.Join(out, "losses.png"))
	return last, nil
}

// writeLosses writes the losses every 20 steps as CSV and as a plot.
func writeLosses(out string, rows [][]string) error {
	f, err := os.Create(filepath.Join(out, "losses.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"step", "discriminator_loss", "generator_loss"})
	w.WriteAll(rows)
	if err := f.Close(); err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = "GAN losses"
	p.X.Label.Text = "step"
	dPts, gPts := make(plotter.XYs, len(rows)), make(plotter.XYs, len(rows))
	for i, r := range rows {
		x, _ := strconv.ParseFloat(r[0], 64)
		dl, _ := strconv.ParseFloat(r[1], 64)
		gl, _ := strconv.ParseFloat(r[2], 64)
		dPts[i], gPts[i] = plotter.XY{X: x, Y: dl}, plotter.XY{X: x, Y: gl}
	}
	if err := plotutil.AddLines(p, "discriminator", dPts, "generator", gPts); err != nil {
		return err
	}
	return p.Save(8*vg.Inch, 4*vg.Inch, filepath.Join(out, "losses.png"))
}
