package main

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
	"github.com/dlc-go/dlc/train/spec"
)

// What a training spec turns into, piece by piece.

// trainModel is the model being trained: a DSL model (presets) or an
// imported ONNX model.
type trainModel struct {
	m    *train.Model
	dsl  *dsl.Model // nil for ONNX
	onnx *ir.Model  // nil for presets
	// lrScale is the learning-rate factor of the backbone's parameters.
	lrScale map[string]float64
	// notes say what init_from and train_last did.
	notes []string
}

func buildModel(s *spec.Spec) (*trainModel, error) {
	if s.Model.ONNX != "" {
		m, err := onnx.Load(s.Model.ONNX)
		if err != nil {
			return nil, err
		}
		tm, err := train.FromONNX(m, s.Model.Freeze)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Model.ONNX, err)
		}
		return &trainModel{m: tm, onnx: m}, nil
	}
	ps := dsl.PresetSpec{Preset: s.Model.Preset, Input: s.Model.Input, Classes: s.Model.Classes, Hidden: s.Model.Hidden,
		Vocab: s.Model.Vocab, Embed: s.Model.Embed}
	if s.Model.Preset == "fashion_cnn" {
		ps.Preset = "cnn"
	}
	if s.Model.Dropout > 0 || s.Model.Preset == "mlp" {
		p := s.Model.Dropout
		ps.Dropout = &p
	}
	def, err := dsl.Preset(ps)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	d, err := def.Build(uint64(s.Seed))
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	out := &trainModel{dsl: d, lrScale: map[string]float64{}}
	if s.Model.InitFrom != "" {
		note, err := initFrom(d, s.Model.InitFrom)
		if err != nil {
			return nil, fmt.Errorf("model.init_from: %w", err)
		}
		out.notes = append(out.notes, note)
	}
	if len(s.Model.Freeze) > 0 {
		if err := d.Freeze(s.Model.Freeze...); err != nil {
			return nil, fmt.Errorf("model.freeze: %w", err)
		}
	}
	// The layers with parameters, in order; the last is the head.
	var layers []string
	for _, l := range d.Layers() {
		if l.Params > 0 {
			layers = append(layers, l.Name)
		}
	}
	if k := s.Model.TrainLast; k > 0 && k < len(layers) {
		if err := d.Freeze(layers[:len(layers)-k]...); err != nil {
			return nil, fmt.Errorf("model.train_last: %w", err)
		}
		out.notes = append(out.notes, fmt.Sprintf("train_last %d: training %v, the other %d layers frozen", k, layers[len(layers)-k:], len(layers)-k))
	}
	if f := s.Optimizer.BackboneLRScale; f != 1 && len(layers) > 0 {
		head := layers[len(layers)-1]
		for _, p := range d.TrainableParams() {
			if p.Layer != head {
				out.lrScale[p.Name] = f
			}
		}
	}
	if out.m, err = train.FromDSL(d); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return out, nil
}

// initFrom starts d's parameters and statistics from an ONNX model's
// initializers of the same name and shape; the others (a classifier head
// for another number of classes) keep their fresh values.
func initFrom(d *dsl.Model, path string) (string, error) {
	m, err := onnx.Load(path)
	if err != nil {
		return "", err
	}
	inits := map[string]*ir.Tensor{}
	for _, v := range m.Graph.Inits {
		if v.Init != nil {
			inits[v.Name] = v.Init
		}
	}
	copied := 0
	var fresh []string
	for _, p := range append(d.Params(), d.State()...) {
		t := inits[p.Name]
		if t == nil || !slices.Equal(t.Shape, p.Value.Shape) {
			fresh = append(fresh, p.Name)
			continue
		}
		if err := d.SetParam(p.Name, t); err != nil {
			return "", err
		}
		copied++
	}
	if copied == 0 {
		return "", fmt.Errorf("%s: no initializer matches a parameter of the model by name and shape", path)
	}
	note := fmt.Sprintf("init_from %s: %d tensors copied", path, copied)
	if len(fresh) > 0 {
		note += fmt.Sprintf(", %d fresh (%v)", len(fresh), fresh)
	}
	return note, nil
}

