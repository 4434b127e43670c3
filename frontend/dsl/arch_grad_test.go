package dsl

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// checkGradsFD compares the gradient of the training loss (grad_test.go's
// trainingGraph) with central differences in float64, for up to per
// elements of each trainable parameter spread over it (all of a small
// one), so that every parameter of every layer is checked while the test
// stays fast. ids, when set, replaces the random float input.
func checkGradsFD(t *testing.T, m *Model, batch, per int, ids *ir.Tensor) {
	t.Helper()
	g, params := trainingGraph(t, m, batch)
	feeds := trainFeeds(m, params, batch, rand.New(rand.NewPCG(uint64(batch), 21)))
	if ids != nil {
		feeds[InputName] = ids
	}
	s, err := runtime.New(g, runtime.Options{Reference: true})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 {
		o, err := s.Run(feeds)
		if err != nil {
			t.Fatal(err)
		}
		return o[0].(*ir.Tensor).Float64At(0)
	}
	const h = 1e-6
	checked := 0
	for i, p := range params {
		vals := p.Value.Data.([]float64)
		got := outs[i+1].(*ir.Tensor)
		step := max(1, len(vals)/per)
		nonzero := false
		for j := 0; j < len(vals); j += step {
			orig := vals[j]
			vals[j] = orig + h
			up := loss()
			vals[j] = orig - h
			down := loss()
			vals[j] = orig
			want := (up - down) / (2 * h)
			gv := got.Float64At(j)
			if math.Abs(gv-want) > 1e-5*math.Max(1, math.Abs(want)) || math.IsNaN(gv) {
				t.Errorf("d/d%s[%d] = %v, finite difference %v", p.Name, j, gv, want)
			}
			nonzero = nonzero || want != 0
			checked++
		}
		// A key bias adds q·b to every score of a query's row, which
		// softmax ignores: its gradient is 0 by the math.
		if !nonzero && !strings.HasSuffix(p.Name, "k_proj.bias") {
			t.Errorf("%s: every checked gradient element is 0; the check proves nothing", p.Name)
		}
	}
	if len(params) == 0 || checked == 0 {
		t.Fatal("no parameter checked")
	}
}

// Token ids through Embedding, both positional encodings, masked causal
// attention with dropout, LayerNorm, mean pooling and a classifier.
func TestGradientsEmbeddingAttention(t *testing.T) {
	d := Def{Name: "tok", Input: []int{4}, DType: ir.Float64, InputDType: ir.Int64, Fn: func(x *Value) *Value {
		mask := PaddingMask(x, 0)
		e := LearnedPositional().Apply(SinusoidalPositional().Apply(Embedding(6, 4).Apply(x)))
		a := MultiHeadAttention(2, 4, Causal(), AttnMask(mask), AttnDropout(0.2)).Apply(e)
		return Dense(3).Apply(MeanTokens().Apply(LayerNorm().Apply(a)))
	}}
	m := mustBuild(t, d, 31)
	// Padding at the end, as sequences are padded: a causal row whose
	// every key is padded would be all -1e9, where float64 cannot resolve
	// a finite difference.
	ids := ir.FromSlice([]int{3, 4}, []int64{1, 5, 2, 0, 3, 3, 0, 0, 2, 1, 5, 4})
	checkGradsFD(t, m, 3, 8, ids)
}

// Post-norm and pre-norm encoder layers, and a decoder layer attending
// to a memory of another length, both norms.
func TestGradientsTransformerLayers(t *testing.T) {
	for _, prenorm := range []bool{false, true} {
		m := f64Model(t, "tf", []int{3, 4}, 32, func(x *Value) *Value {
			h := Linear(4).Apply(x)
			mem := TransformerEncoderLayer(4, 2, 6, prenorm, 0.1).Apply(h)
			tgt := Linear(4).Apply(Reshape([]int{2, 6}).Apply(x))
			y := TransformerDecoderLayer(tgt, mem, 4, 2, 5, prenorm, 0.1)
			return Dense(3).Apply(MeanTokens().Apply(y))
		})
		checkGradsFD(t, m, 2, 4, nil)
	}
}

// ConvTranspose2D (strided, padded, output padding, grouped), both
// Upsample modes and a Residual block.
func TestGradientsUpsampling(t *testing.T) {
	d := Sequential("up", []int{2, 3, 3},
		ConvTranspose2D(4, 3, Stride(2), Padding(PadN(1)), OutputPadding(1), Groups(2)), // [4, 6, 6]
		Upsample(0.75, "nearest"), // [4, 4, 4]
		Upsample(1.5, "linear"),   // [4, 6, 6]
		Residual(Conv2D(4, 3, Padding(Same)), Tanh()),
		Conv2D(2, 3, Stride(2)), Flatten(), Dense(3))
	d.DType = ir.Float64
	checkGradsFD(t, mustBuild(t, d, 33), 2, 10, nil)
}
