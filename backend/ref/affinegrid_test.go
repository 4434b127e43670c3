package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Expected grids: theta[n] @ [x_w, y_h, (z_d,) 1] with base coordinates
// -1 + 2i/(S-1) (align_corners=1) or (2i+1)/S - 1 (align_corners=0),
// evaluated with numpy.

func agAlign(a int64) map[string]*ir.Attr {
	return map[string]*ir.Attr{"align_corners": ir.IntAttr(a)}
}

func TestAffineGrid2D(t *testing.T) {
	// Batch of two: a general matrix and the identity; H=2, W=3.
	theta := ir.FromSlice([]int{2, 2, 3}, []float32{1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0})
	size := shapeIn(2, 7, 2, 3)
	// align_corners=0: x in {-2/3, 0, 2/3}, y in {-1/2, 1/2}.
	xoClose(t, "align 0", xoMust(t, "AffineGrid", nil, theta, size), ir.Float32, []int{2, 2, 3, 2},
		1.3333333333, 0.8333333333, 2.0, 3.5, 2.6666666667, 6.1666666667,
		3.3333333333, 5.8333333333, 4.0, 8.5, 4.6666666667, 11.1666666667,
		-0.6666666667, -0.5, 0.0, -0.5, 0.6666666667, -0.5,
		-0.6666666667, 0.5, 0.0, 0.5, 0.6666666667, 0.5)
	// align_corners=1: x in {-1, 0, 1}, y in {-1, 1}.
	xoClose(t, "align 1", xoMust(t, "AffineGrid", agAlign(1), theta, size), ir.Float32, []int{2, 2, 3, 2},
		0, -3, 1, 1, 2, 5, 4, 7, 5, 11, 6, 15,
		-1, -1, 0, -1, 1, -1, -1, 1, 0, 1, 1, 1)
	// A size-1 dim sits at the center, 0, in both modes.
	id := ir.FromSlice([]int{1, 2, 3}, []float64{1, 0, 0, 0, 1, 0})
	xoClose(t, "size 1", xoMust(t, "AffineGrid", agAlign(1), id, shapeIn(1, 1, 1, 2)), ir.Float64, []int{1, 1, 2, 2},
		-1, 0, 1, 0)
}

func TestAffineGrid3D(t *testing.T) {
	// x scaled-and-shifted, y doubled, z tripled: the output's last axis
	// is (x, y, z) with x along W, y along H, z along D. D=2, H=1, W=3.
	theta := ir.FromSlice([]int{1, 3, 4}, []float32{1, 0, 0, 0.5, 0, 2, 0, 0, 0, 0, 3, 0})
	size := shapeIn(1, 1, 2, 1, 3)
	xoClose(t, "align 1", xoMust(t, "AffineGrid", agAlign(1), theta, size), ir.Float32, []int{1, 2, 1, 3, 3},
		-0.5, 0, -3, 0.5, 0, -3, 1.5, 0, -3, -0.5, 0, 3, 0.5, 0, 3, 1.5, 0, 3)
	xoClose(t, "align 0", xoMust(t, "AffineGrid", nil, theta, size), ir.Float32, []int{1, 2, 1, 3, 3},
		-0.1666666667, 0, -1.5, 0.5, 0, -1.5, 1.1666666667, 0, -1.5,
		-0.1666666667, 0, 1.5, 0.5, 0, 1.5, 1.1666666667, 0, 1.5)
}

func TestAffineGridErrors(t *testing.T) {
	theta := ir.FromSlice([]int{1, 2, 3}, []float32{1, 0, 0, 0, 1, 0})
	xoErr(t, "AffineGrid", nil, "[N,C,H,W] or [N,C,D,H,W]", theta, shapeIn(1, 1, 2))
	xoErr(t, "AffineGrid", nil, "want [1, 3, 4]", theta, shapeIn(1, 1, 2, 2, 2))
	xoErr(t, "AffineGrid", nil, "want [2, 2, 3]", theta, shapeIn(2, 1, 2, 2))
	xoErr(t, "AffineGrid", nil, "negative", theta, shapeIn(1, 1, -2, 2))
	xoErr(t, "AffineGrid", nil, "wants one of f16", ir.FromSlice([]int{1, 2, 3}, []int32{1, 0, 0, 0, 1, 0}), shapeIn(1, 1, 2, 2))
}
