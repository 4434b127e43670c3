package main

import (
	"testing"

	"github.com/dlc-go/dlc/train/spec"
)

// TestSpecDigestStable pins the digests that checkpoints of the example
// specs carry, as the version before model.vocab and model.embed wrote
// them: a spec field added later must not stop older checkpoints from
// resuming (--resume refuses a checkpoint of another digest).
func TestSpecDigestStable(t *testing.T) {
	for name, want := range map[string]string{
		"fashion-mlp":  "c44b580125aaa757",
		"fashion-cnn":  "345964ddc0b6bcbe",
		"fashion-lstm": "73a629282cd3b3e1",
	} {
		s, err := spec.Load("../../examples/train/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if got := digest(s); got != want {
			t.Errorf("%s: digest %s, want %s", name, got, want)
		}
	}
	s, err := spec.Load("../../examples/train/words-lstm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plain := *s
	plain.Model.Vocab, plain.Model.Embed = 0, 0
	if digest(s) == digest(&plain) {
		t.Error("model.vocab does not change the digest")
	}
}
