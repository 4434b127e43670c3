package dsl

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Embedding looks rows up by id, and the positional encodings add the
// sinusoid table and the learned one.
func TestEmbeddingAndPositions(t *testing.T) {
	d := Def{Name: "emb", Input: []int{3}, DType: ir.Float64, InputDType: ir.Int64, Fn: func(x *Value) *Value {
		e := Embedding(7, 4).Apply(x)
		return LearnedPositional().Apply(SinusoidalPositional().Apply(e))
	}}
	m := mustBuild(t, d, 6)
	if m.InputDType() != ir.Int64 {
		t.Fatalf("input dtype %s", m.InputDType())
	}
	if got, want := m.NumParams(), 7*4+3*4; got != want {
		t.Errorf("%d parameters, want %d", got, want)
	}
	ids := []int64{6, 0, 2, 2, 5, 1}
	y := evalOutput(t, m, ir.FromSlice([]int{2, 3}, ids))
	emb, pos := param(t, m, "embedding_1.weight"), param(t, m, "learned_pe_1.weight")
	for n := range 2 {
		want := make(seq, 3)
		for p := range 3 {
			id := ids[n*3+p]
			want[p] = make([]float64, 4)
			for j := range 4 {
				// PE(p, 2i) = sin(p/10000^(2i/d)), PE(p, 2i+1) = cos(same).
				freq := math.Pow(10000, float64(2*(j/2))/4)
				pe := math.Sin(float64(p) / freq)
				if j%2 == 1 {
					pe = math.Cos(float64(p) / freq)
				}
				want[p][j] = emb[int(id)*4+j] + pe + pos[p*4+j]
			}
		}
		checkSeq(t, "embedding+positions", y, n, want)
	}
}

// Residual adds its input to what its layers compute; MeanTokens
// averages tokens; RowTokens reads an image's rows as tokens.
func TestResidualMeanRows(t *testing.T) {
	m := f64Model(t, "rows", []int{2, 3, 4}, 7, func(x *Value) *Value {
		tok := RowTokens().Apply(x) // [3, 8]
		r := Residual(Linear(8, Name("f")), Tanh()).Apply(tok)
		return MeanTokens().Apply(r)
	})
	x := randomInput(m, 2, rand.New(rand.NewPCG(7, 1)))
	y := evalOutput(t, m, x)
	if got := y.Shape; len(got) != 2 || got[0] != 2 || got[1] != 8 {
		t.Fatalf("output shape %v", got)
	}
	for n := range 2 {
		tok := make(seq, 3)
		for h := range 3 {
			for c := range 2 {
				for w := range 4 {
					tok[h] = append(tok[h], x.Float64At(((n*2+c)*3+h)*4+w))
				}
			}
		}
		f := linearRef(t, m, "f.", tok)
		for i := range 8 {
			mean := 0.0
			for h := range 3 {
				mean += tok[h][i] + math.Tanh(f[h][i])
			}
			mean /= 3
			if got := y.Float64At(n*8 + i); math.Abs(got-mean) > 1e-12 {
				t.Fatalf("output[%d][%d] = %v, want %v", n, i, got, mean)
			}
		}
	}
	_, err := New("bad", []int{3, 4}, func(x *Value) *Value { return Residual(Linear(5)).Apply(x) }).Build(1)
	var le *LayerError
	if !errors.As(err, &le) || !strings.HasPrefix(le.Layer, "residual") {
		t.Errorf("residual changing the shape: err = %v", err)
	}
}

// The encoder and decoder layers, post- and pre-norm, compute what the
// formulas of torch.nn.TransformerEncoderLayer and DecoderLayer say.
func TestTransformerLayersValues(t *testing.T) {
	for _, prenorm := range []bool{false, true} {
		m := f64Model(t, "tf", []int{3, 4}, 8, func(x *Value) *Value {
			mem := TransformerEncoderLayer(4, 2, 6, prenorm, 0.1, Name("enc")).Apply(x)
			tgt := Linear(4, Name("tgt")).Apply(Reshape([]int{2, 6}).Apply(x))
			return TransformerDecoderLayer(tgt, mem, 4, 2, 5, prenorm, 0.1, Name("dec"))
		})
		r := rand.New(rand.NewPCG(8, 1))
		for _, p := range m.Params() { // biases and norms away from 0 and 1
			if strings.Contains(p.Name, "norm") || strings.HasSuffix(p.Name, "bias") {
				for i := range p.Value.Len() {
					p.Value.SetFloat64At(i, p.Value.Float64At(i)+r.Float64()-0.5)
				}
			}
		}
		x := randomInput(m, 2, r)
		y := evalOutput(t, m, x)
		for n := range 2 {
			xs := sample(x, n)
			mem := encoderRef(t, m, "enc.", xs, 2, prenorm)
			flat := append(append(append([]float64{}, xs[0]...), xs[1]...), xs[2]...)
			tgt := linearRef(t, m, "tgt.", seq{flat[:6], flat[6:]})
			checkSeq(t, "decoder(encoder)", y, n, decoderRef(t, m, "dec.", tgt, mem, 2, prenorm))
		}
		// Train mode adds dropout masks: four per encoder layer (attention
		// weights, feed-forward hidden layer, two residual branches), six
		// per decoder layer (two attentions, three residual branches).
		names := map[string]bool{}
		for _, mk := range m.Masks() {
			names[mk.Input] = mk.P == 0.1
		}
		if len(names) != 4+6 {
			t.Errorf("prenorm %v: %d dropout masks, want 10", prenorm, len(names))
		}
		for _, want := range []string{"enc.self_attn.attn_dropout.mask", "enc.dropout.mask", "enc.dropout2.mask",
			"dec.multihead_attn.attn_dropout.mask", "dec.dropout3.mask"} {
			if !names[want] {
				t.Errorf("no dropout mask %s with p 0.1 (have %v)", want, names)
			}
		}
	}
}

// Transformer layers check their dims.
func TestTransformerErrors(t *testing.T) {
	for _, c := range []struct {
		fn   func(x *Value) *Value
		want string
	}{
		{func(x *Value) *Value { return TransformerEncoderLayer(8, 2, 4, false, 0).Apply(x) }, "features"},
		{func(x *Value) *Value { return TransformerEncoderLayer(4, 3, 4, false, 0).Apply(x) }, "multiple of heads"},
		{func(x *Value) *Value { return TransformerEncoderLayer(4, 2, 4, false, 1).Apply(x) }, "dropout"},
		{func(x *Value) *Value {
			return TransformerDecoderLayer(x, Reshape([]int{2, 6}).Apply(x), 4, 2, 4, false, 0)
		}, "memory"},
	} {
		_, err := New("bad", []int{3, 4}, c.fn).Build(1)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want one containing %q", err, c.want)
		}
	}
}