// inputShape is the model's sample shape (after the batch dim).
func (tm *trainModel) inputShape() []int {
	for _, v := range tm.m.Eval.Graph.Inputs {
		if v.Init == nil && tm.m.Values[v.Name] == nil {
			var s []int
			for _, d := range v.Type.Shape.Dims[1:] {
				s = append(s, int(d.Size))
			}
			return s
		}
	}
	return nil
}

// datasets are the training, validation and test data, normalized.
type datasets struct {
	train, val, test data.Dataset
	augment          data.Augmenter
}

func loadData(s *spec.Spec, input []int, classes int) (*datasets, error) {
	load := func(f spec.Files, what string) (data.Dataset, error) {
		var m *data.Memory
		var err error
		bound := classes
		if len(s.Data.Classes) > 0 {
			bound = 0 // checked against classes once filtered
		}
		switch s.Data.Format {
		case "idx":
			m, err = data.LoadIDX(f.Images, f.Labels, data.IDXOptions{NumClasses: bound})
		case "csv":
			m, err = data.LoadCSV(f.File, data.CSVOptions{LabelColumn: f.LabelColumn, NumClasses: bound})
		case "npy":
			m, err = data.LoadNPY(f.Images, f.Labels, data.NPYOptions{NumClasses: bound})
		default:
			return nil, fmt.Errorf("data.format %q: want idx, csv or npy", s.Data.Format)
		}
		if err != nil {
			return nil, fmt.Errorf("data.%s: %w", what, err)
		}
		if len(s.Data.Classes) > 0 {
			if m, err = keepClasses(m, s.Data.Classes, classes); err != nil {
				return nil, fmt.Errorf("data.%s: %w", what, err)
			}
		}
		file := f.Images
		if file == "" {
			file = f.File
		}
		if size(m.SampleShape()) != size(input) {
			return nil, fmt.Errorf("data.%s: %s has samples of shape %v; the model takes %v", what, file, m.SampleShape(), input)
		}
		if slices.Equal(m.SampleShape(), input) {
			return m, nil
		}
		return data.Reshape(m, input)
	}
	out := &datasets{}
	all, err := load(s.Data.Train, "train")
	if err != nil {
		return nil, err
	}
	if s.Data.Limit > 0 {
		all = data.Subset(all, min(s.Data.Limit, all.Len()))
	}
	out.train = all
	if s.Data.ValidationSplit > 0 {
		if out.train, out.val, err = data.Split(all, s.Data.ValidationSplit, uint64(s.Seed)); err != nil {
			return nil, fmt.Errorf("data.validation_split: %w", err)
		}
	}
	if s.Data.Test.Images != "" || s.Data.Test.File != "" {
		if out.test, err = load(s.Data.Test, "test"); err != nil {
			return nil, err
		}
		if s.Data.TestLimit > 0 {
			out.test = data.Subset(out.test, min(s.Data.TestLimit, out.test.Len()))
		}
	}
	if n := s.Data.Normalize; n != nil {
		norm := data.Norm{Scale: float32(n.Scale)}
		if norm.Scale == 0 {
			norm.Scale = 1
		}
		if n.Mean.Auto || n.Std.Auto {
			auto := data.ComputeNorm(out.train, norm.Scale, false)
			norm.Mean, norm.Std = auto.Mean, auto.Std
		}
		if !n.Mean.Auto && len(n.Mean.Values) > 0 {
			norm.Mean = float32s(n.Mean.Values)
		}
		if !n.Std.Auto && len(n.Std.Values) > 0 {
			norm.Std = float32s(n.Std.Values)
		}
		for _, ds := range []*data.Dataset{&out.train, &out.val, &out.test} {
			if *ds == nil {
				continue
			}
			if *ds, err = data.Normalize(*ds, norm); err != nil {
				return nil, fmt.Errorf("data.normalize: %w", err)
			}
		}
	}
	aug := specAugment(s.Data.Augment)
	if len(aug) > 0 {
		if err := aug.Check(input); err != nil {
			return nil, fmt.Errorf("data.augment: %w", err)
		}
		out.augment = aug
	}
	return out, nil
}

