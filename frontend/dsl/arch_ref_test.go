package dsl

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// Direct float64 computations of the attention and Transformer layers,
// written from the formulas with plain loops, that the tests compare the
// graphs against. A sequence is [tokens][features].

type seq = [][]float64

// param returns a model tensor's values, failing the test if absent.
func param(t *testing.T, m *Model, name string) []float64 {
	t.Helper()
	p, err := m.Param(name)
	if err != nil {
		t.Fatal(err)
	}
	return p.Float64s()
}

// linearRef is x·Wᵀ + b with W [units, in] row-major.
func linearRef(t *testing.T, m *Model, prefix string, x seq) seq {
	w, b := param(t, m, prefix+"weight"), param(t, m, prefix+"bias")
	units := len(b)
	out := make(seq, len(x))
	for i, row := range x {
		out[i] = make([]float64, units)
		for u := range units {
			s := b[u]
			for j, v := range row {
				s += v * w[u*len(row)+j]
			}
			out[i][u] = s
		}
	}
	return out
}

func layerNormRef(t *testing.T, m *Model, prefix string, x seq, eps float64) seq {
	g, b := param(t, m, prefix+"weight"), param(t, m, prefix+"bias")
	out := make(seq, len(x))
	for i, row := range x {
		mean, vari := 0.0, 0.0
		for _, v := range row {
			mean += v
		}
		mean /= float64(len(row))
		for _, v := range row {
			vari += (v - mean) * (v - mean)
		}
		vari /= float64(len(row))
		out[i] = make([]float64, len(row))
		for j, v := range row {
			out[i][j] = (v-mean)/math.Sqrt(vari+eps)*g[j] + b[j]
		}
	}
	return out
}

// attnRef is multi-head attention of q over kv with the parameters under
// prefix; hidden[j] hides key j (a padding mask), causal hides j > i.
func attnRef(t *testing.T, m *Model, prefix string, q, kv seq, heads int, causal bool, hidden []bool) seq {
	Q, K, V := linearRef(t, m, prefix+"q_proj.", q), linearRef(t, m, prefix+"k_proj.", kv), linearRef(t, m, prefix+"v_proj.", kv)
	dim := len(Q[0])
	dh := dim / heads
	ctx := make(seq, len(q))
	for i := range ctx {
		ctx[i] = make([]float64, dim)
	}
	for h := range heads {
		for i := range q {
			w := make([]float64, len(kv))
			top := math.Inf(-1)
			for j := range kv {
				if (causal && j > i) || (hidden != nil && hidden[j]) {
					w[j] = math.Inf(-1)
					continue
				}
				for c := h * dh; c < (h+1)*dh; c++ {
					w[j] += Q[i][c] * K[j][c]
				}
				w[j] /= math.Sqrt(float64(dh))
				top = math.Max(top, w[j])
			}
			sum := 0.0
			for j := range w {
				w[j] = math.Exp(w[j] - top)
				sum += w[j]
			}
			for j := range kv {
				for c := h * dh; c < (h+1)*dh; c++ {
					ctx[i][c] += w[j] / sum * V[j][c]
				}
			}
		}
	}
	return linearRef(t, m, prefix+"out_proj.", ctx)
}

func addSeq(a, b seq) seq {
	out := make(seq, len(a))
	for i := range a {
		out[i] = make([]float64, len(a[i]))
		for j := range a[i] {
			out[i][j] = a[i][j] + b[i][j]
		}
	}
	return out
}

func feedForwardRef(t *testing.T, m *Model, prefix string, x seq) seq {
	h := linearRef(t, m, prefix+"linear1.", x)
	for _, row := range h {
		for j := range row {
			row[j] = math.Max(row[j], 0)
		}
	}
	return linearRef(t, m, prefix+"linear2.", h)
}

// blockRef is one residual block: x + f(norm(x)) pre-norm, norm(x + f(x))
// post-norm.
func blockRef(t *testing.T, m *Model, norm string, prenorm bool, x seq, f func(seq) seq) seq {
	if prenorm {
		return addSeq(x, f(layerNormRef(t, m, norm, x, 1e-5)))
	}
	return layerNormRef(t, m, norm, addSeq(x, f(x)), 1e-5)
}

func encoderRef(t *testing.T, m *Model, prefix string, x seq, heads int, prenorm bool) seq {
	x = blockRef(t, m, prefix+"norm1.", prenorm, x, func(in seq) seq { return attnRef(t, m, prefix+"self_attn.", in, in, heads, false, nil) })
	return blockRef(t, m, prefix+"norm2.", prenorm, x, func(in seq) seq { return feedForwardRef(t, m, prefix, in) })
}

func decoderRef(t *testing.T, m *Model, prefix string, x, mem seq, heads int, prenorm bool) seq {
	x = blockRef(t, m, prefix+"norm1.", prenorm, x, func(in seq) seq { return attnRef(t, m, prefix+"self_attn.", in, in, heads, true, nil) })
	x = blockRef(t, m, prefix+"norm2.", prenorm, x, func(in seq) seq { return attnRef(t, m, prefix+"multihead_attn.", in, mem, heads, false, nil) })
	return blockRef(t, m, prefix+"norm3.", prenorm, x, func(in seq) seq { return feedForwardRef(t, m, prefix, in) })
}

// sample returns batch element n of a [N, T, D] tensor.
func sample(x *ir.Tensor, n int) seq {
	T, D := x.Shape[1], x.Shape[2]
	out := make(seq, T)
	for i := range T {
		out[i] = make([]float64, D)
		for j := range D {
			out[i][j] = x.Float64At((n*T+i)*D + j)
		}
	}
	return out
}

// evalOutput runs m's Eval graph (symbolic batch) on x with the reference
// kernels and returns the logits.
func evalOutput(t *testing.T, m *Model, x *ir.Tensor) *ir.Tensor {
	t.Helper()
	g, err := m.Graph(Eval, 0)
	if err != nil {
		t.Fatal(err)
	}
	return run(t, g, runtime.Options{Reference: true}, map[string]ir.Data{InputName: x})[0]
}

// checkSeq compares batch element n of got [N, T, D] with want.
func checkSeq(t *testing.T, what string, got *ir.Tensor, n int, want seq) {
	t.Helper()
	g := sample(got, n)
	if len(g) != len(want) || len(g[0]) != len(want[0]) {
		t.Fatalf("%s: %dx%d, want %dx%d", what, len(g), len(g[0]), len(want), len(want[0]))
	}
	for i := range want {
		for j := range want[i] {
			if math.Abs(g[i][j]-want[i][j]) > 1e-9*math.Max(1, math.Abs(want[i][j])) {
				t.Fatalf("%s[%d][%d][%d] = %v, want %v", what, n, i, j, g[i][j], want[i][j])
			}
		}
	}
}

// f64Model builds a float64 model with input [tokens, features].
func f64Model(t *testing.T, name string, input []int, seed uint64, fn func(x *Value) *Value) *Model {
	t.Helper()
	d := New(name, input, fn)
	d.DType = ir.Float64
	return mustBuild(t, d, seed)
}
