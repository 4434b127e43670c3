// Package spec reads the declarative training spec that `dlc train
// SPEC.yaml` runs: the model, the data, the loss, the optimizer and its
// schedule, and where the run writes its artifacts.
//
// # Reading
//
// [Load] and [Parse] decode YAML onto [Default], so a key left out keeps
// its default. Decoding walks the YAML node tree against the Go struct
// (the yaml tags name the keys), and every error names the file, the line
// and the field path:
//
//	spec.yaml:7: model.hiden: unknown field (did you mean hidden?)
//	spec.yaml:9: optimizer.lr: want a number, got "fast"
//
// Relative data paths and model.onnx resolve against the spec file's
// folder; out resolves against the current directory.
//
// # Overrides and validation
//
// [Spec.Set] changes one field by its YAML path with the same type checks
// (`--set optimizer.lr=0.01`; the CLI's --epochs, --lr and similar flags
// use it too). [Spec.Validate] checks values and required fields once all
// overrides are applied.
package spec

// Spec is one training run. The yaml tags are the keys of the spec file;
// see [Default] for the value of every key left out.
type Spec struct {
	// Name names the run; it defaults to the spec file's name without
	// its extension.
	Name string `yaml:"name"`
	// Seed seeds parameter initialization, shuffling and augmentation.
	Seed int `yaml:"seed"`
	// Threads is the number of worker threads; 0 means one per core.
	Threads int `yaml:"threads"`
	// Precision is float32, bf16 or fp16. The spec only checks the word;
	// the trainer decides which precisions it supports.
	Precision string `yaml:"precision"`

	Model         Model         `yaml:"model"`
	Data          Data          `yaml:"data"`
	Loss          Loss          `yaml:"loss"`
	Optimizer     Optimizer     `yaml:"optimizer"`
	Schedule      Schedule      `yaml:"schedule"`
	EarlyStopping EarlyStopping `yaml:"early_stopping"`
	Checkpoint    Checkpoint    `yaml:"checkpoint"`

	// ClipNorm clips the global gradient norm to this value; 0 is off.
	ClipNorm float64 `yaml:"clip_norm"`
	// Epochs is the number of passes over the training data.
	Epochs int `yaml:"epochs"`
	// BatchSize is the number of samples per micro-batch.
	BatchSize int `yaml:"batch_size"`
	// Accumulate is the number of micro-batches whose gradients are summed
	// before one optimizer step.
	Accumulate int `yaml:"accumulate"`
	// Export is the file name, under Out, of the trained ONNX model; ""
	// means no export.
	Export string `yaml:"export"`
	// Out is the folder for every artifact of the run (checkpoints,
	// metrics, plots, the exported model); it defaults to runs/<name>.
	Out string `yaml:"out"`

	file  string         // spec file name used in errors
	lines map[string]int // YAML path -> line it was given on; 0 = override
}

// Model says what network is trained: a built-in preset or an ONNX model,
// exactly one of the two.
type Model struct {
	// Preset is a built-in architecture: mlp or fashion_cnn.
	Preset string `yaml:"preset"`
	// Input is the shape of one sample, without the batch axis.
	Input []int `yaml:"input"`
	// Hidden holds the widths of the hidden layers: the Dense layers of
	// mlp and fashion_cnn, the recurrent layers of lstm and gru (empty:
	// the preset's own default).
	Hidden []int `yaml:"hidden"`
	// Classes is the number of outputs.
	Classes int `yaml:"classes"`
	// Dropout is the drop probability in [0, 1).
	Dropout float64 `yaml:"dropout"`
	// ONNX is an ONNX model to train; its initializers are the parameters.
	ONNX string `yaml:"onnx"`
	// Freeze lists parameter name prefixes that are not trained.
	Freeze []string `yaml:"freeze"`
	// InitFrom is an ONNX model whose initializers start the preset's
	// parameters and statistics wherever name and shape match (transfer
	// learning: a classifier head of another size starts fresh).
	InitFrom string `yaml:"init_from"`
	// TrainLast, when > 0, trains only the last TrainLast layers that
	// have parameters and freezes the rest.
	TrainLast int `yaml:"train_last"`
	// Vocab, when > 0, makes lstm, gru and transformer token models:
	// Input is [steps] token ids in [0, Vocab) (0 the padding), read by
	// an Embedding first. The data holds the ids as numbers, not
	// normalized.
	Vocab int `yaml:"vocab,omitempty"`
	// Embed is the embedding width of a token model (0: the preset's
	// default, 32 for lstm and gru; for transformer it is the model
	// width, default 64, a multiple of 4).
	Embed int `yaml:"embed,omitempty"`
}

