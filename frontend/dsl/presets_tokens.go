package dsl

import "fmt"

// tokenPresets are the presets that take token ids (PresetSpec.Vocab).
var tokenPresets = map[string]bool{"lstm": true, "gru": true, "transformer": true}

// checkTokens checks a PresetSpec's Vocab and Embed: not negative, Embed
// only with Vocab, Vocab only for a token preset and with an input of
// [steps] token ids. Each error names the field at fault.
func checkTokens(s PresetSpec) error {
	switch {
	case s.Vocab < 0:
		return fmt.Errorf("preset %s: vocab must not be negative, got %d", s.Preset, s.Vocab)
	case s.Embed < 0:
		return fmt.Errorf("preset %s: embed must not be negative, got %d", s.Preset, s.Embed)
	case s.Vocab == 0 && s.Embed > 0:
		return fmt.Errorf("preset %s: embed %d sizes the embedding of a token model; it needs vocab too", s.Preset, s.Embed)
	case s.Vocab == 0:
		return nil
	case !tokenPresets[s.Preset]:
		return fmt.Errorf("preset %s: vocab is for the token models lstm, gru and transformer", s.Preset)
	case len(s.Input) != 1:
		return fmt.Errorf("preset %s: vocab %d needs an input of [steps] token ids, got %v", s.Preset, s.Vocab, s.Input)
	}
	return nil
}
