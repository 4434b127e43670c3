package loss

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/dlc-go/dlc/train/autodiff"
)

// TestLossGradientsMatchFiniteDifferences differentiates every loss with
// train/autodiff and checks the gradient with respect to the prediction
// (and a float target) against central differences in float64.
func TestLossGradientsMatchFiniteDifferences(t *testing.T) {
	ignore := int64(1)
	w := []float64{0.5, 2, 1, 3}
	cases := []struct {
		l       Loss
		shape   []int
		classes bool // target is int64 labels [N]
	}{
		{CrossEntropy{}, []int{5, 4}, true},
		{CrossEntropy{LabelSmoothing: 0.2, Weights: w}, []int{5, 4}, true},
		{CrossEntropy{LabelSmoothing: 0.1, IgnoreIndex: &ignore, Reduction: Sum}, []int{5, 4}, true},
		{BCEWithLogits{}, []int{4, 3}, false},
		{BCEWithLogits{PosWeight: []float64{0.5, 1, 3}}, []int{4, 3}, false},
		{MSE{}, []int{3, 4}, false},
		{L1{Reduction: Sum}, []int{3, 4}, false},
		{Huber{Delta: 0.8}, []int{3, 4}, false},
	}
	r := rand.New(rand.NewPCG(9, 9))
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d/%T", i, c.l), func(t *testing.T) {
			n := c.shape[0] * c.shape[1]
			g := ir.NewGraph("g")
			pred := g.AddInput("pred", ir.TensorType(ir.Float64, ir.ShapeOf(c.shape...)))
			feeds := map[string]ir.Data{"pred": ir.FromSlice(c.shape, randn(r, n, 1.5))}
			xs := []*ir.Value{pred}
			var target *ir.Value
			if c.classes {
				target = g.AddInput("target", ir.TensorType(ir.Int64, ir.ShapeOf(c.shape[0])))
				feeds["target"] = ir.FromSlice([]int{c.shape[0]}, []int64{0, 3, 1, 2, 1})
			} else {
				target = g.AddInput("target", ir.TensorType(ir.Float64, ir.ShapeOf(c.shape...)))
				y := randn(r, n, 1.5)
				if _, bce := c.l.(BCEWithLogits); bce {
					for j := range y {
						y[j] = r.Float64()
					}
				}
				feeds["target"] = ir.FromSlice(c.shape, y)
				xs = append(xs, target)
			}
			loss, err := c.l.Append(g, pred, target, namer())
			if err != nil {
				t.Fatal(err)
			}
			fresh := namer()
			grads, err := autodiff.Gradients(g, loss, xs, func(s string) string { return "d_" + fresh(s) })
			if err != nil {
				t.Fatal(err)
			}
			g.Outputs = append([]*ir.Value{loss}, grads...)
			s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{CheckTypes: true})
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.Run(feeds)
			if err != nil {
				t.Fatal(err)
			}
			f := func() float64 {
				o, err := s.Run(feeds)
				if err != nil {
					t.Fatal(err)
				}
				return o[0].(*ir.Tensor).Float64At(0)
			}
			const h = 1e-6
			for k, x := range xs {
				vals := feeds[x.Name].(*ir.Tensor).Data.([]float64)
				got := out[1+k].(*ir.Tensor)
				if got.Len() != len(vals) {
					t.Fatalf("d/d%s has %d elements, want %d", x.Name, got.Len(), len(vals))
				}
				for j := range vals {
					orig := vals[j]
					vals[j] = orig + h
					up := f()
					vals[j] = orig - h
					down := f()
					vals[j] = orig
					want := (up - down) / (2 * h)
					if d := got.Float64At(j); math.Abs(d-want) > 1e-6*math.Max(1, math.Abs(want)) {
						t.Errorf("d/d%s[%d] = %v, finite difference %v", x.Name, j, d, want)
					}
				}
			}
		})
	}
}
