package dsl

import (
	"fmt"
	"slices"
	"sort"
)

// MLP defines a multilayer perceptron on inputs of shape input: Flatten,
// then for each size but the last a Dense layer and ReLU, then a Dense
// layer of the last size (the logits). MLP([]int{1, 28, 28}, 256, 256, 10)
// has 269,322 parameters, as its PyTorch twin.
func MLP(input []int, sizes ...int) Def {
	return Sequential("mlp", input, mlpLayers(sizes, 0)...)
}

func mlpLayers(sizes []int, dropout float64) []Layer {
	ls := []Layer{Flatten()}
	for i, n := range sizes {
		ls = append(ls, Dense(n))
		if i < len(sizes)-1 {
			ls = append(ls, ReLU())
			if dropout > 0 {
				ls = append(ls, Dropout(dropout))
			}
		}
	}
	return ls
}

// FashionCNN defines the reference CNN for 28×28 grey images in 10
// classes: two blocks of 3×3 "same" Conv2D (32, then 64 filters),
// BatchNorm, ReLU and 2×2 MaxPool, then Flatten, Dense 128, ReLU,
// Dropout 0.3 and Dense 10.
func FashionCNN() Def {
	return cnn("fashion_cnn", []int{1, 28, 28}, []int{32, 64}, []int{128}, 0.3, 10)
}

func cnn(name string, input, filters, hidden []int, dropout float64, classes int) Def {
	var ls []Layer
	for _, f := range filters {
		ls = append(ls, Conv2D(f, 3, Padding(Same)), BatchNorm(), ReLU(), MaxPool2D(2))
	}
	ls = append(ls, Flatten())
	for _, h := range hidden {
		ls = append(ls, Dense(h), ReLU())
		if dropout > 0 {
			ls = append(ls, Dropout(dropout))
		}
	}
	ls = append(ls, Dense(classes))
	return Sequential(name, input, ls...)
}

// PresetSpec selects and sizes a preset architecture, as a training
// configuration names it (model: {preset: mlp, hidden: [256, 256]}).
// Zero fields take the preset's defaults.
type PresetSpec struct {
	Preset  string
	Input   []int // after the batch dim; default [1, 28, 28]
	Classes int   // default 10
	// Hidden sizes the hidden Dense layers: mlp default [256, 256], cnn
	// default [128].
	Hidden []int
	// Filters sizes the conv blocks of cnn (default [32, 64]).
	Filters []int
	// Dropout after each hidden Dense layer's ReLU: mlp default none, cnn
	// default 0.3. A pointer so that an explicit 0 turns it off.
	Dropout *float64
	// Vocab, when > 0, makes lstm, gru and transformer token models: the
	// input is [steps] token ids (Def.InputDType Int64) in [0, Vocab), id
	// 0 the padding, and the first layer is Embedding(Vocab, Embed).
	// 0 keeps the image presets.
	Vocab int
	// Embed is the embedding width of a token model: lstm and gru default
	// 32; for transformer it is the model width (default 64, a multiple
	// of its 4 heads).
	Embed int
}

// presetDoc describes each preset for Presets.
var presetDoc = map[string]string{
	"mlp":         "Flatten, then Dense+ReLU per hidden size, then Dense to the classes",
	"transformer": "image rows as tokens, Linear to 64, learned positions, 2 encoder layers (4 heads, ff 128), mean over tokens, Dense to the classes; with vocab, [steps] token ids (0 = padding, masked out of attention) through Embedding(vocab, embed, default 64) instead of rows and Linear",
	"lstm":        "the input read as a sequence (an image's rows; [C, H, W] becomes C*H steps of W), an LSTM per hidden size (default [128]; all but the last return sequences), its final hidden state, Dropout if set, Dense to the classes; with vocab, [steps] token ids (0 = padding) through Embedding(vocab, embed, default 32) first",
	"gru":         "as lstm with GRU layers (PyTorch's linear_before_reset form), token ids too",
	"vae":         "a convolutional variational autoencoder of [1, 28, 28] images (VAE): latent size Hidden[0] (default 16), outputs pixel logits",
	"cnn":         "per filter count a 3x3 same Conv2D+BatchNorm+ReLU+2x2 MaxPool block, Flatten, Dense+ReLU+Dropout per hidden size, Dense to the classes (the defaults are FashionCNN)",
}

