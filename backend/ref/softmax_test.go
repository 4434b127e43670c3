package ref

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestSoftmax(t *testing.T) {
	x := nrmF32([]int{2, 3}, 1, 2, 3, 0, 0, 0)
	out := nrmMust(t, "Softmax", nil, 1, x)
	nrmCheck(t, "axis -1", out[0], []int{2, 3}, 0.09003057, 0.24472847, 0.66524096, 1.0/3, 1.0/3, 1.0/3)
	// Along axis 0 of [[1,0],[1,ln 3]]: columns [.5,.5] and [.25,.75].
	x = nrmF32([]int{2, 2}, 1, 0, 1, float32(math.Log(3)))
	out = nrmMust(t, "Softmax", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, 1, x)
	nrmCheck(t, "axis 0", out[0], []int{2, 2}, 0.5, 0.25, 0.5, 0.75)
	// Large inputs must not overflow.
	out = nrmMust(t, "Softmax", nil, 1, nrmF32([]int{2}, 1000, 1000))
	nrmCheck(t, "large", out[0], []int{2}, 0.5, 0.5)
	if _, err := nrmRun(t, "Softmax", map[string]*ir.Attr{"axis": ir.IntAttr(2)}, 1, x); err == nil {
		t.Fatal("want an error for axis 2 of a rank-2 input")
	}
}

func TestSoftmaxFloat16(t *testing.T) {
	x := ir.FromBits(ir.Float16, []int{2}, []uint16{ir.F32ToF16(0), ir.F32ToF16(0)})
	out := nrmMust(t, "Softmax", nil, 1, x)
	if out[0].DType != ir.Float16 {
		t.Fatalf("dtype %s, want f16", out[0].DType)
	}
	nrmCheck(t, "f16", out[0], []int{2}, 0.5, 0.5)
}

func TestLogSoftmax(t *testing.T) {
	x := nrmF32([]int{1, 3, 1}, 1, 2, 3)
	out := nrmMust(t, "LogSoftmax", map[string]*ir.Attr{"axis": ir.IntAttr(1)}, 1, x)
	nrmCheck(t, "Y", out[0], []int{1, 3, 1}, math.Log(0.09003057), math.Log(0.24472847), math.Log(0.66524096))
}

func TestHardmax(t *testing.T) {
	// Ties go to the first maximum.
	x := ir.FromSlice([]int{2, 3}, []float64{1, 3, 3, 2, 1, 0})
	out := nrmMust(t, "Hardmax", nil, 1, x)
	nrmCheck(t, "axis -1", out[0], []int{2, 3}, 0, 1, 0, 1, 0, 0)
	out = nrmMust(t, "Hardmax", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, 1, x)
	nrmCheck(t, "axis 0", out[0], []int{2, 3}, 0, 1, 1, 1, 0, 0)
}
