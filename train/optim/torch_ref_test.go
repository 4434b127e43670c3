package optim

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// TestOptimizersMatchPyTorch replays the cases of torch_ref_table_test.go
// (made by testdata/torch_ref.py) in float64 and holds every step to 1e-6
// of what torch.optim computed.
func TestOptimizersMatchPyTorch(t *testing.T) {
	w0 := []float64{0.5, -1.2, 2.0, 0.03, -0.7, 1.1}
	target := []float64{0.1, 0.2, -0.3, 0.4, 0.0, 1.5}
	seen := 0
	for _, c := range optCases() {
		want, ok := torchTrajectories[c.name]
		if !ok {
			continue // LAMB is not in torch.optim
		}
		seen++
		t.Run(c.name, func(t *testing.T) {
			st := newStepper(t, c.o, ir.Float64, []int{6}, w0, ir.Int64)
			for k := 1; k <= 5; k++ {
				lr := 0.05 * (1 + 0.2*float64(k))
				got := st.step(k, quadGrad(st.w.Float64s(), target), lr)
				for i := range got {
					if math.Abs(got[i]-want[k-1][i]) > 1e-6 {
						t.Fatalf("step %d: w = %v, PyTorch %v", k, got, want[k-1])
					}
				}
			}
		})
	}
	if seen != len(torchTrajectories) {
		t.Errorf("compared %d cases, the table has %d: a case was renamed", seen, len(torchTrajectories))
	}
}

func TestClipGradNormMatchesPyTorch(t *testing.T) {
	a := []float64{3, -4, 1, 2}
	b := []float64{0.5, 6}
	for _, c := range torchClip {
		g := ir.NewGraph("clip")
		ga := g.AddInput("a", ir.TensorType(ir.Float64, ir.ShapeOf(4)))
		gb := g.AddInput("b", ir.TensorType(ir.Float64, ir.ShapeOf(2)))
		clipped, norm, err := ClipGradNorm(g, []*ir.Value{ga, gb}, c.maxNorm, namer())
		if err != nil {
			t.Fatal(err)
		}
		g.Outputs = append(clipped, norm)
		s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Run(map[string]ir.Data{"a": ir.FromSlice([]int{4}, a), "b": ir.FromSlice([]int{2}, b)})
		if err != nil {
			t.Fatal(err)
		}
		got := append(out[0].(*ir.Tensor).Float64s(), out[1].(*ir.Tensor).Float64s()...)
		want := append(append([]float64{}, c.a...), c.b...)
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-6 {
				t.Errorf("max norm %v: clipped %v, PyTorch %v", c.maxNorm, got, want)
				break
			}
		}
		if n := out[2].(*ir.Tensor).Float64At(0); math.Abs(n-c.norm) > 1e-6 {
			t.Errorf("max norm %v: norm %v, PyTorch %v", c.maxNorm, n, c.norm)
		}
	}
}
