package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/report"
	"github.com/dlc-go/dlc/train/spec"
	"github.com/spf13/cobra"
)

// trainFlags are the spec fields with flags of their own, then --set.
type trainFlags struct {
	epochs, batch, seed, threads int
	lr                           float64
	precision, out               string
	sets                         []string
	resume, asJSON, dryRun       bool
	profile                      bool
}

func trainCmd() *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train SPEC.yaml [--epochs N] [--batch-size N] [--lr X] [--out DIR] [--set path=value ...]",
		Short: "Train a model from a declarative spec",
		Long: `Train the model a YAML spec describes (a DSL preset or an ONNX model) on its
data, with its loss, optimizer, schedule and early stopping. Everything goes
under the output folder (out:, --out): checkpoints/ (one per epoch, written
atomically; --resume continues from the newest), metrics.csv, metrics.png
(loss and accuracy curves), and the trained model exported for inference
(export:, dropout removed and BatchNorm in inference form) that dlc run and
ONNX Runtime load. --json ends with one line of final figures; --dry-run
prints the model, its parameter count and the training step's memory plan.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSpec(cmd, args[0], f)
			if err != nil {
				return err
			}
			return runTraining(cmd, s, f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.epochs, "epochs", 0, "epochs (spec: epochs)")
	fl.IntVar(&f.batch, "batch-size", 0, "batch size (spec: batch_size)")
	fl.Float64Var(&f.lr, "lr", 0, "learning rate (spec: optimizer.lr)")
	fl.StringVar(&f.precision, "precision", "", "float32, bf16 or fp16: the arithmetic of matrix products (spec: precision)")
	fl.IntVar(&f.seed, "seed", 0, "seed of initialization, shuffling and dropout (spec: seed)")
	fl.IntVar(&f.threads, "threads", 0, "threads (spec: threads; 0 one per core)")
	fl.StringVar(&f.out, "out", "", "folder for every artifact (spec: out)")
	fl.StringArrayVar(&f.sets, "set", nil, "override any spec field: path.to.field=value; repeatable")
	fl.BoolVar(&f.resume, "resume", false, "continue from the newest checkpoint in the output folder")
	fl.BoolVar(&f.asJSON, "json", false, "end with one JSON line of the final figures")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the model, its parameters and the step's memory plan; train nothing")
	fl.BoolVar(&f.profile, "profile", false, "time every node of the training step and print the slowest op kinds and nodes at the end")
	return cmd
}

// loadSpec reads the spec and applies the flags, then --set, then checks
// the result.
func loadSpec(cmd *cobra.Command, path string, f trainFlags) (*spec.Spec, error) {
	s, err := spec.Load(path)
	if err != nil {
		return nil, err
	}
	flagSets := []struct{ flag, path, value string }{
		{"epochs", "epochs", strconv.Itoa(f.epochs)},
		{"batch-size", "batch_size", strconv.Itoa(f.batch)},
		{"lr", "optimizer.lr", strconv.FormatFloat(f.lr, 'g', -1, 64)},
		{"precision", "precision", f.precision},
		{"seed", "seed", strconv.Itoa(f.seed)},
		{"threads", "threads", strconv.Itoa(f.threads)},
		{"out", "out", f.out},
	}
	for _, fs := range flagSets {
		if cmd.Flags().Changed(fs.flag) {
			if err := s.Set(fs.path, fs.value); err != nil {
				return nil, fmt.Errorf("--%s: %w", fs.flag, err)
			}
		}
	}
	for _, kv := range f.sets {
		p, v, ok := cutSet(kv)
		if !ok {
			return nil, fmt.Errorf("--set %q: want path.to.field=value", kv)
		}
		if err := s.Set(p, v); err != nil {
			return nil, fmt.Errorf("--set %s: %w", kv, err)
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func cutSet(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], i > 0
		}
	}
	return "", "", false
}

// digest identifies what a checkpoint's values mean: the model, data,
// loss, optimizer and step settings (not epochs or the output folder, so
// a resumed run may train longer).
func digest(s *spec.Spec) string {
	h := sha256.New()
	// A spec without token inputs hashes as it did before model.vocab and
	// model.embed existed, so that its older checkpoints still resume.
	model := strings.TrimSuffix(fmt.Sprintf("%+v", s.Model), " Vocab:0 Embed:0}") + "}"
	if s.Model.Vocab != 0 || s.Model.Embed != 0 {
		model = fmt.Sprintf("%+v", s.Model)
	}
	fmt.Fprintf(h, "%s|%+v|%+v|%+v|%d|%d|%d|%v", model, s.Data.Format, s.Loss, s.Optimizer, s.BatchSize, s.Accumulate, s.Seed, s.ClipNorm)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// startingPoint returns the newest checkpoint in ckDir and its path, for
// a run that continues (nil for a fresh one). Checkpoints there without
// --resume are an error, since a fresh run would overwrite them; with
// spec set (a digest), one written by another spec is refused.
func startingPoint(ckDir string, resume bool, spec string) (*train.Checkpoint, string, error) {
	latest, err := train.LatestCheckpoint(ckDir)
	if err != nil || latest == "" {
		return nil, "", err
	}
	if !resume {
		return nil, "", fmt.Errorf("%s holds checkpoints of an earlier run: --resume continues it, or give another --out", ckDir)
	}
	ck, err := train.LoadCheckpoint(latest)
	if err != nil {
		return nil, "", err
	}
	if spec != "" && ck.Spec != spec {
		return nil, "", fmt.Errorf("%s was written by another training spec; resume with that spec or another --out", latest)
	}
	return ck, latest, nil
}

// finalFigures is the --json line.
type finalFigures struct {
	TestAccuracy  *float64 `json:"test_accuracy"`
	TestLoss      *float64 `json:"test_loss"`
	ValAccuracy   *float64 `json:"val_accuracy,omitempty"`
	TrainAccuracy float64  `json:"train_accuracy"` // -1 without classes
	Epochs        int      `json:"epochs"`
	Steps         int      `json:"steps"`
	SamplesPerSec float64  `json:"samples_per_sec"`
	Seconds       float64  `json:"seconds"`
	StoppedEarly  bool     `json:"stopped_early"`
	Checkpoint    string   `json:"checkpoint"`
	Exported      string   `json:"exported"`
	Metrics       string   `json:"metrics"`
	Plot          string   `json:"plot"`
}

func runTraining(cmd *cobra.Command, s *spec.Spec, f trainFlags) error {
	switch s.Model.Preset {
	case "dcgan":
		return runGAN(cmd, s, f)
	case "contrastive":
		return runContrastive(cmd, s, f)
	}
	start := time.Now()
	out := cmd.OutOrStdout()
	tm, err := buildModel(s)
	if err != nil {
		return err
	}
	input := tm.inputShape()
	classes := s.Model.Classes
	ds, err := loadData(s, input, classes)
	if err != nil {
		return err
	}
	sc, err := stepConfig(s, ds.train.Labels())
	if err != nil {
		return err
	}
	sc.LRScale = tm.lrScale
	for _, n := range tm.notes {
		fmt.Fprintln(cmd.ErrOrStderr(), n)
	}
	tr, err := train.New(tm.m, train.Config{StepConfig: sc, Threads: s.Threads, Seed: uint64(s.Seed), Precision: precision(s),
		Profile: f.profile})
	if err != nil {
		return fmt.Errorf("training step: %w", err)
	}
	if f.dryRun {
		return printDryRun(out, tm, tr, s)
	}
	ckDir := filepath.Join(s.Out, "checkpoints")
	resumed := 0
	ck, _, err := startingPoint(ckDir, f.resume, "") // Fit checks the spec
	if err != nil {
		return err
	}
	if ck != nil {
		resumed = ck.Epochs
	}
	if err := os.MkdirAll(s.Out, 0o755); err != nil {
		return err
	}
	metricsPath, plotPath := filepath.Join(s.Out, "metrics.csv"), filepath.Join(s.Out, "metrics.png")
	metrics, err := report.OpenMetrics(metricsPath, resumed)
	if err != nil {
		return err
	}
	defer metrics.Close()
	progOut := cmd.ErrOrStderr()
	prog := report.NewProgress(progOut, s.Epochs, report.Options{})
	var es *train.EarlyStop
	if s.EarlyStopping.Patience > 0 {
		es = &train.EarlyStop{Metric: s.EarlyStopping.Metric, Patience: s.EarlyStopping.Patience, MinDelta: s.EarlyStopping.MinDelta}
	}
	cfg := train.FitConfig{
		Epochs: s.Epochs, Train: ds.train, Val: ds.val,
		Loader:          data.LoaderOptions{Shuffle: true, Seed: uint64(s.Seed), Prefetch: 2, Augment: ds.augment},
		Schedule:        schedule(s),
		EarlyStop:       es,
		CheckpointDir:   ckDir,
		CheckpointEvery: s.Checkpoint.Every,
		Keep:            s.Checkpoint.Keep,
		Resume:          f.resume,
		SpecDigest:      digest(s),
	}
	if s.Checkpoint.Every == 0 {
		cfg.CheckpointEvery = s.Epochs // the last epoch only
	}
	started := false
	cfg.OnStep = func(p train.StepProgress) {
		if p.Batch == 1 || !started {
			prog.StartEpoch(p.Epoch, p.Batches)
			started = true
		}
		acc := math.NaN()
		if p.AccuracyDefined {
			acc = p.Accuracy
		}
		prog.Update(p.Batch, p.Samples, p.Loss, acc)
	}
	cfg.OnEpoch = func(e train.EpochResult) error {
		started = false
		row := prog.EndEpoch(report.Epoch{Epoch: e.Epoch, Step: e.Steps, LR: e.LR,
			TrainLoss: e.Train.Loss, TrainAccuracy: nanIfNeg(e.Train.Accuracy),
			ValLoss: nanIfNone(e.Val.Loss, e.Val.Samples), ValAccuracy: nanIfNone(nanIfNeg(e.Val.Accuracy), e.Val.Samples),
			Seconds: e.Seconds, SamplesPerSec: e.SamplesPerSec})
		if e.LossScale > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "loss scale %g after epoch %d; %d steps skipped for overflow so far\n", e.LossScale, e.Epoch, e.Skipped)
		}
		if err := metrics.Append(row); err != nil {
			return err
		}
		return report.Plot(metricsPath, plotPath)
	}
	res, err := tr.Fit(cfg)
	if err != nil {
		if errors.Is(err, train.ErrNonFinite) {
			last, _ := train.LatestCheckpoint(ckDir)
			if last == "" {
				last = "none written yet"
			}
			return fmt.Errorf("%w; training stopped, the last checkpoint (%s) is intact", err, last)
		}
		return err
	}
	fig := finalFigures{Epochs: resumed + len(res.Epochs), Steps: tr.Steps, Checkpoint: res.Checkpoint,
		Metrics: metricsPath, Plot: plotPath, StoppedEarly: res.Stopped}
	var samples, secs float64
	for _, e := range res.Epochs {
		samples += float64(e.Train.Samples)
		secs += e.Seconds
	}
	if secs > 0 {
		fig.SamplesPerSec = samples / secs
	}
	if n := len(res.Epochs); n > 0 {
		last := res.Epochs[n-1]
		fig.TrainAccuracy = last.Train.Accuracy
		if last.Val.Samples > 0 && last.Val.Accuracy >= 0 {
			fig.ValAccuracy = &last.Val.Accuracy
		}
	}
	if ds.test != nil {
		m, err := tr.Evaluate(ds.test)
		if err != nil {
			return err
		}
		fig.TestLoss = &m.Loss
		if m.Accuracy >= 0 {
			fig.TestAccuracy = &m.Accuracy
		}
		fmt.Fprintf(progOut, "test: loss %.4f", m.Loss)
		if m.Accuracy >= 0 {
			fmt.Fprintf(progOut, " accuracy %.4f", m.Accuracy)
		}
		fmt.Fprintf(progOut, " (%d samples)\n", m.Samples)
	}
	if s.Model.Preset == "vae" {
		if err := vaeImages(tm, tr, ds, s.Out, uint64(s.Seed)); err != nil {
			return fmt.Errorf("VAE images: %w", err)
		}
		fmt.Fprintf(progOut, "wrote %s and %s\n", filepath.Join(s.Out, "samples.png"), filepath.Join(s.Out, "reconstructions.png"))
	}
	if s.Export != "" {
		fig.Exported = filepath.Join(s.Out, s.Export)
		if err := exportTrained(tm, tr, fig.Exported); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(progOut, "exported %s\n", fig.Exported)
	}
	if p := tr.StepProfile(); p != nil {
		printProfile(progOut, p, int(p.Runs), 15)
	}
	fig.Seconds = time.Since(start).Seconds()
	if f.asJSON {
		b, _ := json.Marshal(fig)
		fmt.Fprintf(out, "%s\n", b)
	}
	return nil
}

func nanIfNeg(x float64) float64 {
	if x < 0 {
		return math.NaN()
	}
	return x
}

func nanIfNone(x float64, samples int) float64 {
	if samples == 0 {
		return math.NaN()
	}
	return x
}

// exportTrained writes the inference form of the trained model.
func exportTrained(tm *trainModel, tr *train.Trainer, path string) error {
	if tm.dsl != nil {
		if err := tr.ToDSL(tm.dsl); err != nil {
			return err
		}
		return tm.dsl.Export(path)
	}
	vals := tr.Values()
	for _, v := range tm.onnx.Graph.Inits {
		if t := vals[v.Name]; t != nil {
			v.Init = t.Clone()
		}
	}
	return onnx.Save(tm.onnx, path)
}

func printDryRun(w io.Writer, tm *trainModel, tr *train.Trainer, s *spec.Spec) error {
	if tm.dsl != nil {
		fmt.Fprint(w, tm.dsl.Summary())
	}
	params := 0
	for _, name := range tm.m.Params {
		params += tm.m.Values[name].Len()
	}
	fmt.Fprintf(w, "trainable parameters: %d (%s as float32)\n", params, humanBytes(int64(4*params)))
	info, err := tr.Plan()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "training step (batch %d): %d steps, %d on fast kernels, %d on reference kernels, %d views\n",
		s.BatchSize, info.Steps, info.Fast, info.Ref, info.Views)
	fmt.Fprintf(w, "memory plan: arena %s (naive %s, lower bound %s), %d buffers, %d steps in place\n",
		humanBytes(info.ArenaBytes), humanBytes(info.NaiveBytes), humanBytes(info.LowerBoundBytes), info.Buffers, info.InPlace)
	if p := precision(s); p != gemm.Float32 {
		how := map[string]string{"native": "bf16 pairs on AVX512_BF16", "rounded": "float32 kernels on rounded operands"}[gemm.PrecisionPath(p)]
		scaling := ""
		if p == gemm.Float16 {
			scaling = ", dynamic loss scaling"
		}
		fmt.Fprintf(w, "precision: %s matrix products (%s), float32 master weights and activations%s\n", p, how, scaling)
	}
	return nil
}
