package loss

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// namer returns a fresh-name function for tests.
func namer() func(string) string {
	k := 0
	return func(base string) string { k++; return fmt.Sprintf("%s_%d", base, k) }
}

// evalLoss builds l over inputs of the given types, runs it on the
// reference-free default runtime and returns the scalar.
func evalLoss(t *testing.T, l Loss, pred, target *ir.Tensor) float64 {
	t.Helper()
	g := ir.NewGraph("loss")
	p := g.AddInput("pred", ir.TensorType(pred.DType, ir.ShapeOf(pred.Shape...)))
	y := g.AddInput("target", ir.TensorType(target.DType, ir.ShapeOf(target.Shape...)))
	out, err := l.Append(g, p, y, namer())
	if err != nil {
		t.Fatal(err)
	}
	if out.Type.Shape.Rank() != 0 || out.Type.DType != pred.DType {
		t.Fatalf("loss is %s, want a %s scalar", out.Type, pred.DType)
	}
	g.Outputs = []*ir.Value{out}
	s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{CheckTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(map[string]ir.Data{"pred": pred, "target": target})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].(*ir.Tensor).Float64At(0)
}

// tensorOf makes a float tensor of dt holding xs.
func tensorOf(dt ir.DType, shape []int, xs []float64) *ir.Tensor {
	t := ir.Zeros(dt, shape)
	for i, x := range xs {
		t.SetFloat64At(i, x)
	}
	return t
}

// roundTo rounds xs to what dt can hold, so the Go reference sees the
// same inputs as the graph.
func roundTo(dt ir.DType, xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		if dt == ir.Float32 {
			x = float64(float32(x))
		}
		out[i] = x
	}
	return out
}

func randn(r *rand.Rand, n int, scale float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = r.NormFloat64() * scale
	}
	return xs
}

func tolFor(dt ir.DType) float64 {
	if dt == ir.Float32 {
		return 1e-5
	}
	return 1e-12
}

func close(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

var dtypes = []ir.DType{ir.Float64, ir.Float32}

// refCrossEntropy is a direct transcription of PyTorch's cross_entropy
// with label smoothing, weights and ignore_index.
func refCrossEntropy(logits []float64, n, c int, labels []int64, l CrossEntropy) float64 {
	var sum, denom float64
	for i := range n {
		if l.IgnoreIndex != nil && labels[i] == *l.IgnoreIndex {
			continue
		}
		row := logits[i*c : (i+1)*c]
		mx := math.Inf(-1)
		for _, x := range row {
			mx = math.Max(mx, x)
		}
		z := 0.0
		for _, x := range row {
			z += math.Exp(x - mx)
		}
		w := func(k int) float64 {
			if l.Weights == nil {
				return 1
			}
			return l.Weights[k]
		}
		lp := func(k int) float64 { return row[k] - mx - math.Log(z) }
		y := int(labels[i])
		nll := -w(y) * lp(y)
		smooth := 0.0
		for k := range c {
			smooth -= w(k) * lp(k)
		}
		sum += (1-l.LabelSmoothing)*nll + l.LabelSmoothing/float64(c)*smooth
		denom += w(y)
	}
	if l.Reduction == Sum {
		return sum
	}
	return sum / denom
}

func TestCrossEntropy(t *testing.T) {
	ignore := int64(-100)
	ignore2 := int64(2)
	cases := []CrossEntropy{
		{},
		{Reduction: Sum},
		{LabelSmoothing: 0.1},
		{Weights: []float64{0.5, 2, 1, 3}},
		{Weights: []float64{0.5, 2, 1, 3}, LabelSmoothing: 0.2},
		{Weights: []float64{0.5, 2, 1, 3}, LabelSmoothing: 0.2, Reduction: Sum},
		{IgnoreIndex: &ignore},
		{IgnoreIndex: &ignore2, LabelSmoothing: 0.3, Weights: []float64{1, 2, 3, 4}},
	}
	const n, c = 5, 4
	r := rand.New(rand.NewPCG(1, 2))
	for i, l := range cases {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%d/%s", i, dt), func(t *testing.T) {
				logits := roundTo(dt, randn(r, n*c, 3))
				labels := []int64{0, 3, 2, 1, 3}
				if l.IgnoreIndex != nil && *l.IgnoreIndex < 0 {
					labels[1] = *l.IgnoreIndex
				}
				got := evalLoss(t, l, tensorOf(dt, []int{n, c}, logits), ir.FromSlice([]int{n}, labels))
				want := refCrossEntropy(logits, n, c, labels, l)
				if !close(got, want, tolFor(dt)) {
					t.Errorf("%+v: loss %v, want %v", l, got, want)
				}
			})
		}
	}
}

func TestCrossEntropyInt32LabelsAndLargeLogits(t *testing.T) {
	logits := []float64{1000, -1000, 0, 500, 499, -3}
	l := CrossEntropy{LabelSmoothing: 0.1}
	got := evalLoss(t, l, ir.FromSlice([]int{2, 3}, logits), ir.FromSlice([]int{2}, []int32{1, 0}))
	want := refCrossEntropy(logits, 2, 3, []int64{1, 0}, l)
	if !close(got, want, 1e-12) || math.IsInf(got, 0) {
		t.Errorf("loss %v, want %v", got, want)
	}
}

