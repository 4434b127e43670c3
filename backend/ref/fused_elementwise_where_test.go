package ref

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// TestElementwiseWhere checks the Where<Cmp> instructions on values
// chosen by hand: a tie with the threshold, one on each side, NaN (which
// compares false and selects b), a constant threshold and a broadcast
// tensor one.
func TestElementwiseWhere(t *testing.T) {
	nan := float32(math.NaN())
	x := ir.FromSlice([]int{2, 4}, []float32{1, 0, -1, nan, 2, 0, 5, 0})
	a := ir.FromSlice([]int{2, 4}, []float32{10, 20, 30, 40, 50, 60, 70, 80})
	c := ir.FromSlice([]int{4}, []float32{0.5, 0, 5, nan})
	for _, tc := range []struct {
		op        string
		byZero    []float32 // Where<op>(x, 0, a, -1)
		byTensorC []float32 // Where<op>(x, c, a, -1)
	}{
		{"WhereGreater", []float32{10, -1, -1, -1, 50, -1, 70, -1}, []float32{10, -1, -1, -1, 50, -1, -1, -1}},
		{"WhereGreaterOrEqual", []float32{10, 20, -1, -1, 50, 60, 70, 80}, []float32{10, 20, -1, -1, 50, 60, 70, -1}},
		{"WhereLess", []float32{-1, -1, 30, -1, -1, -1, -1, -1}, []float32{-1, -1, 30, -1, -1, -1, -1, -1}},
		{"WhereLessOrEqual", []float32{-1, 20, 30, -1, -1, 60, -1, 80}, []float32{-1, 20, 30, -1, -1, 60, 70, -1}},
	} {
		got := runFused(t, "Elementwise", prog(tc.op+" x0 0 x1 -1"), x, a)
		exact(t, got, ir.FromSlice([]int{2, 4}, tc.byZero))
		got = runFused(t, "Elementwise", prog(tc.op+" x0 x2 x1 -1"), x, a, c)
		exact(t, got, ir.FromSlice([]int{2, 4}, tc.byTensorC))
	}
	// In a chain, reading and feeding temps: Relu's gradient of 2x.
	got := runFused(t, "Elementwise", prog("Mul x1 2", "WhereGreater x0 0 t0 0", "Add t1 1"), x, a)
	exact(t, got, ir.FromSlice([]int{2, 4}, []float32{21, 1, 1, 1, 101, 1, 141, 1}))
}
