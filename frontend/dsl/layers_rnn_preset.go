package dsl

import "fmt"

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
	if len(hidden) == 0 {
		return Def{}, fmt.Errorf("preset %s needs at least one hidden size", kind)
	}
	cell := LSTM
	if kind == "gru" {
		cell = GRU
	}
	var ls []Layer
	if len(input) == 3 {
		ls = append(ls, Reshape(seq))
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
	ls = append(ls, Dense(classes))
	return Sequential(kind, input, ls...), nil
}
