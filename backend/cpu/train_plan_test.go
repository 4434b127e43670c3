package cpu_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// TestTrainGraphsFast plans the MLP and CNN training graphs at batch 64
// with the default options and requires every step on a fast kernel (or
// a view); then, at a smaller batch so the reference stays quick, it
// compares the loss and every gradient of the fast plan with the
// reference interpreter.
func TestTrainGraphsFast(t *testing.T) {
	for _, tg := range trainGraphs {
		t.Run(tg.name, func(t *testing.T) {
			m, _ := tg.build(t, 64)
			s, err := runtime.New(m, runtime.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			info, err := s.Plan(nil)
			if err != nil {
				t.Fatal(err)
			}
			if info.Interpreted != "" {
				t.Fatalf("batch 64 runs on the interpreter: %s", info.Interpreted)
			}
			for _, st := range info.StepList {
				if st.Kernel == "ref" {
					t.Errorf("step %s runs its reference kernel", st.Node)
				}
			}
			if info.Ref != 0 || info.Fast == 0 {
				t.Errorf("batch 64: %d fast and %d reference steps, want 0 reference", info.Fast, info.Ref)
			}

			m, feeds := tg.build(t, 8)
			fast, err := runtime.New(m, runtime.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			ref, err := runtime.New(m, runtime.Options{Reference: true})
			if err != nil {
				t.Fatal(err)
			}
			got, err := fast.Run(feeds)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.Run(feeds)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range m.Graph.Outputs {
				if msg := closeF32(got[i].(*ir.Tensor), want[i].(*ir.Tensor), 2e-3); msg != "" {
					t.Errorf("output %s: %s", v.Name, msg)
				}
			}
		})
	}
}

// closeF32 returns "" when got and want have the same shape and every
// element is within tol of want relative to want's largest magnitude (a
// gradient's small elements are sums of cancelling terms, so a norm-wise
// bound is the meaningful one) plus absTol, and got has no NaN. absTol
// covers the gradients that are zero up to rounding: a conv bias
// followed by BatchNormalization, whose batch mean cancels it.
func closeF32(got, want *ir.Tensor, tol float64) string {
	const absTol = 1e-8
	if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
		return fmt.Sprintf("shape %v, reference %v", got.Shape, want.Shape)
	}
	scale := 0.0
	for i := range want.Len() {
		scale = math.Max(scale, math.Abs(want.Float64At(i)))
	}
	if scale == 0 {
		return "reference is all zeros: the check would prove nothing"
	}
	for i := range got.Len() {
		g, w := got.Float64At(i), want.Float64At(i)
		if !(math.Abs(g-w) <= tol*scale+absTol) {
			return fmt.Sprintf("element %d: %v, reference %v (scale %v)", i, g, w, scale)
		}
	}
	return ""
}
