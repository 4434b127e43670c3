package dsl

// rnnConfig holds the settings of the recurrent layers (LSTM, GRU,
// SimpleRNN); its zero value is their default.
type rnnConfig struct {
	bidirectional bool
	layers        int // NumLayers's value; 1 when not set
	returnSeq     bool
	layout        int
	// resetBefore selects GRU's linear_before_reset=0 form; the default is
	// PyTorch's (linear_before_reset=1).
	resetBefore bool
	// seqFirst: the layer reads [steps, batch, features] (SequenceFirst).
	seqFirst bool
}

// rnnOpts are the options every recurrent layer takes; GRU adds
// linear_before_reset.
var rnnOpts = []string{"weight_init", "bias_init", "no_bias", "bidirectional", "layers", "return_sequences", "layout", "sequence_first"}

// Bidirectional runs a recurrent layer over the sequence in both
// directions and concatenates the two hidden states (forward first), as
// torch.nn.LSTM(bidirectional=True) does: outputs have 2·hidden features.
func Bidirectional() Option {
	return Option{"bidirectional", func(c *config) { c.rnn.bidirectional = true }}
}

// NumLayers stacks n recurrent layers of the same kind and size, each reading
// the full output sequence of the one below (torch's num_layers; default
// 1). Layer k's tensors are "<layer>.W_lk", "<layer>.R_lk", "<layer>.B_lk".
func NumLayers(n int) Option { return Option{"layers", func(c *config) { c.rnn.layers = n }} }

// ReturnSequences makes a recurrent layer return the hidden state of every
// step, [batch, steps, dirs·hidden], instead of the final hidden state
// [batch, dirs·hidden] (the default).
func ReturnSequences() Option {
	return Option{"return_sequences", func(c *config) { c.rnn.returnSeq = true }}
}

// ExportLayout selects the layout attribute of the ONNX node a recurrent
// layer exports as. Layout 0 (the default) exports a sequence-first node
// ([steps, batch, features]): the form PyTorch's exporter writes and the
// only one ONNX Runtime accepts; a batch-first layer (the default) gets
// Transposes around it, a SequenceFirst one reads its input as it is.
// Layout 1 exports a batch-first node, which dlc runs but ONNX Runtime
// rejects ("Batchwise recurrent operations (layout == 1) are not
// supported"). The Train graph is the same for both.
func ExportLayout(l int) Option { return Option{"layout", func(c *config) { c.rnn.layout = l }} }

// SequenceFirst makes a recurrent layer read a sequence-first value
// [steps, batch, features], as torch.nn.LSTM(batch_first=False) does, and
// return sequences (ReturnSequences) sequence-first too, [steps, batch,
// dirs·hidden]; the final hidden state stays [batch, dirs·hidden]. The
// model's input is batch first, so a sequence-first model starts with
// ToSequenceFirst and goes back with ToBatchFirst before batch-first
// layers:
//
//	Sequential("s2s", []int{steps, features},
//		ToSequenceFirst(),
//		LSTM(64, SequenceFirst(), ReturnSequences()), // [steps, batch, 64]
//		GRU(32, SequenceFirst()),                     // [batch, 32]
//		Dense(classes))
//
// It exports as the ONNX node in its native layout 0 reading the input
// as it is; only the directions of a bidirectional layer's outputs are
// transposed into place. (ExportLayout(1) would add Transposes.)
func SequenceFirst() Option {
	return Option{"sequence_first", func(c *config) { c.rnn.seqFirst = true }}
}

// LinearBeforeReset chooses GRU's candidate formula: true (the default,
// PyTorch's and cuDNN's) applies the reset gate after the recurrent
// product, h̃ = tanh(Wh·x + Wbh + r⊙(Rh·h + Rbh)); false applies it before,
// h̃ = tanh(Wh·x + Wbh + Rh·(r⊙h) + Rbh), ONNX's default.
func LinearBeforeReset(on bool) Option {
	return Option{"linear_before_reset", func(c *config) { c.rnn.resetBefore = !on }}
}
