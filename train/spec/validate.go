package spec

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// The words each choice field accepts.
var (
	precisions = []string{"float32", "bf16", "fp16"}
	presets    = []string{"mlp", "fashion_cnn", "lstm", "gru", "transformer", "vae", "dcgan", "contrastive"}
	formats    = []string{"idx", "csv", "npy"}
	losses     = []string{"cross_entropy", "bce_with_logits", "mse", "l1", "huber"}
	optimizers = []string{"sgd", "adam", "adamw", "lamb"}
	schedules  = []string{"none", "step", "exponential", "cosine", "plateau"}
	metrics    = []string{"val_accuracy", "val_loss"}
	regression = []string{"mse", "l1", "huber"}
)

// Validate checks every value and required field and returns all the
// problems joined, each an [*Error] naming the field, and its line when it
// was given in the spec file.
func (s *Spec) Validate() error {
	c := checker{s: s}
	c.oneOf("precision", s.Precision, precisions)
	c.atLeast("threads", s.Threads, 0)
	c.need("name", s.Name != "")
	c.need("out", s.Out != "")
	c.model(&s.Model)
	c.data(&s.Data)
	c.tokens(&s.Model, &s.Data)
	c.loss(&s.Loss, s.Model.Classes)
	c.optimizer(&s.Optimizer)
	c.schedule(&s.Schedule)
	c.training()
	return errors.Join(c.errs...)
}

// checker collects the problems Validate finds.
type checker struct {
	s    *Spec
	errs []error
}

// fail records that the field at path is wrong. Its line comes from where
// the field was given; a field set by an override has none.
func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, c.err(path, path+": "+fmt.Sprintf(format, args...)))
}

func (c *checker) err(path, text string) *Error {
	line, given := c.s.lines[path]
	if given && line == 0 {
		text += " (set by an override)"
	}
	return &Error{File: c.s.file, Line: line, Path: path, Text: text}
}

// need reports path as missing unless ok.
func (c *checker) need(path string, ok bool) {
	if !ok {
		c.errs = append(c.errs, c.err(path, path+" is required"))
	}
}

func (c *checker) oneOf(path, v string, words []string) {
	if !slices.Contains(words, v) {
		c.fail(path, "must be one of %s, got %q", strings.Join(words, ", "), v)
	}
}

func (c *checker) atLeast(path string, v, lo int) {
	if v < lo {
		c.fail(path, "must be at least %d, got %d", lo, v)
	}
}

// positive checks v > 0.
func (c *checker) positive(path string, v float64) {
	if !(v > 0) {
		c.fail(path, "must be positive, got %g", v)
	}
}

// nonNegative checks v >= 0.
func (c *checker) nonNegative(path string, v float64) {
	if !(v >= 0) {
		c.fail(path, "must not be negative, got %g", v)
	}
}

// fraction checks lo <= v < hi, or lo <= v <= hi when closed.
func (c *checker) fraction(path string, v, lo, hi float64, closed bool) {
	if v >= lo && (v < hi || closed && v == hi) {
		return
	}
	end := ")"
	if closed {
		end = "]"
	}
	c.fail(path, "must be in [%g, %g%s, got %g", lo, hi, end, v)
}

func (c *checker) dims(path string, ds []int) {
	for i, d := range ds {
		if d < 1 {
			c.fail(fmt.Sprintf("%s[%d]", path, i), "must be at least 1, got %d", d)
		}
	}
}

func (c *checker) model(m *Model) {
	switch {
	case m.Preset == "" && m.ONNX == "":
		c.errs = append(c.errs, c.err("model.preset", "model.preset or model.onnx is required"))
	case m.Preset != "" && m.ONNX != "":
		c.fail("model.onnx", "give model.preset or model.onnx, not both")
	case m.Preset != "":
		c.oneOf("model.preset", m.Preset, presets)
		c.need("model.input", len(m.Input) > 0)
		c.need("model.classes", m.Classes != 0)
		if m.Preset == "mlp" {
			c.dims("model.hidden", m.Hidden)
		}
	}
	c.dims("model.input", m.Input)
	c.atLeast("model.classes", m.Classes, 0)
	c.fraction("model.dropout", m.Dropout, 0, 1, false)
	c.atLeast("model.train_last", m.TrainLast, 0)
	if m.InitFrom != "" && m.Preset == "" {
		c.fail("model.init_from", "starts a preset's parameters; an ONNX model (model.onnx) has its own")
	}
	for i, f := range m.Freeze {
		if f == "" {
			c.fail(fmt.Sprintf("model.freeze[%d]", i), "must not be empty")
		}
	}
}

func (c *checker) data(d *Data) {
	c.oneOf("data.format", d.Format, formats)
	c.files("data.train", d.Train, d.Format)
	if !d.Test.empty() {
		c.files("data.test", d.Test, d.Format)
	}
	c.fraction("data.validation_split", d.ValidationSplit, 0, 0.5, true)
	c.atLeast("data.limit", d.Limit, 0)
	c.atLeast("data.test_limit", d.TestLimit, 0)
	c.atLeast("data.augment.random_crop", d.Augment.RandomCrop, 0)
	if rc := d.Augment.RandomResizedCrop; rc != nil {
		c.resizedCrop("data.augment.random_resized_crop", rc)
	}
	if n := d.Normalize; n != nil {
		c.nonNegative("data.normalize.scale", n.Scale)
		switch {
		case n.Mean.Auto != n.Std.Auto:
			c.fail("data.normalize.std", "mean and std must both be auto or both be numbers")
		case len(n.Mean.Values) != len(n.Std.Values):
			c.fail("data.normalize.std", "has %d values but mean has %d", len(n.Std.Values), len(n.Mean.Values))
		}
		for _, v := range n.Std.Values {
			if !(v > 0) {
				c.fail("data.normalize.std", "values must be positive, got %g", v)
				break
			}
		}
	}
}

