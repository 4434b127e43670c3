package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/report"
	"github.com/dlc-go/dlc/train/spec"
	"github.com/spf13/cobra"
)

// contrastiveFigures is the --json line of a contrastive run.
type contrastiveFigures struct {
	Epochs        int     `json:"epochs"`
	Steps         int     `json:"steps"`
	Loss          float64 `json:"loss"`
	KNNAccuracy   float64 `json:"knn_accuracy"`
	PixelKNN      float64 `json:"pixel_knn_accuracy"`
	SamplesPerSec float64 `json:"samples_per_sec"`
	Seconds       float64 `json:"seconds"`
	Exported      string  `json:"exported"`
	Losses        string  `json:"losses"`
}

// knnRefs and knnQueries size the k-NN check of the embeddings.
const knnRefs, knnQueries, knnK = 5000, 1000, 5

// runContrastive trains the contrastive preset (SimCLR's recipe, Chen et
// al. 2020): each step takes a batch of B images twice, each copy
// augmented independently (the spec's random resized crop, crop and
// flip; Gaussian noise on top, tried, lowered the k-NN accuracy), and the
// NT-Xent loss on a projection head (an MLP of model.hidden's widths,
// [64] if none) pulls the two views of an image together. It then
// classifies test images by their 5 nearest training images, on the
// encoder's representation (before the head) and on the raw pixels, and
// reports both accuracies. The export is the encoder without the head.
func runContrastive(cmd *cobra.Command, s *spec.Spec, f trainFlags) error {
	start := time.Now()
	if f.dryRun {
		return fmt.Errorf("contrastive: --dry-run is not supported")
	}
	head := []int{64}
	if len(s.Model.Hidden) > 0 {
		head = s.Model.Hidden
	}
	enc, err := dsl.ContrastiveEncoder().Build(uint64(s.Seed))
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
	m, err := train.FromDSL(enc)
	if err != nil {
		return err
	}
	if err := train.AddProjectionHead(m, head, uint64(s.Seed)); err != nil {
		return err
	}
	b := s.BatchSize
	temp := s.Loss.Temperature
	if temp == 0 {
		temp = 0.05 // measured with the example's recipe: see docs/training-guide.md's ablation
	}
	if precision(s) == gemm.Float16 {
		return fmt.Errorf("precision fp16: contrastive runs take float32 or bf16 (their checkpoints do not keep loss scaling)")
	}
	tr, err := train.New(m, train.Config{StepConfig: train.StepConfig{Loss: train.PairLoss{Pair: loss.NTXent{Temperature: temp}, Half: b},
		Optimizer: opt, Batch: 2 * b, NoLabels: true}, Threads: s.Threads, Seed: uint64(s.Seed), Precision: precision(s), Profile: f.profile})
	if err != nil {
		return err
	}
	loader, err := data.NewLoader(ds.train, data.LoaderOptions{BatchSize: b, Shuffle: true, Seed: uint64(s.Seed), DropLast: true, Prefetch: 2})
	if err != nil {
		return err
	}
	defer loader.Close()
	aug, err := contrastiveAugment(s)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Out, 0o755); err != nil {
		return err
	}
	pcg := rand.NewPCG(uint64(s.Seed), 11)
	r := rand.New(pcg)
	ckDir := filepath.Join(s.Out, "checkpoints")
	ck, latest, err := startingPoint(ckDir, f.resume, digest(s))
	if err != nil {
		return err
	}
	first := 0
	if ck != nil {
		if err := tr.SetValues(ck.Values); err != nil {
			return fmt.Errorf("%s: %w", latest, err)
		}
		if err := pcg.UnmarshalBinary(ck.State); err != nil {
			return fmt.Errorf("%s: %w", latest, err)
		}
		tr.Steps, first = ck.Steps, ck.Epochs
	}
	errOut := cmd.ErrOrStderr()
	prog := report.NewProgress(errOut, s.Epochs, report.Options{})
	views := make([]float32, 2*b*784)
	fig := contrastiveFigures{Epochs: s.Epochs}
	var steps []int
	var losses []float64
	var trainSecs float64
	sched := schedule(s)
	for e := first; e < s.Epochs; e++ {
		loader.Epoch(e)
		sched.StepsPerEpoch = loader.Len()
		prog.StartEpoch(e+1, loader.Len())
		t0 := time.Now()
		var sum float64
		n := 0
		for batch, ok := loader.Next(); ok; batch, ok = loader.Next() {
			for v := range 2 {
				for i := range b {
					x := views[(v*b+i)*784 : (v*b+i+1)*784]
					copy(x, batch.X[i*784:(i+1)*784])
					aug.Augment(x, []int{1, 28, 28}, r)
				}
			}
			res, err := tr.Step(views, nil, nil, sched.LR(e, n))
			if err != nil {
				return fmt.Errorf("epoch %d, batch %d: %w", e+1, n+1, err)
			}
			n++
			sum += res.Loss
			prog.Update(n, n*b, sum/float64(n), math.NaN())
			if tr.Steps%20 == 0 {
				steps, losses = append(steps, tr.Steps), append(losses, res.Loss)
			}
		}
		secs := time.Since(t0).Seconds()
		trainSecs += secs
		fig.Loss = sum / float64(max(n, 1))
		fmt.Fprintf(errOut, "epoch %d/%d: NT-Xent loss %.4f | %.1f s\n", e+1, s.Epochs, fig.Loss, secs)
		state, err := pcg.MarshalBinary()
		if err != nil {
			return err
		}
		ck := &train.Checkpoint{Epochs: e + 1, Steps: tr.Steps, Values: tr.Values(), State: state, Spec: digest(s)}
		if err := ck.Save(filepath.Join(ckDir, train.CheckpointName(e+1))); err != nil {
			return err
		}
		train.PruneCheckpoints(ckDir, s.Checkpoint.Keep)
	}
	fig.Steps = tr.Steps
	if trainSecs > 0 {
		fig.SamplesPerSec = float64(n0Steps(tr.Steps, first, loader.Len())*b) / trainSecs
	}
	if len(steps) > 0 {
		fig.Losses = filepath.Join(s.Out, "losses.csv")
		if err := report.Curves(fig.Losses, "NT-Xent loss", steps, []string{"loss"}, [][]float64{losses}); err != nil {
			return err
		}
	}
	test := ds.test
	if test == nil {
		test = ds.val
	}
	if test == nil {
		return fmt.Errorf("contrastive: the k-NN check needs test data (data.test) or a validation split")
	}
	embed := func(src data.Dataset, count int) ([]float32, []float32, []int64, error) {
		count = min(count, src.Len())
		x := make([]float32, count*784)
		cls := make([]int64, count)
		idx := make([]int, count)
		for i := range idx {
			idx[i] = i
		}
		src.Fill(idx, x, cls, nil)
		z, err := tr.Predict(x, count)
		if err != nil {
			return nil, nil, nil, err
		}
		return x, z.Data.([]float32), cls, nil
	}
	rx, rz, rc, err := embed(ds.train, knnRefs)
	if err != nil {
		return err
	}
	qx, qz, qc, err := embed(test, knnQueries)
	if err != nil {
		return err
	}
	width := len(rz) / len(rc)
	if fig.KNNAccuracy, err = train.KNNAccuracy(rz, rc, qz, qc, width, knnK); err != nil {
		return err
	}
	if fig.PixelKNN, err = train.KNNAccuracy(rx, rc, qx, qc, 784, knnK); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "%d-NN accuracy (%d references, %d queries): embeddings %.4f, raw pixels %.4f\n", knnK, len(rc), len(qc), fig.KNNAccuracy, fig.PixelKNN)
	if s.Export != "" {
		fig.Exported = filepath.Join(s.Out, s.Export)
		if err := tr.ToDSL(enc); err != nil {
			return err
		}
		if err := enc.Export(fig.Exported); err != nil {
			return err
		}
	}
	if p := tr.StepProfile(); p != nil {
		printProfile(errOut, p, int(p.Runs), 15)
	}
	fig.Seconds = time.Since(start).Seconds()
	if f.asJSON {
		out, _ := json.Marshal(fig)
		fmt.Fprintf(cmd.OutOrStdout(), "%s\n", out)
	}
	return nil
}

// contrastiveAugment builds the views' augmentation from the spec's
// data.augment: the random resized crop first, then the padded crop and
// the flip; with none given, a 4-pixel padded crop and the flip.
func contrastiveAugment(s *spec.Spec) (data.Augmenter, error) {
	aug := specAugment(s.Data.Augment)
	if len(aug) == 0 {
		aug = data.Compose{data.RandomCrop{Pad: 4}, data.RandomFlip{}}
	}
	if err := aug.Check([]int{1, 28, 28}); err != nil {
		return nil, fmt.Errorf("data.augment: %w", err)
	}
	return aug, nil
}