// keepClasses returns the samples of m whose class is one of classes.
func keepClasses(m *data.Memory, classes []int, numClasses int) (*data.Memory, error) {
	if m.Classes == nil {
		return nil, fmt.Errorf("data.classes needs class labels")
	}
	sample := size(m.Shape)
	var x []float32
	var y []int64
	for i, c := range m.Classes {
		if slices.Contains(classes, int(c)) {
			x = append(x, m.X[i*sample:(i+1)*sample]...)
			y = append(y, c)
		}
	}
	if len(y) == 0 {
		return nil, fmt.Errorf("no sample has a class in data.classes %v", classes)
	}
	return data.NewClassification(m.Name, x, m.Shape, y, numClasses)
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func float32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// stepConfig is the loss and optimizer the spec names.
func stepConfig(s *spec.Spec, labels data.LabelSpec) (train.StepConfig, error) {
	c := train.StepConfig{Batch: s.BatchSize, ClipNorm: s.ClipNorm, Accumulate: s.Accumulate, LabelType: ir.Int64,
		TargetInput: s.Loss.Target == "input", LossScaling: precision(s) == gemm.Float16}
	if labels.Regression {
		c.LabelType, c.LabelShape = ir.Float32, labels.Shape
	}
	switch s.Loss.Type {
	case "cross_entropy":
		if labels.Regression {
			return c, fmt.Errorf("loss cross_entropy needs class labels; the data has regression targets")
		}
		c.Loss = loss.CrossEntropy{LabelSmoothing: s.Loss.LabelSmoothing, Weights: s.Loss.ClassWeights}
	case "bce_with_logits", "mse", "l1", "huber":
		if !labels.Regression && !c.TargetInput {
			return c, fmt.Errorf("loss %s needs float targets; the data has class labels (use cross_entropy, or loss.target: input for an autoencoder)", s.Loss.Type)
		}
		switch s.Loss.Type {
		case "bce_with_logits":
			c.Loss = loss.BCEWithLogits{}
		case "mse":
			c.Loss = loss.MSE{}
		case "l1":
			c.Loss = loss.L1{}
		default:
			c.Loss = loss.Huber{Delta: s.Loss.Delta}
		}
	default:
		return c, fmt.Errorf("loss.type %q is not supported", s.Loss.Type)
	}
	var err error
	c.Optimizer, err = optimizerOf(s)
	return c, err
}

// optimizerOf is the optimizer the spec names.
func optimizerOf(s *spec.Spec) (optim.Optimizer, error) {
	o := s.Optimizer
	switch o.Type {
	case "sgd":
		return optim.SGD{Momentum: o.Momentum, Nesterov: o.Nesterov, WeightDecay: o.WeightDecay}, nil
	case "adam", "adamw":
		return optim.Adam{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay, Decoupled: o.Type == "adamw"}, nil
	case "lamb":
		return optim.LAMB{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay}, nil
	}
	return nil, fmt.Errorf("optimizer.type %q is not supported", o.Type)
}

func schedule(s *spec.Spec) *train.Schedule {
	sc := s.Schedule
	return &train.Schedule{Kind: sc.Type, Base: s.Optimizer.LR, WarmupEpochs: sc.WarmupEpochs, StepSize: sc.StepSize,
		Gamma: sc.Gamma, MinLR: sc.MinLR, Factor: sc.Factor, Patience: sc.Patience, Epochs: s.Epochs}
}

// precision is the spec's precision (validated by spec.Validate): fp16
// also turns on dynamic loss scaling in stepConfig.
func precision(s *spec.Spec) gemm.Precision {
	p, _ := gemm.ParsePrecision(s.Precision)
	return p
}

// specAugment is the spec's data.augment in the order it applies: the
// random resized crop, the padded crop, the flip (empty for none).
func specAugment(a spec.Augment) data.Compose {
	var aug data.Compose
	if rc := a.RandomResizedCrop; rc != nil {
		c := data.RandomResizedCrop{Scale: [2]float64(rc.Scale)}
		if len(rc.Ratio) == 2 {
			c.Ratio = [2]float64(rc.Ratio)
		}
		aug = append(aug, c)
	}
	if a.RandomCrop > 0 {
		aug = append(aug, data.RandomCrop{Pad: a.RandomCrop})
	}
	if a.HorizontalFlip {
		aug = append(aug, data.RandomFlip{})
	}
	return aug
}