// files checks that one data set names the files its format reads.
// resizedCrop checks a random resized crop's scale (0 < low <= high <= 1)
// and ratio (empty, or 0 < low <= high).
func (c *checker) resizedCrop(path string, rc *ResizedCrop) {
	if sc := rc.Scale; len(sc) != 2 || !(sc[0] > 0 && sc[0] <= sc[1] && sc[1] <= 1) {
		c.fail(path+".scale", "must be [low, high] with 0 < low <= high <= 1, got %v", sc)
	}
	if r := rc.Ratio; len(r) != 0 && (len(r) != 2 || !(r[0] > 0 && r[0] <= r[1])) {
		c.fail(path+".ratio", "must be [low, high] with 0 < low <= high, got %v", r)
	}
}

func (c *checker) files(path string, f Files, format string) {
	if format == "csv" {
		c.need(path+".file", f.File != "")
		const msg = "is for idx and npy data; csv data takes file and label_column"
		if f.Images != "" {
			c.fail(path+".images", msg)
		}
		if f.Labels != "" {
			c.fail(path+".labels", msg)
		}
		return
	}
	c.need(path+".images", f.Images != "")
	c.need(path+".labels", f.Labels != "")
	if f.File != "" {
		c.fail(path+".file", "is for csv data; %s data takes images and labels", format)
	}
}

func (c *checker) loss(l *Loss, classes int) {
	c.oneOf("loss.type", l.Type, losses)
	if l.Target != "" {
		c.oneOf("loss.target", l.Target, []string{"labels", "input"})
		if l.Target == "input" && l.Type == "cross_entropy" {
			c.fail("loss.target", "input needs a reconstruction loss (bce_with_logits, mse, l1 or huber), not cross_entropy")
		}
	}
	c.fraction("loss.label_smoothing", l.LabelSmoothing, 0, 1, false)
	for _, w := range l.ClassWeights {
		c.nonNegative("loss.class_weights", w)
	}
	if n := len(l.ClassWeights); n > 0 && classes > 0 && n != classes {
		c.fail("loss.class_weights", "has %d weights for %d classes", n, classes)
	}
	c.positive("loss.delta", l.Delta)
	c.nonNegative("loss.temperature", l.Temperature)
}

func (c *checker) optimizer(o *Optimizer) {
	c.oneOf("optimizer.type", o.Type, optimizers)
	c.positive("optimizer.lr", o.LR)
	c.fraction("optimizer.momentum", o.Momentum, 0, 1, false)
	if o.Nesterov && (o.Type != "sgd" || o.Momentum == 0) {
		c.fail("optimizer.nesterov", "needs optimizer.type sgd with momentum above 0")
	}
	c.fraction("optimizer.beta1", o.Beta1, 0, 1, false)
	c.fraction("optimizer.beta2", o.Beta2, 0, 1, false)
	c.positive("optimizer.eps", o.Eps)
	c.nonNegative("optimizer.weight_decay", o.WeightDecay)
	if !(o.BackboneLRScale > 0 && o.BackboneLRScale <= 1) {
		c.fail("optimizer.backbone_lr_scale", "must be in (0, 1], got %v", o.BackboneLRScale)
	}
}

func (c *checker) schedule(s *Schedule) {
	c.oneOf("schedule.type", s.Type, schedules)
	c.atLeast("schedule.warmup_epochs", s.WarmupEpochs, 0)
	c.atLeast("schedule.step_size", s.StepSize, 1)
	if !(s.Gamma > 0 && s.Gamma <= 1) {
		c.fail("schedule.gamma", "must be in (0, 1], got %g", s.Gamma)
	}
	c.nonNegative("schedule.min_lr", s.MinLR)
	if !(s.Factor > 0 && s.Factor < 1) {
		c.fail("schedule.factor", "must be in (0, 1), got %g", s.Factor)
	}
	c.atLeast("schedule.patience", s.Patience, 0)
}

// training checks the loop settings and the fields that depend on others.
func (c *checker) training() {
	s := c.s
	c.nonNegative("clip_norm", s.ClipNorm)
	c.atLeast("epochs", s.Epochs, 1)
	c.atLeast("batch_size", s.BatchSize, 1)
	c.atLeast("accumulate", s.Accumulate, 1)
	e := s.EarlyStopping
	c.oneOf("early_stopping.metric", e.Metric, metrics)
	c.atLeast("early_stopping.patience", e.Patience, 0)
	c.nonNegative("early_stopping.min_delta", e.MinDelta)
	if e.Patience > 0 && s.Data.ValidationSplit == 0 {
		c.fail("early_stopping.patience", "needs a validation set (data.validation_split above 0)")
	}
	if e.Patience > 0 && e.Metric == "val_accuracy" && slices.Contains(regression, s.Loss.Type) {
		c.fail("early_stopping.metric", "val_accuracy needs a classification loss, and loss.type is %s; use val_loss", s.Loss.Type)
	}
	c.atLeast("checkpoint.every", s.Checkpoint.Every, 0)
	c.atLeast("checkpoint.keep", s.Checkpoint.Keep, 1)
	if s.Export != "" && !filepath.IsLocal(s.Export) {
		c.fail("export", "must be a file name inside the out folder, got %q", s.Export)
	}
}