// Presets lists the preset names with a line describing each.
func Presets() map[string]string {
	out := make(map[string]string, len(presetDoc))
	for k, v := range presetDoc {
		out[k] = v
	}
	return out
}

// Preset returns the definition a PresetSpec names.
func Preset(s PresetSpec) (Def, error) {
	if err := checkTokens(s); err != nil {
		return Def{}, err
	}
	input := s.Input
	if len(input) == 0 && s.Vocab == 0 {
		input = []int{1, 28, 28}
	}
	classes := s.Classes
	if classes == 0 {
		classes = 10
	}
	if classes < 1 {
		return Def{}, fmt.Errorf("preset %q: classes must be positive, got %d", s.Preset, classes)
	}
	for _, list := range [][]int{s.Hidden, s.Filters} {
		if slices.ContainsFunc(list, func(n int) bool { return n < 1 }) {
			return Def{}, fmt.Errorf("preset %q: layer sizes must be positive, got %v", s.Preset, list)
		}
	}
	dropout := func(def float64) (float64, error) {
		if s.Dropout == nil {
			return def, nil
		}
		if p := *s.Dropout; !(p >= 0 && p < 1) {
			return 0, fmt.Errorf("preset %q: dropout must be in [0, 1), got %v", s.Preset, p)
		}
		return *s.Dropout, nil
	}
	switch s.Preset {
	case "mlp":
		hidden := s.Hidden
		if hidden == nil {
			hidden = []int{256, 256}
		}
		if len(s.Filters) > 0 {
			return Def{}, fmt.Errorf("preset mlp takes no filters")
		}
		p, err := dropout(0)
		if err != nil {
			return Def{}, err
		}
		return Sequential("mlp", input, mlpLayers(append(slices.Clone(hidden), classes), p)...), nil
	case "cnn", "fashion_cnn":
		filters, hidden := s.Filters, s.Hidden
		if filters == nil {
			filters = []int{32, 64}
		}
		if hidden == nil {
			hidden = []int{128}
		}
		if len(input) != 3 {
			return Def{}, fmt.Errorf("preset cnn needs a [channels, height, width] input, got %v", input)
		}
		p, err := dropout(0.3)
		if err != nil {
			return Def{}, err
		}
		return cnn("cnn", input, filters, hidden, p, classes), nil
	case "transformer":
		return transformerPreset(s, input, classes)
	case "vae":
		latent := 16
		if len(s.Hidden) > 0 {
			latent = s.Hidden[0]
		}
		// Per pixel: with a reconstruction loss averaged over the 784
		// pixels, a KL weight of 1/784 is the usual ELBO scaled by 1/784.
		return VAE(latent, 1.0/784)
	case "lstm", "gru":
		if len(s.Filters) > 0 {
			return Def{}, fmt.Errorf("preset %s takes no filters", s.Preset)
		}
		hidden := s.Hidden
		if hidden == nil {
			hidden = []int{128}
		}
		p, err := dropout(0)
		if err != nil {
			return Def{}, err
		}
		if s.Vocab > 0 {
			return tokenRecurrentPreset(s.Preset, input, s.Vocab, s.Embed, hidden, p, classes)
		}
		return recurrentPreset(s.Preset, input, hidden, p, classes)
	}
	names := make([]string, 0, len(presetDoc))
	for k := range presetDoc {
		names = append(names, k)
	}
	sort.Strings(names)
	return Def{}, fmt.Errorf("unknown preset %q (have %v)", s.Preset, names)
}
