package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/report"
	"github.com/dlc-go/dlc/train/spec"
	"github.com/spf13/cobra"
)

// ganFigures is the --json line of a GAN run.
type ganFigures struct {
	Epochs        int     `json:"epochs"`
	Steps         int     `json:"steps"`
	DLoss         float64 `json:"discriminator_loss"`
	GLoss         float64 `json:"generator_loss"`
	SamplesPerSec float64 `json:"samples_per_sec"`
	Seconds       float64 `json:"seconds"`
	Samples       string  `json:"samples"`
	Losses        string  `json:"losses"`
	Exported      string  `json:"exported"`
}

// n0Steps is the steps of this run: all of them less a resumed run's.
func n0Steps(total, firstEpoch, perEpoch int) int { return total - firstEpoch*perEpoch }

// runGAN trains the dcgan preset: alternating discriminator and
// generator steps (train.GAN) on the training images, the spec's
// optimizer for both; it writes samples.png (generated images), losses.csv
// and losses.png (both losses every 20 steps of this run), a checkpoint
// per epoch (--resume continues bitwise where the run stopped), and
// exports the generator.
func runGAN(cmd *cobra.Command, s *spec.Spec, f trainFlags) error {
	start := time.Now()
	if f.dryRun {
		return fmt.Errorf("dcgan: --dry-run is not supported for GANs")
	}
	if f.profile {
		return fmt.Errorf("dcgan: --profile is not supported for GANs (their two steps run in sessions of their own)")
	}
	latent := 32
	if len(s.Model.Hidden) > 0 {
		latent = s.Model.Hidden[0]
	}
	gdef, ddef, err := dsl.DCGAN(latent)
	if err != nil {
		return err
	}
	g, err := gdef.Build(uint64(s.Seed))
	if err != nil {
		return err
	}
	d, err := ddef.Build(uint64(s.Seed) + 1)
	if err != nil {
		return err
	}
	ds, err := loadData(s, []int{1, 28, 28}, s.Model.Classes)
	if err != nil {
		return err
	}
	opt, err := optimizerOf(s)
	if err != nil {
		return err
	}
	gan, err := train.NewGAN(g, d, train.GANConfig{Latent: latent, Batch: s.BatchSize, GOpt: opt, DOpt: opt,
		Kind: loss.NonSaturating, Threads: s.Threads, Seed: uint64(s.Seed), Precision: precision(s)})
	if err != nil {
		return err
	}
	loader, err := data.NewLoader(ds.train, data.LoaderOptions{BatchSize: s.BatchSize, Shuffle: true, Seed: uint64(s.Seed), DropLast: true, Prefetch: 2})
	if err != nil {
		return err
	}
	defer loader.Close()
	if err := os.MkdirAll(s.Out, 0o755); err != nil {
		return err
	}
	ckDir := filepath.Join(s.Out, "checkpoints")
	ck, latest, err := startingPoint(ckDir, f.resume, digest(s))
	if err != nil {
		return err
	}
	first := 0
	if ck != nil {
		if err := gan.Restore(ck); err != nil {
			return fmt.Errorf("%s: %w", latest, err)
		}
		first = ck.Epochs
	}
	errOut := cmd.ErrOrStderr()
	prog := report.NewProgress(errOut, s.Epochs, report.Options{})
	var steps []int
	var dl, gl []float64
	fig := ganFigures{Epochs: s.Epochs}
	var trainSecs float64
	for e := first; e < s.Epochs; e++ {
		loader.Epoch(e)
		prog.StartEpoch(e+1, loader.Len())
		t0 := time.Now()
		var sumD, sumG float64
		n := 0
		for b, ok := loader.Next(); ok; b, ok = loader.Next() {
			dLoss, gLoss, err := gan.Step(b.X, s.Optimizer.LR)
			if err != nil {
				return fmt.Errorf("epoch %d, batch %d: %w", e+1, n+1, err)
			}
			n++
			sumD, sumG = sumD+dLoss, sumG+gLoss
			prog.Update(n, n*s.BatchSize, sumD/float64(n), math.NaN()) // the discriminator's loss
			if gan.G.Steps%20 == 0 {
				steps, dl, gl = append(steps, gan.G.Steps), append(dl, dLoss), append(gl, gLoss)
			}
		}
		secs := time.Since(t0).Seconds()
		trainSecs += secs
		fig.DLoss, fig.GLoss = sumD/float64(max(n, 1)), sumG/float64(max(n, 1))
		fmt.Fprintf(errOut, "epoch %d/%d: discriminator loss %.4f, generator loss %.4f | %.1f s\n", e+1, s.Epochs, fig.DLoss, fig.GLoss, secs)
		ck, err := gan.Checkpoint(e + 1)
		if err != nil {
			return err
		}
		ck.Spec = digest(s)
		if err := ck.Save(filepath.Join(ckDir, train.CheckpointName(e+1))); err != nil {
			return err
		}
		train.PruneCheckpoints(ckDir, s.Checkpoint.Keep)
	}
	fig.Steps = gan.G.Steps
	if trainSecs > 0 {
		fig.SamplesPerSec = float64(n0Steps(fig.Steps, first, loader.Len())*s.BatchSize) / trainSecs
	}
	fig.Losses = filepath.Join(s.Out, "losses.csv")
	if len(steps) > 0 {
		if err := report.Curves(fig.Losses, "GAN losses", steps, []string{"discriminator", "generator"}, [][]float64{dl, gl}); err != nil {
			return err
		}
	}
	samples, err := gan.Generate(ir.Zeros(ir.Float32, []int{64, latent}), true)
	if err != nil {
		return err
	}
	images := make([][]float32, 64)
	for i := range images {
		im := make([]float32, 784)
		for j := range im {
			im[j] = (float32(samples.Float64At(i*784+j)) + 1) / 2
		}
		images[i] = im
	}
	fig.Samples = filepath.Join(s.Out, "samples.png")
	if err := report.ImageGrid(fig.Samples, images, 28, 28, 8, 2); err != nil {
		return err
	}
	if s.Export != "" {
		fig.Exported = filepath.Join(s.Out, s.Export)
		if err := gan.G.ToDSL(g); err != nil {
			return err
		}
		if err := g.Export(fig.Exported); err != nil {
			return err
		}
	}
	fmt.Fprintf(errOut, "wrote %s, %s and the generator %s\n", fig.Samples, fig.Losses, fig.Exported)
	fig.Seconds = time.Since(start).Seconds()
	if f.asJSON {
		b, _ := json.Marshal(fig)
		fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
	}
	return nil
}
