package loss

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// torchLosses configures, per case name of torch_ref_table_test.go, the
// loss that testdata/torch_ref.py ran.
func torchLosses() map[string]Loss {
	w := []float64{0.5, 2, 1, 3}
	ignore := int64(-100)
	return map[string]Loss{
		"ce":                       CrossEntropy{},
		"ce/sum":                   CrossEntropy{Reduction: Sum},
		"ce/smooth":                CrossEntropy{LabelSmoothing: 0.1},
		"ce/weights":               CrossEntropy{Weights: w},
		"ce/weights+smooth":        CrossEntropy{Weights: w, LabelSmoothing: 0.2},
		"ce/ignore+weights+smooth": CrossEntropy{Weights: w, LabelSmoothing: 0.2, IgnoreIndex: &ignore},
		"bce":                      BCEWithLogits{},
		"bce/posweight":            BCEWithLogits{PosWeight: []float64{0.5, 1, 3}},
		"bce/posweight+sum":        BCEWithLogits{PosWeight: []float64{2, 0.1, 1}, Reduction: Sum},
		"mse":                      MSE{},
		"l1":                       L1{},
		"huber":                    Huber{},
		"huber/0.7":                Huber{Delta: 0.7},
		"huber/2.5+sum":            Huber{Delta: 2.5, Reduction: Sum},
	}
}

// TestLossesMatchPyTorch holds every loss to 1e-6 of torch.nn's value
// (PyTorch's CrossEntropyLoss ignores label -100 by default, so the
// "ignore" case sets IgnoreIndex).
func TestLossesMatchPyTorch(t *testing.T) {
	losses := torchLosses()
	if len(losses) != len(torchCases) {
		t.Fatalf("%d configured losses for %d table cases", len(losses), len(torchCases))
	}
	for _, c := range torchCases {
		t.Run(c.name, func(t *testing.T) {
			l, ok := losses[c.name]
			if !ok {
				t.Fatalf("no loss configured for case %q", c.name)
			}
			pred := ir.FromSlice(c.shape, c.pred)
			var target *ir.Tensor
			if _, ce := l.(CrossEntropy); ce {
				labels := make([]int64, len(c.target))
				for i, x := range c.target {
					labels[i] = int64(x)
				}
				target = ir.FromSlice([]int{len(labels)}, labels)
			} else {
				target = ir.FromSlice(c.shape, c.target)
			}
			if got := evalLoss(t, l, pred, target); math.Abs(got-c.want) > 1e-6 {
				t.Errorf("loss %v, PyTorch %v", got, c.want)
			}
		})
	}
}
