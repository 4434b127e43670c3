package train

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dlc-go/dlc/train/data"
)

// FitConfig says how to run epochs.
type FitConfig struct {
	Epochs     int
	Train, Val data.Dataset // Val may be nil
	// Loader configures the training data (its BatchSize is the
	// trainer's; DropLast is forced: a step is planned for one size).
	Loader    data.LoaderOptions
	Schedule  *Schedule
	EarlyStop *EarlyStop // nil: never stop early
	// CheckpointDir, when set, receives a checkpoint every
	// CheckpointEvery epochs (and after the last), keeping the newest
	// Keep; Resume continues from the newest one there.
	CheckpointDir   string
	CheckpointEvery int
	Keep            int
	Resume          bool
	// SpecDigest identifies the training spec in checkpoints.
	SpecDigest string
	// OnStep and OnEpoch report progress; an error from OnEpoch stops.
	OnStep  func(StepProgress)
	OnEpoch func(EpochResult) error
}

// StepProgress is the state of an epoch after a step.
type StepProgress struct {
	Epoch, Epochs    int // from 1
	Batch, Batches   int // from 1
	Loss, Accuracy   float64
	Samples          int
	Elapsed          time.Duration
	LearningRate     float64
	AccuracyDefined  bool
	SamplesPerSecond float64
}

// EpochResult is one epoch's figures.
type EpochResult struct {
	Epoch, Epochs, Steps int
	LR                   float64
	Train, Val           Metrics // Val.Samples 0 without validation data
	Seconds              float64
	SamplesPerSec        float64
	// LossScale and Skipped: dynamic loss scaling's scale after the
	// epoch and the steps it has skipped for overflow so far (0 without).
	LossScale  float64
	Skipped    int
	Checkpoint string // written after this epoch, if any
}

// FitResult is what Fit did.
type FitResult struct {
	Epochs     []EpochResult
	Stopped    bool   // early stopping ended the run
	Resumed    int    // epochs a checkpoint had already done
	Checkpoint string // the last checkpoint written or resumed from
}

// Fit trains for cfg.Epochs epochs (fewer when resuming or stopping
// early). A non-finite loss stops with an error naming the epoch and
// step; the checkpoints already written stay as they are.
func (t *Trainer) Fit(cfg FitConfig) (*FitResult, error) {
	res := &FitResult{}
	sched := cfg.Schedule
	if sched == nil {
		return nil, errors.New("fit: no schedule")
	}
	lopt := cfg.Loader
	lopt.BatchSize, lopt.DropLast = t.cfg.Batch, true
	loader, err := data.NewLoader(cfg.Train, lopt)
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	if loader.Len() == 0 {
		return nil, fmt.Errorf("fit: %d training samples make no batch of %d", cfg.Train.Len(), t.cfg.Batch)
	}
	sched.StepsPerEpoch = loader.Len()
	start := 0
	if cfg.Resume && cfg.CheckpointDir != "" {
		path, err := LatestCheckpoint(cfg.CheckpointDir)
		if err != nil {
			return nil, err
		}
		if path != "" {
			if start, err = t.resume(path, cfg, sched); err != nil {
				return nil, err
			}
			res.Resumed, res.Checkpoint = start, path
		}
	}
	sample := 1
	for _, d := range cfg.Train.SampleShape() {
		sample *= d
	}
	for e := start; e < cfg.Epochs; e++ {
		er, err := t.epoch(loader, cfg, sched, e)
		if err != nil {
			return res, err
		}
		if cfg.Val != nil {
			if er.Val, err = t.Evaluate(cfg.Val); err != nil {
				return res, err
			}
			sched.Observe(er.Val.Loss)
		}
		stop := cfg.EarlyStop != nil && cfg.Val != nil && cfg.EarlyStop.Observe(e, er.Val)
		if cfg.CheckpointDir != "" && ((e+1)%max(cfg.CheckpointEvery, 1) == 0 || e+1 == cfg.Epochs || stop) {
			ck := &Checkpoint{Epochs: e + 1, Steps: t.Steps, Values: t.Values(), Schedule: *sched, Spec: cfg.SpecDigest,
				LossScale: t.LossScale}
			if cfg.EarlyStop != nil {
				ck.EarlyStop = *cfg.EarlyStop
			}
			er.Checkpoint = filepath.Join(cfg.CheckpointDir, CheckpointName(e+1))
			if err := ck.Save(er.Checkpoint); err != nil {
				return res, err
			}
			PruneCheckpoints(cfg.CheckpointDir, cfg.Keep)
			res.Checkpoint = er.Checkpoint
		}
		res.Epochs = append(res.Epochs, er)
		if cfg.OnEpoch != nil {
			if err := cfg.OnEpoch(er); err != nil {
				return res, err
			}
		}
		if stop {
			res.Stopped = true
			break
		}
	}
	return res, nil
}

// resume restores a checkpoint and returns the epoch to continue from.
func (t *Trainer) resume(path string, cfg FitConfig, sched *Schedule) (int, error) {
	ck, err := LoadCheckpoint(path)
	if err != nil {
		return 0, err
	}
	if cfg.SpecDigest != "" && ck.Spec != "" && ck.Spec != cfg.SpecDigest {
		return 0, fmt.Errorf("%s was written by another training spec; resume with that spec or another --out", path)
	}
	if err := t.SetValues(ck.Values); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	t.Steps = ck.Steps
	if ck.LossScale.Scale > 0 {
		t.LossScale = ck.LossScale
	}
	spe := sched.StepsPerEpoch
	*sched = ck.Schedule
	sched.StepsPerEpoch = spe
	if cfg.EarlyStop != nil {
		*cfg.EarlyStop = ck.EarlyStop
	}
	return ck.Epochs, nil
}

// epoch runs one epoch of steps.
func (t *Trainer) epoch(loader *data.Loader, cfg FitConfig, sched *Schedule, e int) (EpochResult, error) {
	er := EpochResult{Epoch: e + 1, Epochs: cfg.Epochs}
	loader.Epoch(e)
	t0 := time.Now()
	var lossSum float64
	correct, samples := 0, 0
	classify := !cfg.Train.Labels().Regression && !t.cfg.TargetInput
	k := 0
	for b, ok := loader.Next(); ok; b, ok = loader.Next() {
		lr := sched.LR(e, k)
		r, err := t.Step(b.X, b.Classes, b.Targets, lr)
		if err != nil {
			return er, fmt.Errorf("epoch %d, batch %d: %w", e+1, k+1, err)
		}
		k++
		lossSum += r.Loss * float64(b.N)
		correct += r.Correct
		samples += b.N
		er.LR = lr
		if cfg.OnStep != nil {
			el := time.Since(t0)
			cfg.OnStep(StepProgress{Epoch: e + 1, Epochs: cfg.Epochs, Batch: k, Batches: loader.Len(),
				Loss: lossSum / float64(samples), Accuracy: float64(correct) / float64(samples), AccuracyDefined: classify,
				Samples: samples, Elapsed: el, LearningRate: lr, SamplesPerSecond: float64(samples) / el.Seconds()})
		}
	}
	er.Seconds = time.Since(t0).Seconds()
	er.Steps = t.Steps
	er.LossScale, er.Skipped = t.LossScale.Scale, t.LossScale.Skipped
	er.Train = Metrics{Loss: lossSum / float64(max(samples, 1)), Accuracy: -1, Samples: samples}
	if classify {
		er.Train.Accuracy = float64(correct) / float64(max(samples, 1))
	}
	er.SamplesPerSec = float64(samples) / er.Seconds
	return er, nil
}
