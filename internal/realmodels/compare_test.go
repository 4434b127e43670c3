package realmodels

import (
	"math"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// TestCompare pins the tolerance criterion that TestRealModels relies on.
func TestCompare(t *testing.T) {
	f32 := func(v ...float32) *ir.Tensor { return ir.FromSlice([]int{len(v)}, v) }
	nan := float32(math.NaN())
	cases := []struct {
		name      string
		got, want *ir.Tensor
		fail      string // substring of the error; "" when it must pass
	}{
		{"exact", f32(1, -2, 0), f32(1, -2, 0), ""},
		{"within 1e-4 relative", f32(100.009, 1.00009), f32(100, 1), ""},
		{"just over 1e-4 relative", f32(100, 1.00012), f32(100, 1), "1 of 2 elements"},
		// Below 1% of the peak (100) the scale is the floor 1: absolute 1e-4.
		{"small element uses floor", f32(100, 0.00109), f32(100, 0.001), ""},
		{"small element over floor", f32(100, 0.0013), f32(100, 0.001), "flat index 1"},
		{"NaN fails", f32(nan, 1), f32(1, 1), "flat index 0"},
		{"all zero exact", f32(0, 0), f32(0, 0), ""},
		{"all zero not exact", f32(0, 1e-30), f32(0, 0), "1 of 2"},
		{"dtype", ir.FromSlice([]int{1}, []float64{1}), f32(1), "dtype"},
		{"shape", ir.FromSlice([]int{1, 2}, []float32{1, 2}), f32(1, 2), "shape"},
		{"int exact", ir.FromSlice([]int{2}, []int64{1, 2}), ir.FromSlice([]int{2}, []int64{1, 3}), "values differ"},
	}
	for _, c := range cases {
		_, err := compare(c.got, c.want)
		switch {
		case c.fail == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.fail != "" && (err == nil || !strings.Contains(err.Error(), c.fail)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.fail)
		}
	}
	if rel, err := compare(f32(1.00005, 2), f32(1, 2)); err != nil || math.Abs(rel-5e-5) > 1e-6 {
		t.Errorf("max relative error %g, %v; want about 5e-5", rel, err)
	}
}
