package dsl

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Linear maps the last dim of a [T, D] input, and LayerNorm normalizes
// it, as the formulas say; parameters follow PyTorch's names and shapes.
func TestLinearAndLayerNormValues(t *testing.T) {
	m := f64Model(t, "ln", []int{3, 4}, 1, func(x *Value) *Value {
		return LayerNorm(Epsilon(0.01)).Apply(Linear(5, Name("proj")).Apply(x))
	})
	if got := m.NumParams(); got != 5*4+5+5+5 {
		t.Errorf("%d parameters, want %d", got, 5*4+5+5+5)
	}
	// Non-trivial norm parameters, so that scale and shift are checked.
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"layernorm_1.weight", "layernorm_1.bias"} {
		v := ir.Zeros(ir.Float64, []int{5})
		for i := range 5 {
			v.SetFloat64At(i, r.Float64()+0.5)
		}
		if err := m.SetParam(name, v); err != nil {
			t.Fatal(err)
		}
	}
	x := randomInput(m, 2, r)
	y := evalOutput(t, m, x)
	for n := range 2 {
		want := layerNormRef(t, m, "layernorm_1.", linearRef(t, m, "proj.", sample(x, n)), 0.01)
		checkSeq(t, "LayerNorm(Linear(x))", y, n, want)
	}
}

// Self-attention with 2 heads over 3 tokens matches the direct
// computation, with and without the causal mask; the causal output of
// token 0 depends on token 0 alone.
func TestMultiHeadAttentionValues(t *testing.T) {
	for _, causal := range []bool{false, true} {
		var opts []Option
		if causal {
			opts = append(opts, Causal())
		}
		m := f64Model(t, "mha", []int{3, 4}, 2, func(x *Value) *Value { return MultiHeadAttention(2, 4, opts...).Apply(x) })
		if got, want := m.NumParams(), 4*(4*4+4); got != want {
			t.Errorf("%d parameters, want %d", got, want)
		}
		r := rand.New(rand.NewPCG(2, 3))
		// The default biases are 0: set them so that they are checked.
		for _, p := range m.Params() {
			if strings.HasSuffix(p.Name, "bias") {
				for i := range p.Value.Len() {
					p.Value.SetFloat64At(i, r.Float64()-0.5)
				}
			}
		}
		x := randomInput(m, 2, r)
		y := evalOutput(t, m, x)
		for n := range 2 {
			checkSeq(t, "attention", y, n, attnRef(t, m, "mha_1.", sample(x, n), sample(x, n), 2, causal, nil))
		}
		if causal {
			x2 := x.Clone()
			for i := 4; i < 12; i++ { // tokens 1 and 2 of sample 0
				x2.SetFloat64At(i, 3)
			}
			y2 := evalOutput(t, m, x2)
			for j := range 4 {
				if y.Float64At(j) != y2.Float64At(j) {
					t.Fatalf("causal attention: token 0 changed when later tokens did")
				}
			}
		}
	}
}

// Attention where the input width differs from dim, and cross-attention
// over a memory of another length.
func TestCrossAttentionValues(t *testing.T) {
	m := f64Model(t, "cross", []int{3, 6}, 3, func(x *Value) *Value {
		mem := Reshape([]int{2, 9}).Apply(x)
		return CrossAttention(x, mem, 3, 6, Name("xattn"))
	})
	x := randomInput(m, 2, rand.New(rand.NewPCG(3, 4)))
	y := evalOutput(t, m, x)
	if got := m.OutputShape(); len(got) != 2 || got[0] != 3 || got[1] != 6 {
		t.Fatalf("output shape %v", got)
	}
	for n := range 2 {
		xs := sample(x, n)
		mem := seq{append(append([]float64{}, xs[0]...), xs[1][:3]...), append(append([]float64{}, xs[1][3:]...), xs[2]...)}
		checkSeq(t, "cross-attention", y, n, attnRef(t, m, "xattn.", xs, mem, 3, false, nil))
	}
}

// A padding mask from token ids hides the padded keys: the output equals
// attention over the unpadded keys alone.
func TestPaddingMask(t *testing.T) {
	d := Def{Name: "pad", Input: []int{4}, DType: ir.Float64, InputDType: ir.Int64, Fn: func(x *Value) *Value {
		mask := PaddingMask(x, 0)
		e := Embedding(5, 4).Apply(x)
		return MultiHeadAttention(2, 4, AttnMask(mask)).Apply(e)
	}}
	m := mustBuild(t, d, 4)
	ids := []int64{3, 1, 0, 0, 2, 0, 4, 1}
	y := evalOutput(t, m, ir.FromSlice([]int{2, 4}, ids))
	emb := param(t, m, "embedding_1.weight")
	for n := range 2 {
		var x seq
		var hidden []bool
		for _, id := range ids[n*4 : n*4+4] {
			x = append(x, emb[id*4:id*4+4])
			hidden = append(hidden, id == 0)
		}
		checkSeq(t, "masked attention", y, n, attnRef(t, m, "mha_1.", x, x, 2, false, hidden))
	}
}

// Bad settings and shapes are errors naming the layer.
func TestAttentionErrors(t *testing.T) {
	cases := []struct {
		name  string
		input []int
		fn    func(x *Value) *Value
		want  string
	}{
		{"heads", []int{3, 4}, func(x *Value) *Value { return MultiHeadAttention(3, 4).Apply(x) }, `"mha_1"`},
		{"rank", []int{4}, func(x *Value) *Value { return MultiHeadAttention(2, 4).Apply(x) }, "[tokens, features]"},
		{"causal", []int{3, 4}, func(x *Value) *Value {
			return CrossAttention(x, Reshape([]int{2, 6}).Apply(x), 2, 4, Causal())
		}, "causal"},
		{"mask", []int{3, 4}, func(x *Value) *Value {
			return MultiHeadAttention(2, 4, AttnMask(Reshape([]int{1, 2, 6}).Apply(x))).Apply(x)
		}, "attention mask"},
		{"norm", []int{3, 4}, func(x *Value) *Value { return LayerNorm(Epsilon(0)).Apply(x) }, "epsilon"},
		{"option", []int{3, 4}, func(x *Value) *Value { return LayerNorm(Causal()).Apply(x) }, "causal"},
		{"embedding", []int{3}, func(x *Value) *Value { return Embedding(5, 4).Apply(x) }, "token ids"},
		{"padding", []int{3}, func(x *Value) *Value { return PaddingMask(x, 0) }, "int64"},
	}
	for _, c := range cases {
		_, err := New(c.name, c.input, c.fn).Build(1)
		var le *LayerError
		if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a LayerError containing %q", c.name, err, c.want)
		}
	}
}

// Softmax weights of a fully masked row stay finite (uniform), not NaN.
func TestMaskedScoreIsFinite(t *testing.T) {
	d := Def{Name: "allpad", Input: []int{2}, DType: ir.Float32, InputDType: ir.Int64, Fn: func(x *Value) *Value {
		return MultiHeadAttention(1, 2, AttnMask(PaddingMask(x, 0))).Apply(Embedding(3, 2).Apply(x))
	}}
	m := mustBuild(t, d, 5)
	y := evalOutput(t, m, ir.FromSlice([]int{1, 2}, []int64{0, 0}))
	for i := range y.Len() {
		if v := y.Float64At(i); math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("output[%d] = %v", i, v)
		}
	}
}
