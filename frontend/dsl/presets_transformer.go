package dsl

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// TransformerSpec sizes a Transformer classifier of images or token
// sequences. Zero fields take the defaults, which are small enough to
// train on a CPU.
type TransformerSpec struct {
	// Input is [C, H, W] after the batch dim (default [1, 28, 28]), or
	// [T] token ids when Vocab > 0.
	Input []int
	// Vocab, when > 0, makes a token classifier: the input is int64 ids
	// in [0, Vocab), id 0 the padding.
	Vocab   int
	Classes int  // default 10
	Dim     int  // token width; default 64
	Heads   int  // attention heads; default 4
	FF      int  // feed-forward hidden size; default 128
	Layers  int  // encoder layers; default 2
	PreNorm bool // LayerNorm before each block instead of after
	Dropout float64
}

// TransformerClassifier defines a Transformer encoder that reads an image
// as a sequence: each row (all channels) is a token (RowTokens), linearly
// projected to Dim, plus a learned positional encoding, then Layers
// encoder layers, the mean over tokens and a Dense layer to the classes.
// A pre-norm stack gets a final LayerNorm before the pooling, as its
// last block's output is not normalized.
//
// With Vocab > 0 it reads token ids instead: Embedding(Vocab, Dim)
// replaces RowTokens and Linear, and every encoder layer's attention
// ignores the padding keys (PaddingMask of id 0); the mean over tokens
// still counts the padded positions, whose outputs the model learns.
func TransformerClassifier(s TransformerSpec) (Def, error) {
	if len(s.Input) == 0 && s.Vocab == 0 {
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
	case s.Vocab < 0:
		return Def{}, fmt.Errorf("transformer: vocab must not be negative, got %d", s.Vocab)
	case s.Vocab > 0 && len(s.Input) != 1:
		return Def{}, fmt.Errorf("transformer: vocab %d needs an input of [tokens] ids, got %v", s.Vocab, s.Input)
	case s.Vocab == 0 && len(s.Input) != 3:
		return Def{}, fmt.Errorf("transformer needs a [channels, height, width] input, got %v", s.Input)
	case s.Classes < 1 || s.Dim < 1 || s.Heads < 1 || s.FF < 1 || s.Layers < 1:
		return Def{}, fmt.Errorf("transformer: classes %d, dim %d, heads %d, ff %d and layers %d must be positive",
			s.Classes, s.Dim, s.Heads, s.FF, s.Layers)
	case s.Dim%s.Heads != 0:
		return Def{}, fmt.Errorf("transformer: dim %d is not a multiple of heads %d", s.Dim, s.Heads)
	case !(s.Dropout >= 0 && s.Dropout < 1):
		return Def{}, fmt.Errorf("transformer: dropout must be in [0, 1), got %v", s.Dropout)
	}
	if s.Vocab > 0 {
		return tokenTransformer(s), nil
	}
	ls := []Layer{RowTokens(), Linear(s.Dim), LearnedPositional()}
	for range s.Layers {
		ls = append(ls, TransformerEncoderLayer(s.Dim, s.Heads, s.FF, s.PreNorm, s.Dropout))
	}
	return Sequential("transformer", s.Input, append(ls, transformerHead(s)...)...), nil
}

// transformerHead is the classifier after the encoder layers: the final
// LayerNorm of a pre-norm stack, the mean over tokens, Dense.
func transformerHead(s TransformerSpec) []Layer {
	var ls []Layer
	if s.PreNorm {
		ls = append(ls, LayerNorm())
	}
	return append(ls, MeanTokens(), Dense(s.Classes))
}

// tokenTransformer is TransformerClassifier of a checked spec with Vocab
// > 0: its int64 ids go to the Embedding and, as a padding mask, to every
// encoder layer's attention.
func tokenTransformer(s TransformerSpec) Def {
	def := New("transformer", s.Input, func(x *Value) *Value {
		h := LearnedPositional().Apply(Embedding(s.Vocab, s.Dim).Apply(x))
		mask := PaddingMask(x, 0)
		for range s.Layers {
			h = TransformerEncoderLayer(s.Dim, s.Heads, s.FF, s.PreNorm, s.Dropout, AttnMask(mask)).Apply(h)
		}
		for _, l := range transformerHead(s) {
			h = l.Apply(h)
		}
		return h
	})
	def.InputDType = ir.Int64
	return def
}

// transformerPreset is the "transformer" preset: TransformerClassifier
// with its default sizes, the spec's input, classes and dropout (default
// none), and for token models its vocab and, as the width, embed.
func transformerPreset(s PresetSpec, input []int, classes int) (Def, error) {
	if len(s.Hidden) > 0 || len(s.Filters) > 0 {
		return Def{}, fmt.Errorf("preset transformer takes no hidden sizes or filters")
	}
	spec := TransformerSpec{Input: input, Classes: classes, Vocab: s.Vocab, Dim: s.Embed}
	if s.Embed%4 != 0 {
		return Def{}, fmt.Errorf("preset transformer: embed %d must be a multiple of its 4 attention heads", s.Embed)
	}
	if s.Dropout != nil {
		spec.Dropout = *s.Dropout
	}
	return TransformerClassifier(spec)
}
