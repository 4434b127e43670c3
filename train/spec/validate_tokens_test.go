package spec

import "testing"

// model.vocab and model.embed decode, take overrides, and validate.
func TestTokenModelFields(t *testing.T) {
	const text = "model: {preset: lstm, input: [16], vocab: 257, embed: 24, classes: 7}\n" +
		"data: {format: npy, train: {images: x.npy, labels: y.npy}}\n"
	s, err := Parse([]byte(text), "spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Model.Vocab != 257 || s.Model.Embed != 24 {
		t.Fatalf("model %+v", s.Model)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("model.embed", "64"); err != nil || s.Model.Embed != 64 {
		t.Fatalf("Set model.embed: %v (%d)", err, s.Model.Embed)
	}
	if err := s.Set("model.vocab", "many"); err == nil {
		t.Error("Set model.vocab=many succeeded")
	}
	if d := Default(); d.Model.Vocab != 0 || d.Model.Embed != 0 {
		t.Errorf("defaults %+v: a spec without vocab is an image model", d.Model)
	}
}

// Bad token settings, and the data settings a token model rules out,
// are errors naming the field and its line.
func TestTokenModelErrors(t *testing.T) {
	const train = "data: {format: npy, train: {images: x.npy, labels: y.npy}}\n"
	const lstm = "model: {preset: lstm, input: [16], vocab: 257, classes: 7}\n"
	for _, tc := range []struct{ text, want string }{
		{"model: {preset: lstm, input: [16], vocab: -1, classes: 7}\n" + train, "spec.yaml:1: model.vocab: must be at least 0, got -1"},
		{"model: {preset: lstm, input: [16], vocab: 9, embed: -4, classes: 7}\n" + train, "spec.yaml:1: model.embed: must be at least 0, got -4"},
		{"model: {preset: lstm, input: [16, 3], embed: 8, classes: 7}\n" + train,
			"spec.yaml:1: model.embed: sizes the embedding of a token model; set model.vocab too"},
		{"model: {preset: mlp, input: [16], vocab: 9, classes: 7}\n" + train,
			"spec.yaml:1: model.vocab: is for the token presets lstm, gru and transformer, not mlp"},
		{"model: {onnx: m.onnx, vocab: 9}\n" + train,
			"spec.yaml:1: model.vocab: is for presets; an ONNX model (model.onnx) has its own input"},
		{"model: {preset: gru, input: [1, 28, 28], vocab: 9, classes: 7}\n" + train,
			"spec.yaml:1: model.input: a token model (model.vocab) takes [steps] ids, got [1 28 28]"},
		{"model: {preset: transformer, input: [16], vocab: 9, embed: 30, classes: 7}\n" + train,
			"spec.yaml:1: model.embed: must be a multiple of the transformer's 4 attention heads, got 30"},
		{lstm + "data: {format: npy, train: {images: x.npy, labels: y.npy}, normalize: {scale: 0.5}}\n",
			"spec.yaml:2: data.normalize: token ids (model.vocab) must not be normalized; remove data.normalize"},
		{lstm + "data: {format: npy, train: {images: x.npy, labels: y.npy}, augment: {horizontal_flip: true}}\n",
			"spec.yaml:2: data.augment: is for images; a token model (model.vocab) takes none"},
	} {
		s, err := Parse([]byte(tc.text), "spec.yaml")
		if err != nil {
			t.Errorf("%q: parse: %v", tc.text, err)
			continue
		}
		err = s.Validate()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\ngot  %v\nwant %s", tc.text, err, tc.want)
		}
	}
	// An override gets the same check.
	s, err := Parse([]byte(lstm+train), "spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set("data.normalize.scale", "0.5"); err != nil {
		t.Fatal(err)
	}
	want := "spec.yaml: data.normalize: token ids (model.vocab) must not be normalized; remove data.normalize"
	if err := s.Validate(); err == nil || err.Error() != want {
		t.Errorf("normalize set by an override: got %v, want %s", err, want)
	}
}
