package ref

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func lossAttrs(reduction string, ignore ...int64) map[string]*ir.Attr {
	a := map[string]*ir.Attr{"reduction": ir.StringAttr(reduction)}
	if len(ignore) > 0 {
		a["ignore_index"] = ir.IntAttr(ignore[0])
	}
	return a
}

func TestNLLLoss(t *testing.T) {
	lp := nrmF32([]int{2, 3}, -1, -2, -3, -4, -5, -6)
	target := ir.FromSlice([]int{2}, []int64{0, 2})
	cases := []struct {
		name   string
		attrs  map[string]*ir.Attr
		weight *ir.Tensor
		shape  []int
		want   []float64
	}{
		{"none", lossAttrs("none"), nil, []int{2}, []float64{1, 6}},
		{"sum", lossAttrs("sum"), nil, nil, []float64{7}},
		{"mean", lossAttrs("mean"), nil, nil, []float64{3.5}},
		// Weighted mean divides by the weights applied: (1 + 3*6)/(1+3).
		{"weighted mean", lossAttrs("mean"), nrmF32([]int{3}, 1, 1, 3), nil, []float64{19.0 / 4}},
		// An ignored element counts for nothing in the mean.
		{"ignore", lossAttrs("mean", 2), nil, nil, []float64{1}},
	}
	for _, c := range cases {
		out := nrmMust(t, "NegativeLogLikelihoodLoss", c.attrs, 1, lp, target, c.weight)
		nrmCheck(t, c.name, out[0], c.shape, c.want...)
	}
	// A negative ignore_index may appear among the targets.
	out := nrmMust(t, "NegativeLogLikelihoodLoss", lossAttrs("mean", -1), 1, lp,
		ir.FromSlice([]int{2}, []int32{-1, 1}))
	nrmCheck(t, "negative ignore", out[0], nil, 5)
	if _, err := nrmRun(t, "NegativeLogLikelihoodLoss", nil, 1, lp, ir.FromSlice([]int{2}, []int64{0, 3})); err == nil {
		t.Fatal("want an error for target 3 with 3 classes")
	}
	if _, err := nrmRun(t, "NegativeLogLikelihoodLoss", nil, 1, lp, ir.FromSlice([]int{3}, []int64{0, 0, 0})); err == nil {
		t.Fatal("want an error for a target of the wrong shape")
	}
}

func TestNLLLossHigherRank(t *testing.T) {
	// input [N=1, C=2, d=2]; loss[0,d] = -input[0, target[0,d], d].
	lp := nrmF32([]int{1, 2, 2}, -1, -2, -3, -4)
	out := nrmMust(t, "NegativeLogLikelihoodLoss", lossAttrs("none"), 1, lp, ir.FromSlice([]int{1, 2}, []int64{1, 0}))
	nrmCheck(t, "none", out[0], []int{1, 2}, 3, 2)
}

func TestSoftmaxCrossEntropyLoss(t *testing.T) {
	scores := nrmF32([]int{2, 2}, 0, 0, 0, float32(math.Log(3)))
	labels := ir.FromSlice([]int{2}, []int64{1, 1})
	out := nrmMust(t, "SoftmaxCrossEntropyLoss", nil, 2, scores, labels)
	// Row 0: -log .5; row 1: -log .75.
	nrmCheck(t, "loss", out[0], nil, (math.Ln2-math.Log(0.75))/2)
	nrmCheck(t, "log_prob", out[1], []int{2, 2}, -math.Ln2, -math.Ln2, math.Log(0.25), math.Log(0.75))
	out = nrmMust(t, "SoftmaxCrossEntropyLoss", lossAttrs("sum", 0), 1, scores, ir.FromSlice([]int{2}, []int64{0, 1}))
	nrmCheck(t, "sum ignore", out[0], nil, -math.Log(0.75))
}