func refBCE(x, y, pw []float64, c int, r Reduction) float64 {
	sum := 0.0
	for i := range x {
		sig := 1 / (1 + math.Exp(-x[i]))
		p := 1.0
		if pw != nil {
			p = pw[i%c]
		}
		// The textbook form; inputs are kept moderate so it is accurate.
		sum += -(p*y[i]*math.Log(sig) + (1-y[i])*math.Log(1-sig))
	}
	if r == Sum {
		return sum
	}
	return sum / float64(len(x))
}

func TestBCEWithLogits(t *testing.T) {
	const n, c = 4, 3
	r := rand.New(rand.NewPCG(3, 4))
	cases := []BCEWithLogits{{}, {Reduction: Sum}, {PosWeight: []float64{0.5, 1, 3}}, {PosWeight: []float64{2, 0.1, 1}, Reduction: Sum}}
	for i, l := range cases {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%d/%s", i, dt), func(t *testing.T) {
				x := roundTo(dt, randn(r, n*c, 2))
				y := make([]float64, n*c)
				for j := range y {
					y[j] = float64(r.IntN(2))
				}
				y[0] = 0.3 // soft targets are allowed
				y = roundTo(dt, y)
				got := evalLoss(t, l, tensorOf(dt, []int{n, c}, x), tensorOf(dt, []int{n, c}, y))
				if want := refBCE(x, y, l.PosWeight, c, l.Reduction); !close(got, want, tolFor(dt)) {
					t.Errorf("%+v: loss %v, want %v", l, got, want)
				}
			})
		}
	}
}

// TestBCEWithLogitsIsStable feeds logits where the textbook form
// overflows: the loss must stay finite and match the asymptote.
func TestBCEWithLogitsIsStable(t *testing.T) {
	x := []float64{800, -800, 800, -800}
	y := []float64{1, 0, 0, 1}
	got := evalLoss(t, BCEWithLogits{Reduction: Sum}, ir.FromSlice([]int{4}, x), ir.FromSlice([]int{4}, y))
	if want := 1600.0; !close(got, want, 1e-12) {
		t.Errorf("loss %v, want %v", got, want)
	}
}

func TestRegressionLosses(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	type refFn func(d float64) float64
	cases := []struct {
		l   Loss
		ref refFn
	}{
		{MSE{}, func(d float64) float64 { return d * d }},
		{L1{}, math.Abs},
		{Huber{}, func(d float64) float64 { return huber(d, 1) }},
		{Huber{Delta: 0.7}, func(d float64) float64 { return huber(d, 0.7) }},
		{Huber{Delta: 2.5, Reduction: Sum}, func(d float64) float64 { return huber(d, 2.5) }},
		{MSE{Reduction: Sum}, func(d float64) float64 { return d * d }},
	}
	for i, c := range cases {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%d/%T/%s", i, c.l, dt), func(t *testing.T) {
				p := roundTo(dt, randn(r, 12, 2))
				y := roundTo(dt, randn(r, 12, 2))
				want := 0.0
				for j := range p {
					want += c.ref(p[j] - y[j])
				}
				if reductionOf(c.l) == Mean {
					want /= float64(len(p))
				}
				got := evalLoss(t, c.l, tensorOf(dt, []int{3, 4}, p), tensorOf(dt, []int{3, 4}, y))
				if !close(got, want, tolFor(dt)) {
					t.Errorf("loss %v, want %v", got, want)
				}
			})
		}
	}
}

func huber(d, delta float64) float64 {
	if math.Abs(d) < delta {
		return 0.5 * d * d
	}
	return delta * (math.Abs(d) - 0.5*delta)
}

func reductionOf(l Loss) Reduction {
	switch l := l.(type) {
	case MSE:
		return l.Reduction
	case L1:
		return l.Reduction
	case Huber:
		return l.Reduction
	}
	panic("unknown loss")
}

func TestBadInputsAreErrors(t *testing.T) {
	g := ir.NewGraph("g")
	f := g.AddInput("f", ir.TensorType(ir.Float32, ir.ShapeOf(2, 3)))
	d := g.AddInput("d", ir.TensorType(ir.Float64, ir.ShapeOf(2, 3)))
	lab := g.AddInput("lab", ir.TensorType(ir.Int64, ir.ShapeOf(2)))
	flab := g.AddInput("flab", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	cases := []struct {
		l          Loss
		pred, targ *ir.Value
		want       string
	}{
		{MSE{}, f, d, "target \"d\" is f64"},
		{MSE{}, lab, lab, "must be a float tensor"},
		{CrossEntropy{}, f, flab, "labels must be"},
		{CrossEntropy{Weights: []float64{1, 2}}, f, lab, "2 class weights for 3 classes"},
		{CrossEntropy{LabelSmoothing: 1.5}, f, lab, "LabelSmoothing"},
		{BCEWithLogits{PosWeight: []float64{1, 2}}, f, f, "PosWeight has 2 entries"},
		{Huber{Delta: -1}, f, f, "Delta"},
		{MSE{Reduction: 7}, f, f, "unknown reduction"},
	}
	for _, c := range cases {
		_, err := c.l.Append(g, c.pred, c.targ, namer())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: error %v, want one containing %q", c.l, err, c.want)
		}
	}
}
