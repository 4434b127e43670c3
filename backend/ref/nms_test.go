package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// nmsRun runs NonMaxSuppression and returns its rows flattened.
func nmsRun(t *testing.T, center int64, boxes, scores *ir.Tensor, maxOut int64, iou float32, scoreTh ...float32) []int64 {
	t.Helper()
	var st *ir.Tensor
	if len(scoreTh) > 0 {
		st = nrmF32([]int{1}, scoreTh...)
	}
	out := nrmMust(t, "NonMaxSuppression", map[string]*ir.Attr{"center_point_box": ir.IntAttr(center)}, 1,
		boxes, scores, ir.FromSlice([]int{1}, []int64{maxOut}), nrmF32([]int{1}, iou), st)
	if out[0].DType != ir.Int64 || out[0].Rank() != 2 || out[0].Shape[1] != 3 {
		t.Fatalf("output %v, want i64[?,3]", out[0])
	}
	return ir.Values[int64](out[0])
}

func nmsEq(t *testing.T, what string, got []int64, want ...int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
}

func TestNonMaxSuppression(t *testing.T) {
	// Box 1 overlaps box 0 with IoU 0.9/1.1; box 2 is apart.
	boxes := nrmF32([]int{1, 3, 4}, 0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, 2, 1, 3)
	scores := nrmF32([]int{1, 2, 3}, 0.9, 0.8, 0.7, 0.1, 0.95, 0.2)
	nmsEq(t, "iou 0.5", nmsRun(t, 0, boxes, scores, 3, 0.5),
		0, 0, 0, 0, 0, 2, 0, 1, 1, 0, 1, 2)
	nmsEq(t, "iou 0.9", nmsRun(t, 0, boxes, scores, 3, 0.9),
		0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 1, 1, 0, 1, 2, 0, 1, 0)
	nmsEq(t, "max 1", nmsRun(t, 0, boxes, scores, 1, 0.5), 0, 0, 0, 0, 1, 1)
	// Scores must exceed the threshold strictly.
	nmsEq(t, "score threshold", nmsRun(t, 0, boxes, scores, 3, 0.5, 0.8), 0, 0, 0, 0, 1, 1)
	nmsEq(t, "max 0", nmsRun(t, 0, boxes, scores, 0, 0.5))
}

func TestNonMaxSuppressionBoxForms(t *testing.T) {
	// The same unit box as centre form and as flipped corners: IoU 1.
	scores := nrmF32([]int{1, 1, 2}, 0.5, 0.6)
	centre := nrmF32([]int{1, 2, 4}, 0.5, 0.5, 1, 1, 0.5, 0.5, 1, 1)
	nmsEq(t, "centre", nmsRun(t, 1, centre, scores, 2, 0.99), 0, 0, 1)
	flipped := nrmF32([]int{1, 2, 4}, 0, 0, 1, 1, 1, 1, 0, 0)
	nmsEq(t, "flipped", nmsRun(t, 0, flipped, scores, 2, 0.99), 0, 0, 1)
}

func TestNonMaxSuppressionErrors(t *testing.T) {
	boxes := nrmF32([]int{1, 2, 4}, 0, 0, 1, 1, 0, 0, 1, 1)
	if _, err := nrmRun(t, "NonMaxSuppression", nil, 1, boxes, nrmF32([]int{1, 1, 3}, 1, 1, 1)); err == nil {
		t.Error("want an error for 3 scores of 2 boxes")
	}
}
