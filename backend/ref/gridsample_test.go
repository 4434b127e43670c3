package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func gridAttrs(mode, pad string, align int64) map[string]*ir.Attr {
	return map[string]*ir.Attr{"mode": ir.StringAttr(mode), "padding_mode": ir.StringAttr(pad),
		"align_corners": ir.IntAttr(align)}
}

func TestGridSample2D(t *testing.T) {
	x := nrmF32([]int{1, 1, 2, 2}, 1, 2, 3, 4)
	// Three samples (x, y): top-left corner, centre, bottom-right corner.
	grid := nrmF32([]int{1, 1, 3, 2}, -1, -1, 0, 0, 1, 1)
	cases := []struct {
		name  string
		attrs map[string]*ir.Attr
		want  []float64
	}{
		{"linear aligned", gridAttrs("linear", "zeros", 1), []float64{1, 2.5, 4}},
		// Unaligned, the corners of the grid are the outer pixel edges:
		// -1 maps to -0.5, a quarter of pixel (0,0) with zero padding.
		{"linear zeros", gridAttrs("linear", "zeros", 0), []float64{0.25, 2.5, 1}},
		{"linear border", gridAttrs("linear", "border", 0), []float64{1, 2.5, 4}},
		// Nearest rounds half to even: -0.5 -> 0 (in), 0.5 -> 0, 1.5 -> 2 (out).
		{"nearest zeros", gridAttrs("nearest", "zeros", 0), []float64{1, 1, 0}},
		{"opset 16 spelling", gridAttrs("bilinear", "zeros", 1), []float64{1, 2.5, 4}},
	}
	for _, c := range cases {
		out := nrmMust(t, "GridSample", c.attrs, 1, x, grid)
		nrmCheck(t, c.name, out[0], []int{1, 1, 1, 3}, c.want...)
	}
}

func TestGridSampleReflectionAndCubic(t *testing.T) {
	// One row: y always maps to 0 (H = 1, aligned), x = 1.5(g + 1).
	x := nrmF32([]int{1, 1, 1, 4}, 1, 2, 4, 8)
	// x = 4.5 reflects about 3 to 1.5: halfway between 2 and 4.
	out := nrmMust(t, "GridSample", gridAttrs("linear", "reflection", 1), 1, x, nrmF32([]int{1, 1, 1, 2}, 2, 0))
	nrmCheck(t, "reflection", out[0], []int{1, 1, 1, 1}, 3)
	// Cubic at x = 1.5: weights -3/32, 19/32, 19/32, -3/32 on taps 0..3.
	out = nrmMust(t, "GridSample", gridAttrs("cubic", "zeros", 1), 1, x, nrmF32([]int{1, 1, 1, 2}, 0, 0))
	nrmCheck(t, "cubic", out[0], []int{1, 1, 1, 1}, 2.71875)
}

func TestGridSample3DAndInt(t *testing.T) {
	// A 2x2x2 volume; the centre of an aligned grid averages all 8.
	x := nrmF32([]int{1, 1, 2, 2, 2}, 0, 1, 2, 3, 4, 5, 6, 7)
	out := nrmMust(t, "GridSample", gridAttrs("linear", "zeros", 1), 1, x, nrmF32([]int{1, 1, 1, 1, 3}, 0, 0, 0))
	nrmCheck(t, "3-D", out[0], []int{1, 1, 1, 1, 1}, 3.5)
	// grid (x=1, y=-1, z=-1) is element [0][0][1].
	out = nrmMust(t, "GridSample", gridAttrs("nearest", "zeros", 1), 1,
		ir.FromSlice([]int{1, 1, 2, 2, 2}, []int64{0, 1 << 60, 2, 3, 4, 5, 6, 7}), nrmF32([]int{1, 1, 1, 1, 3}, 1, -1, -1))
	if got := ir.Values[int64](out[0])[0]; got != 1<<60 {
		t.Fatalf("nearest int64: got %d, want %d", got, int64(1)<<60)
	}
}

func TestGridSampleErrors(t *testing.T) {
	x := nrmF32([]int{1, 1, 2, 2}, 1, 2, 3, 4)
	if _, err := nrmRun(t, "GridSample", gridAttrs("area", "zeros", 0), 1, x, nrmF32([]int{1, 1, 1, 2}, 0, 0)); err == nil {
		t.Error("want an error for mode area")
	}
	if _, err := nrmRun(t, "GridSample", nil, 1, x, nrmF32([]int{1, 1, 1, 3}, 0, 0, 0)); err == nil {
		t.Error("want an error for 3 coordinates on a 2-D input")
	}
}