// Data says where the samples come from and how they are prepared.
type Data struct {
	// Format is idx, csv or npy.
	Format string `yaml:"format"`
	// Train is the training set, required.
	Train Files `yaml:"train"`
	// Test is the test set, optional.
	Test Files `yaml:"test"`
	// ValidationSplit is the fraction of Train held out for validation,
	// in [0, 0.5].
	ValidationSplit float64 `yaml:"validation_split"`
	// Limit uses only the first Limit training samples; 0 means all.
	Limit int `yaml:"limit"`
	// TestLimit uses only the first TestLimit test samples; 0 means all.
	TestLimit int `yaml:"test_limit"`
	// Classes, when set, keeps only the samples of these classes (train
	// and test), labels unchanged: train on a subset of the classes, then
	// fine-tune on all of them.
	Classes []int `yaml:"classes,omitempty"`
	// Normalize, when set, normalizes every sample.
	Normalize *Normalize `yaml:"normalize"`
	// Augment randomizes training samples.
	Augment Augment `yaml:"augment"`
}

// Files names the files of one data set: Images and Labels for idx and npy,
// File (with its LabelColumn) for csv.
type Files struct {
	Images string `yaml:"images"`
	Labels string `yaml:"labels"`
	File   string `yaml:"file"`
	// LabelColumn is the 0-based label column of a csv file; negative
	// values count from the end.
	LabelColumn int `yaml:"label_column"`
}

// empty reports whether no file is named.
func (f Files) empty() bool { return f.Images == "" && f.Labels == "" && f.File == "" }

// Normalize maps a value v of channel c to (v*Scale - Mean[c]) / Std[c].
type Normalize struct {
	// Scale multiplies raw values first; 0 means 1.
	Scale float64 `yaml:"scale"`
	// Mean and Std hold one value or one per channel, or are both "auto":
	// measured on the training split.
	Mean Stats `yaml:"mean"`
	Std  Stats `yaml:"std"`
}

// Augment lists the training-time augmentations.
type Augment struct {
	// RandomCrop pads by this many pixels and crops back at a random
	// offset; 0 is off.
	RandomCrop int `yaml:"random_crop"`
	// HorizontalFlip mirrors half of the images left to right.
	HorizontalFlip bool `yaml:"horizontal_flip"`
	// RandomResizedCrop, when set, crops a random window and scales it
	// back to the image size (bilinear), before the other augmentations.
	RandomResizedCrop *ResizedCrop `yaml:"random_resized_crop,omitempty"`
}

// ResizedCrop draws the window of a random resized crop.
type ResizedCrop struct {
	// Scale is [low, high]: the window's area as a fraction of the
	// image's, drawn uniformly, within (0, 1].
	Scale []float64 `yaml:"scale"`
	// Ratio is [low, high]: the window's width/height, drawn
	// log-uniformly; empty means [0.75, 1.3333].
	Ratio []float64 `yaml:"ratio,omitempty"`
}

