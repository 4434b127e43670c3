package dsl

// Options of the attention, transformer and upsampling layers.

// archConfig holds their settings inside config.
type archConfig struct {
	causal  bool
	mask    *Value // additive mask of self-attention
	memMask *Value // additive mask of a decoder's cross-attention
	dropout float64
	outPad  int
}

// Causal masks attention so that position i sees only positions up to i
// (a constant added to the scores: 0 on and below the diagonal, -1e9
// above). Queries and keys must have the same length.
func Causal() Option { return Option{"causal", func(c *config) { c.arch.causal = true }} }

// AttnMask adds m to the attention scores before the softmax: an additive
// mask of shape [1 or heads, 1 or queries, keys] after the batch dim,
// typically PaddingMask of the token ids, so that padded keys get no
// weight. m must be built in the same definition run as the layer.
func AttnMask(m *Value) Option { return Option{"attn_mask", func(c *config) { c.arch.mask = m }} }

// MemoryMask is AttnMask for a decoder layer's cross-attention over the
// memory (its keys are the memory positions).
func MemoryMask(m *Value) Option {
	return Option{"memory_mask", func(c *config) { c.arch.memMask = m }}
}

// AttnDropout drops attention weights with probability p in Train mode
// (see Dropout; default 0).
func AttnDropout(p float64) Option {
	return Option{"attn_dropout", func(c *config) { c.arch.dropout = p }}
}

// OutputPadding adds n rows and columns at the end of a ConvTranspose2D
// output (below the stride; default 0), as PyTorch's output_padding, to
// pick one of the input sizes a strided Conv2D maps to the same output.
func OutputPadding(n int) Option {
	return Option{"output_padding", func(c *config) { c.arch.outPad = n }}
}
