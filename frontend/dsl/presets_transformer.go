package dsl

import "fmt"

// TransformerSpec sizes a Transformer image classifier. Zero fields take
// the defaults, which are small enough to train on a CPU.
type TransformerSpec struct {
	Input   []int // [C, H, W] after the batch dim; default [1, 28, 28]
	Classes int   // default 10
	Dim     int   // token width; default 64
	Heads   int   // attention heads; default 4
	FF      int   // feed-forward hidden size; default 128
	Layers  int   // encoder layers; default 2
	PreNorm bool  // LayerNorm before each block instead of after
	Dropout float64
}

// TransformerClassifier defines a Transformer encoder that reads an image
// as a sequence: each row (all channels) is a token (RowTokens), linearly
// projected to Dim, plus a learned positional encoding, then Layers
// encoder layers, the mean over tokens and a Dense layer to the classes.
// A pre-norm stack gets a final LayerNorm before the pooling, as its
// last block's output is not normalized.
func TransformerClassifier(s TransformerSpec) (Def, error) {
	if len(s.Input) == 0 {
		s.Input = []int{1, 28, 28}
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.Classes, 10)
	def(&s.Dim, 64)
	def(&s.Heads, 4)
	def(&s.FF, 128)
	def(&s.Layers, 2)
	switch {
	case len(s.Input) != 3:
		return Def{}, fmt.Errorf("transformer needs a [channels, height, width] input, got %v", s.Input)
	case s.Classes < 1 || s.Dim < 1 || s.Heads < 1 || s.FF < 1 || s.Layers < 1:
		return Def{}, fmt.Errorf("transformer: classes %d, dim %d, heads %d, ff %d and layers %d must be positive",
			s.Classes, s.Dim, s.Heads, s.FF, s.Layers)
	case s.Dim%s.Heads != 0:
		return Def{}, fmt.Errorf("transformer: dim %d is not a multiple of heads %d", s.Dim, s.Heads)
	case !(s.Dropout >= 0 && s.Dropout < 1):
		return Def{}, fmt.Errorf("transformer: dropout must be in [0, 1), got %v", s.Dropout)
	}
	ls := []Layer{RowTokens(), Linear(s.Dim), LearnedPositional()}
	for range s.Layers {
		ls = append(ls, TransformerEncoderLayer(s.Dim, s.Heads, s.FF, s.PreNorm, s.Dropout))
	}
	if s.PreNorm {
		ls = append(ls, LayerNorm())
	}
	ls = append(ls, MeanTokens(), Dense(s.Classes))
	return Sequential("transformer", s.Input, ls...), nil
}

// transformerPreset is the "transformer" preset: TransformerClassifier
// with its default sizes, the spec's input, classes and dropout (default
// none).
func transformerPreset(s PresetSpec, input []int, classes int) (Def, error) {
	if len(s.Hidden) > 0 || len(s.Filters) > 0 {
		return Def{}, fmt.Errorf("preset transformer takes no hidden sizes or filters")
	}
	spec := TransformerSpec{Input: input, Classes: classes}
	if s.Dropout != nil {
		spec.Dropout = *s.Dropout
	}
	return TransformerClassifier(spec)
}
