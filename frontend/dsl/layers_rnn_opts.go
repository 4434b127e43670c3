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
}

// rnnOpts are the options every recurrent layer takes; GRU adds
// linear_before_reset.
var rnnOpts = []string{"weight_init", "bias_init", "no_bias", "bidirectional", "layers", "return_sequences", "layout"}

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

// ExportLayout selects the layout attribute of the ONNX node a recurrent layer
// exports as. DSL values are always batch first ([batch, steps,
// features]); layout 0 (the default) exports a sequence-first node
// ([steps, batch, features]) between Transposes, the form PyTorch's
// exporter writes and the only one ONNX Runtime accepts; layout 1 exports
// a batch-first node without Transposes, which dlc runs but ONNX Runtime
// rejects ("Batchwise recurrent operations (layout == 1) are not
// supported"). The Train graph is the same for both.
func ExportLayout(l int) Option { return Option{"layout", func(c *config) { c.rnn.layout = l }} }

// LinearBeforeReset chooses GRU's candidate formula: true (the default,
// PyTorch's and cuDNN's) applies the reset gate after the recurrent
// product, h̃ = tanh(Wh·x + Wbh + r⊙(Rh·h + Rbh)); false applies it before,
// h̃ = tanh(Wh·x + Wbh + Rh·(r⊙h) + Rbh), ONNX's default.
func LinearBeforeReset(on bool) Option {
	return Option{"linear_before_reset", func(c *config) { c.rnn.resetBefore = !on }}
}
