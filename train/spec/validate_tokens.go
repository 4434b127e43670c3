package spec

import "slices"

// tokenPresets are the presets that take token ids (model.vocab).
var tokenPresets = []string{"lstm", "gru", "transformer"}

// tokens checks model.vocab and model.embed and what a token model
// rules out: its input is [steps] ids, which data.normalize would turn
// into fractions and the image augmentations would scramble, so both are
// refused rather than ignored.
func (c *checker) tokens(m *Model, d *Data) {
	c.atLeast("model.vocab", m.Vocab, 0)
	c.atLeast("model.embed", m.Embed, 0)
	if m.Vocab <= 0 {
		if m.Embed > 0 {
			c.fail("model.embed", "sizes the embedding of a token model; set model.vocab too")
		}
		return
	}
	switch {
	case m.ONNX != "":
		c.fail("model.vocab", "is for presets; an ONNX model (model.onnx) has its own input")
	case m.Preset != "" && !slices.Contains(tokenPresets, m.Preset):
		c.fail("model.vocab", "is for the token presets lstm, gru and transformer, not %s", m.Preset)
	case len(m.Input) > 1:
		c.fail("model.input", "a token model (model.vocab) takes [steps] ids, got %v", m.Input)
	}
	if m.Preset == "transformer" && m.Embed%4 != 0 {
		c.fail("model.embed", "must be a multiple of the transformer's 4 attention heads, got %d", m.Embed)
	}
	if d.Normalize != nil {
		c.fail("data.normalize", "token ids (model.vocab) must not be normalized; remove data.normalize")
	}
	a := d.Augment
	if a.RandomCrop > 0 || a.HorizontalFlip || a.RandomResizedCrop != nil {
		c.fail("data.augment", "is for images; a token model (model.vocab) takes none")
	}
}
