package dsl_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// tokenPreset builds a preset or fails the test.
func tokenPreset(t *testing.T, s dsl.PresetSpec) *dsl.Model {
	t.Helper()
	def, err := dsl.Preset(s)
	if err != nil {
		t.Fatal(err)
	}
	m, err := def.Build(1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// evalLogits runs m's inference graph on x.
func evalLogits(t *testing.T, m *dsl.Model, x *ir.Tensor) *ir.Tensor {
	t.Helper()
	g, err := m.Graph(dsl.Eval, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := runtime.New(g, runtime.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	outs, err := s.Run(map[string]ir.Data{dsl.InputName: x})
	if err != nil {
		t.Fatal(err)
	}
	return outs[0].(*ir.Tensor)
}

// randomIDs is [batch, steps] int64 ids in [0, vocab), about a third of
// them 0 (padding).
func randomIDs(r *rand.Rand, batch, steps, vocab int) *ir.Tensor {
	ids := make([]int64, batch*steps)
	for i := range ids {
		if r.IntN(3) > 0 {
			ids[i] = int64(r.IntN(vocab))
		}
	}
	return ir.FromSlice([]int{batch, steps}, ids)
}

// With vocab, lstm, gru and transformer take [steps] int64 ids, start
// with Embedding(vocab, embed) (default widths 32 and 64), and have
// PyTorch's parameter counts.
func TestTokenPresetShapes(t *testing.T) {
	const vocab, steps, classes = 257, 16, 7
	lstm := func(in, h int) int { return 4*h*(in+h) + 8*h }
	gru := func(in, h int) int { return 3*h*(in+h) + 6*h }
	enc := func(d, ff int) int { return 4*(d*d+d) + (d*ff + ff) + (ff*d + d) + 4*d }
	for _, c := range []struct {
		spec   dsl.PresetSpec
		embed  int
		params int
	}{
		{dsl.PresetSpec{Preset: "lstm"}, 32, vocab*32 + lstm(32, 128) + 128*classes + classes},
		{dsl.PresetSpec{Preset: "gru", Embed: 8, Hidden: []int{20, 10}}, 8, vocab*8 + gru(8, 20) + gru(20, 10) + 10*classes + classes},
		{dsl.PresetSpec{Preset: "transformer"}, 64, vocab*64 + steps*64 + 2*enc(64, 128) + 64*classes + classes},
		{dsl.PresetSpec{Preset: "transformer", Embed: 16}, 16, vocab*16 + steps*16 + 2*enc(16, 128) + 16*classes + classes},
	} {
		s := c.spec
		s.Vocab, s.Input, s.Classes = vocab, []int{steps}, classes
		m := tokenPreset(t, s)
		if m.InputDType() != ir.Int64 {
			t.Errorf("%+v: input dtype %s, want int64", s, m.InputDType())
		}
		first := m.Layers()[0]
		if first.Kind != "embedding" || !slices.Equal(first.Output, []int{steps, c.embed}) || first.Params != vocab*c.embed {
			t.Errorf("%+v: first layer %+v, want an embedding to [%d %d]", s, first, steps, c.embed)
		}
		if got := m.NumParams(); got != c.params {
			t.Errorf("%+v: %d parameters, want %d", s, got, c.params)
		}
		if !slices.Equal(m.OutputShape(), []int{classes}) {
			t.Errorf("%+v: output shape %v", s, m.OutputShape())
		}
		g, err := m.Graph(dsl.Eval, 0)
		if err != nil {
			t.Fatal(err)
		}
		in := g.Graph.Inputs[0]
		if in.Name != dsl.InputName || in.Type.DType != ir.Int64 || in.Type.Shape.Rank() != 2 || in.Type.Shape.Dims[1].Size != steps {
			t.Errorf("%+v: graph input %s %s %v", s, in.Name, in.Type.DType, in.Type.Shape)
		}
	}
}

// The token lstm preset computes what its image form computes on the
// embedded ids: rows of the embedding table, looked up in plain Go, fed
// to the [steps, embed] lstm preset with the same recurrent and dense
// parameters give the same logits.
func TestTokenPresetIsEmbeddingLookup(t *testing.T) {
	const vocab, steps, embed, batch = 11, 6, 4, 5
	for _, kind := range []string{"lstm", "gru"} {
		tok := tokenPreset(t, dsl.PresetSpec{Preset: kind, Input: []int{steps}, Vocab: vocab, Embed: embed, Hidden: []int{5}, Classes: 3})
		flt := tokenPreset(t, dsl.PresetSpec{Preset: kind, Input: []int{steps, embed}, Hidden: []int{5}, Classes: 3})
		for _, p := range flt.Params() {
			v, err := tok.Param(p.Name)
			if err != nil {
				t.Fatalf("%s: the token preset lacks %s: %v", kind, p.Name, err)
			}
			if err := flt.SetParam(p.Name, v); err != nil {
				t.Fatal(err)
			}
		}
		table, err := tok.Param("embedding_1.weight")
		if err != nil {
			t.Fatal(err)
		}
		ids := randomIDs(rand.New(rand.NewPCG(3, 4)), batch, steps, vocab)
		x := ir.Zeros(ir.Float32, []int{batch, steps, embed})
		for i, id := range ids.Data.([]int64) {
			for j := range embed {
				x.SetFloat64At(i*embed+j, table.Float64At(int(id)*embed+j))
			}
		}
		got, want := evalLogits(t, tok, ids), evalLogits(t, flt, x)
		if !slices.Equal(got.Shape, []int{batch, 3}) {
			t.Fatalf("%s: logits %v", kind, got.Shape)
		}
		for i := range want.Len() {
			if d := math.Abs(got.Float64At(i) - want.Float64At(i)); d > 1e-5 {
				t.Fatalf("%s: logit %d is %v, the embedded float model gives %v", kind, i, got.Float64At(i), want.Float64At(i))
			}
		}
	}
}

// Bad vocab and embed settings are one-line errors naming the field.
func TestTokenPresetErrors(t *testing.T) {
	for _, c := range []struct {
		spec dsl.PresetSpec
		want string
	}{
		{dsl.PresetSpec{Preset: "lstm", Vocab: -1, Input: []int{8}}, "vocab must not be negative"},
		{dsl.PresetSpec{Preset: "lstm", Vocab: 9, Embed: -2, Input: []int{8}}, "embed must not be negative"},
		{dsl.PresetSpec{Preset: "gru", Embed: 8, Input: []int{8, 3}}, "embed 8 sizes the embedding of a token model; it needs vocab"},
		{dsl.PresetSpec{Preset: "lstm", Vocab: 9}, "vocab 9 needs an input of [steps] token ids"},
		{dsl.PresetSpec{Preset: "lstm", Vocab: 9, Input: []int{1, 28, 28}}, "vocab 9 needs an input of [steps] token ids, got [1 28 28]"},
		{dsl.PresetSpec{Preset: "transformer", Vocab: 9, Input: []int{16, 4}}, "vocab 9 needs an input of [steps] token ids"},
		{dsl.PresetSpec{Preset: "mlp", Vocab: 9, Input: []int{8}}, "vocab is for the token models lstm, gru and transformer"},
		{dsl.PresetSpec{Preset: "cnn", Vocab: 9, Input: []int{8}}, "vocab is for the token models"},
		{dsl.PresetSpec{Preset: "transformer", Vocab: 9, Embed: 30, Input: []int{8}}, "embed 30 must be a multiple of its 4 attention heads"},
		{dsl.PresetSpec{Preset: "lstm", Vocab: 9, Input: []int{8}, Hidden: []int{}}, "at least one hidden size"},
	} {
		_, err := dsl.Preset(c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: got %v, want one line with %q", c.spec, err, c.want)
		}
	}
	if _, err := dsl.TransformerClassifier(dsl.TransformerSpec{Vocab: -3, Input: []int{4}}); err == nil || !strings.Contains(err.Error(), "vocab") {
		t.Errorf("TransformerClassifier with vocab -3: %v", err)
	}
}

// Each token preset trains: 20 Adam steps on one batch of random ids
// lower its loss.
func TestTokenPresetsTrain(t *testing.T) {
	const steps, vocab, batch = 10, 30, 16
	for _, preset := range []string{"lstm", "gru", "transformer"} {
		var hidden []int // the transformer takes none
		if preset != "transformer" {
			hidden = []int{24}
		}
		def, err := dsl.Preset(dsl.PresetSpec{Preset: preset, Input: []int{steps}, Vocab: vocab, Embed: 16, Hidden: hidden, Classes: 4})
		if err != nil {
			t.Fatal(err)
		}
		d, err := def.Build(1)
		if err != nil {
			t.Fatal(err)
		}
		m, err := train.FromDSL(d)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := train.New(m, train.Config{StepConfig: train.StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: batch}, Threads: 1, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(5, 6))
		ids := randomIDs(r, batch, steps, vocab).Data.([]int64)
		x := make([]float32, len(ids))
		for i, id := range ids {
			x[i] = float32(id)
		}
		classes := make([]int64, batch)
		for i := range classes {
			classes[i] = int64(r.IntN(4))
		}
		var first, last float64
		for step := range 20 {
			res, err := tr.Step(x, classes, nil, 1e-2)
			if err != nil {
				t.Fatal(err)
			}
			if step == 0 {
				first = res.Loss
			}
			last = res.Loss
		}
		t.Logf("%s: loss %.4f → %.4f after 20 steps", preset, first, last)
		if !(last < 0.8*first) {
			t.Errorf("%s: loss went from %v to %v in 20 steps on one batch", preset, first, last)
		}
	}
}
