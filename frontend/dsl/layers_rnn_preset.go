package dsl

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// recurrentPreset builds the lstm and gru presets: an input [C, H, W]
// read as C·H steps of W features (an image's rows, channel after
// channel) or an input [steps, features] as it is, one recurrent layer
// per hidden size (all but the last returning sequences), Dropout on the
// final hidden state when p > 0, and Dense to the classes.
func recurrentPreset(kind string, input, hidden []int, p float64, classes int) (Def, error) {
	var seq []int
	switch len(input) {
	case 2:
		seq = input
	case 3:
		seq = []int{input[0] * input[1], input[2]}
	default:
		return Def{}, fmt.Errorf("preset %s needs a [steps, features] or [channels, height, width] input, got %v", kind, input)
	}
	var ls []Layer
	if len(input) == 3 {
		ls = append(ls, Reshape(seq))
	}
	ls, err := recurrentLayers(kind, ls, hidden, p, classes)
	if err != nil {
		return Def{}, err
	}
	return Sequential(kind, input, ls...), nil
}

// tokenRecurrentPreset builds the lstm and gru presets of token models:
// an input of [steps] token ids (int64; checkTokens has checked it),
// Embedding(vocab, embed) (embed 0: 32) giving [steps, embed], then the
// recurrent layers, Dropout and Dense of recurrentPreset. Padding (id 0)
// is an ordinary token that the cell reads: with left-padded sequences
// the final hidden state comes right after the last real token.
func tokenRecurrentPreset(kind string, input []int, vocab, embed int, hidden []int, p float64, classes int) (Def, error) {
	if embed == 0 {
		embed = 32
	}
	ls, err := recurrentLayers(kind, []Layer{Embedding(vocab, embed)}, hidden, p, classes)
	if err != nil {
		return Def{}, err
	}
	def := Sequential(kind, input, ls...)
	def.InputDType = ir.Int64
	return def, nil
}

// recurrentLayers appends to ls one recurrent layer per hidden size (all
// but the last returning sequences), Dropout when p > 0 and Dense to the
// classes.
func recurrentLayers(kind string, ls []Layer, hidden []int, p float64, classes int) ([]Layer, error) {
	if len(hidden) == 0 {
		return nil, fmt.Errorf("preset %s needs at least one hidden size", kind)
	}
	cell := LSTM
	if kind == "gru" {
		cell = GRU
	}
	for i, h := range hidden {
		if i < len(hidden)-1 {
			ls = append(ls, cell(h, ReturnSequences()))
		} else {
			ls = append(ls, cell(h))
		}
	}
	if p > 0 {
		ls = append(ls, Dropout(p))
	}
	return append(ls, Dense(classes)), nil
}
