// Command gan trains a small DCGAN on Fashion-MNIST with package train's
// GAN (alternating discriminator and generator steps, each a compiled
// training graph) and writes samples.png (64 generated images) and
// losses.png (the discriminator's and the generator's loss curves).
//
//	go run ./examples/gan -epochs 5 -out runs/gan
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
	"github.com/dlc-go/dlc/train/report"
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

// run trains and returns the last epoch's mean losses (D, G).
func run(dir, out string, epochs, limit int) ([2]float64, error) {
	var last [2]float64
	gdef, ddef, err := dsl.DCGAN(latent)
	if err != nil {
		return last, err
	}
	g, err := gdef.Build(1)
	if err != nil {
		return last, err
	}
	d, err := ddef.Build(2)
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
	var steps []int
	var dLosses, gLosses []float64
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
				steps, dLosses, gLosses = append(steps, step), append(dLosses, dl), append(gLosses, gl)
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
	if err := report.Curves(filepath.Join(out, "losses.csv"), "GAN losses", steps, []string{"discriminator", "generator"},
		[][]float64{dLosses, gLosses}); err != nil {
		return last, err
	}
	fmt.Printf("wrote %s, %s and %s\n", filepath.Join(out, "samples.png"), filepath.Join(out, "losses.csv"), filepath.Join(out, "losses.png"))
	return last, nil
}
