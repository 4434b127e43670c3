package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// run executes m on x ([n, width] float32) and returns its first output.
func run(t *testing.T, m *ir.Model, x []float32, n int) []float32 {
	t.Helper()
	s, err := runtime.New(m, runtime.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	in := s.Inputs()
	if len(in) != 1 {
		t.Fatalf("graph inputs %v, want the data only", in)
	}
	out, err := s.Run(map[string]ir.Data{in[0].Name: ir.FromSlice([]int{n, len(x) / n}, x)})
	if err != nil {
		t.Fatal(err)
	}
	return out[0].(*ir.Tensor).Data.([]float32)
}

// TestProjectionHead adds a two-layer head to a small model: the training
// graph's output is the head (Gemm, ReLU, Gemm, written out here in plain
// loops) applied to the inference graph's output, which stays as it was.
func TestProjectionHead(t *testing.T) {
	const n, in, rep = 3, 5, 4
	d, err := dsl.Sequential("enc", []int{in}, dsl.Dense(rep), dsl.Tanh()).Build(1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromDSL(d)
	if err != nil {
		t.Fatal(err)
	}
	params := slices.Clone(m.Params)
	if err := AddProjectionHead(m, []int{6, 2}, 7); err != nil {
		t.Fatal(err)
	}
	if want := append(params, "head1.weight", "head1.bias", "head2.weight", "head2.bias"); !slices.Equal(m.Params, want) {
		t.Fatalf("params %v, want %v", m.Params, want)
	}
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*in)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	h := run(t, m.Eval, x, n)
	if len(h) != n*rep {
		t.Fatalf("inference output has %d values, want %d", len(h), n*rep)
	}
	layer := func(x []float32, width int, name string, relu bool) []float32 {
		w, b := m.Values[name+".weight"].Data.([]float32), m.Values[name+".bias"].Data.([]float32)
		dim := len(b)
		bound := 1 / math.Sqrt(float64(width))
		for _, v := range append(slices.Clone(w), b...) {
			if math.Abs(float64(v)) > bound {
				t.Fatalf("%s holds %v, outside ±1/√%d", name, v, width)
			}
		}
		out := make([]float32, n*dim)
		for i := range n {
			for o := range dim {
				s := float64(b[o])
				for k := range width {
					s += float64(x[i*width+k]) * float64(w[o*width+k])
				}
				if relu {
					s = math.Max(s, 0)
				}
				out[i*dim+o] = float32(s)
			}
		}
		return out
	}
	want := layer(layer(h, rep, "head1", true), 6, "head2", false)
	got := run(t, m.Train, x, n)
	if len(got) != len(want) {
		t.Fatalf("training output has %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("training output %v, want %v", got, want)
		}
	}

	for _, dims := range [][]int{nil, {4, 0}} {
		m, _ := FromDSL(d)
		if err := AddProjectionHead(m, dims, 7); err == nil || !strings.Contains(err.Error(), "projection head") {
			t.Errorf("head %v: error %v", dims, err)
		}
	}
}

// knnRef is the textbook k-NN vote: cosine similarity to every reference
// in float64, a full sort, the majority class of the first k, ties to the
// class whose first member is nearer.
func knnRef(ref []float32, refClasses []int64, q []float32, dim, k int) int64 {
	norm := func(x []float32) float64 {
		var s float64
		for _, v := range x {
			s += float64(v) * float64(v)
		}
		return math.Sqrt(s)
	}
	type nb struct {
		sim float64
		cls int64
	}
	all := make([]nb, len(refClasses))
	for j := range all {
		rj := ref[j*dim : (j+1)*dim]
		var s float64
		for d := range q {
			s += float64(q[d]) * float64(rj[d])
		}
		all[j] = nb{s / (norm(q) * norm(rj)), refClasses[j]}
	}
	slices.SortStableFunc(all, func(a, b nb) int {
		switch {
		case a.sim > b.sim:
			return -1
		case a.sim < b.sim:
			return 1
		}
		return 0
	})
	votes := map[int64]int{}
	for _, n := range all[:k] {
		votes[n.cls]++
	}
	best := all[0].cls
	for _, n := range all[:k] {
		if votes[n.cls] > votes[best] {
			best = n.cls
		}
	}
	return best
}

// TestKNNAccuracyMatchesReference: noisy clusters of odd sizes, scaled
// rows (cosine ignores length), against the textbook vote.
func TestKNNAccuracyMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ refs, queries, dim, k, classes int }{
		{37, 23, 7, 5, 4}, {200, 101, 13, 3, 6}, {9, 1, 2, 1, 2}, {50, 17, 5, 50, 3},
	} {
		centers := make([]float64, tc.classes*tc.dim)
		for i := range centers {
			centers[i] = r.NormFloat64()
		}
		draw := func(n int) ([]float32, []int64) {
			x, cls := make([]float32, n*tc.dim), make([]int64, n)
			for i := range n {
				c := r.IntN(tc.classes)
				cls[i] = int64(c)
				scale := 0.1 + 3*r.Float64()
				for d := range tc.dim {
					x[i*tc.dim+d] = float32(scale * (centers[c*tc.dim+d] + 0.8*r.NormFloat64()))
				}
			}
			return x, cls
		}
		ref, rc := draw(tc.refs)
		q, qc := draw(tc.queries)
		right := 0
		for i := range qc {
			if knnRef(ref, rc, q[i*tc.dim:(i+1)*tc.dim], tc.dim, tc.k) == qc[i] {
				right++
			}
		}
		got, err := KNNAccuracy(ref, rc, q, qc, tc.dim, tc.k)
		if err != nil {
			t.Fatal(err)
		}
		if want := float64(right) / float64(tc.queries); got != want {
			t.Errorf("%+v: accuracy %v, want %v", tc, got, want)
		}
	}
}