// Loss is the training objective.
type Loss struct {
	// Type is cross_entropy, bce_with_logits, mse, l1 or huber.
	Type string `yaml:"type"`
	// LabelSmoothing mixes targets with the uniform distribution, in
	// [0, 1) (cross_entropy only).
	LabelSmoothing float64 `yaml:"label_smoothing"`
	// ClassWeights weighs each class's loss (cross_entropy only); empty
	// means all 1.
	ClassWeights []float64 `yaml:"class_weights"`
	// Delta is where huber switches from quadratic to linear.
	Delta float64 `yaml:"delta"`
	// Temperature divides the similarities of the contrastive preset's
	// NT-Xent loss (0: 0.05).
	Temperature float64 `yaml:"temperature,omitempty"`
	// Target is what the output is compared with: "labels" (the data's
	// labels, the default) or "input" (the input itself: autoencoders,
	// with bce_with_logits, mse, l1 or huber).
	Target string `yaml:"target,omitempty"`
}

// Optimizer is the update rule and its hyperparameters.
type Optimizer struct {
	// Type is sgd, adam, adamw or lamb.
	Type        string  `yaml:"type"`
	LR          float64 `yaml:"lr"`
	Momentum    float64 `yaml:"momentum"`
	Nesterov    bool    `yaml:"nesterov"`
	Beta1       float64 `yaml:"beta1"`
	Beta2       float64 `yaml:"beta2"`
	Eps         float64 `yaml:"eps"`
	WeightDecay float64 `yaml:"weight_decay"`
	// BackboneLRScale multiplies the learning rate of every parameter but
	// the last layer's (fine-tuning a pretrained backbone more gently);
	// 1 trains all alike.
	BackboneLRScale float64 `yaml:"backbone_lr_scale"`
}

// Schedule changes the learning rate between epochs.
type Schedule struct {
	// Type is none, step, exponential, cosine or plateau.
	Type string `yaml:"type"`
	// WarmupEpochs ramps the rate up linearly first; it combines with
	// any Type.
	WarmupEpochs int `yaml:"warmup_epochs"`
	// StepSize is the epochs between decays (step).
	StepSize int `yaml:"step_size"`
	// Gamma is the decay factor (step, exponential).
	Gamma float64 `yaml:"gamma"`
	// MinLR is the floor of the rate (cosine, plateau).
	MinLR float64 `yaml:"min_lr"`
	// Factor multiplies the rate when the validation loss stalls for
	// Patience epochs (plateau).
	Factor   float64 `yaml:"factor"`
	Patience int     `yaml:"patience"`
}

// EarlyStopping stops training when Metric has not improved by MinDelta
// for Patience epochs.
type EarlyStopping struct {
	// Metric is val_accuracy or val_loss.
	Metric string `yaml:"metric"`
	// Patience is in epochs; 0 turns early stopping off.
	Patience int     `yaml:"patience"`
	MinDelta float64 `yaml:"min_delta"`
}

// Checkpoint says how often the run saves its state.
type Checkpoint struct {
	// Every is the number of epochs between checkpoints; 0 saves only
	// the last epoch.
	Every int `yaml:"every"`
	// Keep is how many of the newest checkpoints stay on disk.
	Keep int `yaml:"keep"`
}

// Default returns the spec whose values apply to every key a spec file
// leaves out. Name and Out are empty: [Parse] derives them from the file
// name.
func Default() *Spec {
	return &Spec{
		Seed:      1,
		Precision: "float32",
		Model:     Model{},
		Data:      Data{Format: "idx", ValidationSplit: 0.1},
		Loss:      Loss{Type: "cross_entropy", Delta: 1},
		Optimizer: Optimizer{
			Type: "adam", LR: 0.001, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, BackboneLRScale: 1,
		},
		Schedule: Schedule{
			Type: "none", StepSize: 1, Gamma: 0.1, Factor: 0.1, Patience: 2,
		},
		EarlyStopping: EarlyStopping{Metric: "val_accuracy"},
		Checkpoint:    Checkpoint{Every: 1, Keep: 2},
		Epochs:        10,
		BatchSize:     64,
		Accumulate:    1,
		Export:        "model.onnx",
		lines:         map[string]int{},
	}
}
