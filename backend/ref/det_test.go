package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestDet(t *testing.T) {
	out := nrmMust(t, "Det", nil, 1, nrmF32([]int{2, 2}, 1, 2, 3, 4))
	nrmCheck(t, "2x2", out[0], []int{}, -2)
	// A batch: the identity and a singular matrix.
	out = nrmMust(t, "Det", nil, 1, ir.FromSlice([]int{2, 2, 2}, []float64{1, 0, 0, 1, 1, 2, 2, 4}))
	nrmCheck(t, "batch", out[0], []int{2}, 1, 0)
	// A zero first pivot forces a row swap, which flips the sign.
	out = nrmMust(t, "Det", nil, 1, nrmF32([]int{3, 3}, 0, 1, 0, 1, 0, 0, 0, 0, 2))
	nrmCheck(t, "pivot", out[0], []int{}, -2)
	if _, err := nrmRun(t, "Det", nil, 1, nrmF32([]int{2, 3}, 1, 2, 3, 4, 5, 6)); err == nil {
		t.Fatal("want an error for a non-square matrix")
	}
}
