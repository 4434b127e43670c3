package ref

import (
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Expected images come from the fold formula written out by hand or, for
// the larger cases, from a brute-force numpy loop over every (batch,
// channel, block offset, position): image[l*stride - pad + k*dilation] +=
// input[n, c*K + k, l].

func c2iAttrs(dil, pads, strides []int64) map[string]*ir.Attr {
	a := map[string]*ir.Attr{}
	if dil != nil {
		a["dilations"] = ir.IntsAttr(dil...)
	}
	if pads != nil {
		a["pads"] = ir.IntsAttr(pads...)
	}
	if strides != nil {
		a["strides"] = ir.IntsAttr(strides...)
	}
	return a
}

func c2iSeq[T float32 | float64 | int32](shape []int) *ir.Tensor {
	v := make([]T, numElems(shape))
	for i := range v {
		v[i] = T(i + 1)
	}
	return ir.FromSlice(shape, v)
}

func TestCol2Im1D(t *testing.T) {
	// in[k][l] = {{1,2,3},{10,20,30}}: block 2 at positions 0,1,2 of an
	// image of 4; out[p+k] += in[k][p], so the inner pixels add up.
	x := ir.FromSlice([]int{1, 2, 3}, []float32{1, 2, 3, 10, 20, 30})
	xoClose(t, "overlap", xoMust(t, "Col2Im", nil, x, shapeIn(4), shapeIn(2)), ir.Float32, []int{1, 1, 4},
		1, 12, 23, 30)
	// pads [1,0], stride 2: padded size 5, positions l=0,1 at 2l-1; the
	// value at coordinate -1 falls in the padding.
	y := ir.FromSlice([]int{1, 2, 2}, []float32{1, 2, 10, 20}) // a0 a1 / b0 b1
	xoClose(t, "pad+stride", xoMust(t, "Col2Im", c2iAttrs(nil, []int64{1, 0}, []int64{2}), y, shapeIn(4), shapeIn(2)),
		ir.Float32, []int{1, 1, 4}, 10, 2, 20, 0)
	// dilation 2: block taps 2 apart, positions l=0,1: [a0, a1, b0, b1].
	xoClose(t, "dilation", xoMust(t, "Col2Im", c2iAttrs([]int64{2}, nil, nil), y, shapeIn(4), shapeIn(2)),
		ir.Float32, []int{1, 1, 4}, 1, 2, 10, 20)
}

func TestCol2Im2D(t *testing.T) {
	// ONNX's documented example: block [1,5] over a 5x5 image has 5
	// positions (one per row), so the image is the input transposed.
	x := c2iSeq[float32]([]int{1, 5, 5})
	want := make([]float64, 25)
	for r := range 5 {
		for c := range 5 {
			want[r*5+c] = float64(c*5 + r + 1)
		}
	}
	xoClose(t, "onnx example", xoMust(t, "Col2Im", nil, x, shapeIn(5, 5), shapeIn(1, 5)), ir.Float32, []int{1, 1, 5, 5}, want...)
	// Two channels, every attribute: image [3,4], block [2,2], dilations
	// [1,2], pads [1,0,0,1], strides [2,1] -> a 2x3 grid of positions.
	in := c2iSeq[float64]([]int{1, 8, 6})
	xoClose(t, "all attrs", xoMust(t, "Col2Im", c2iAttrs([]int64{1, 2}, []int64{1, 0, 0, 1}, []int64{2, 1}), in, shapeIn(3, 4), shapeIn(2, 2)),
		ir.Float64, []int{1, 2, 3, 4},
		13, 14, 34, 20, 4, 5, 16, 11, 16, 17, 40, 23, 37, 38, 82, 44, 28, 29, 64, 35, 40, 41, 88, 47)
}

func TestCol2Im3DInt(t *testing.T) {
	// N=2, C=1, image [3,2,2], block [2,1,2]: a 2x2x1 grid; int32 sums
	// are exact.
	in := c2iSeq[int32]([]int{2, 4, 4})
	got := xoMust(t, "Col2Im", nil, in, shapeIn(3, 2, 2), shapeIn(2, 1, 2))
	want := []int32{1, 5, 2, 6, 12, 20, 14, 22, 11, 15, 12, 16, 17, 21, 18, 22, 44, 52, 46, 54, 27, 31, 28, 32}
	if got.DType != ir.Int32 || !slices.Equal(got.Shape, []int{2, 1, 3, 2, 2}) || !slices.Equal(ir.Values[int32](got), want) {
		t.Errorf("3-D int32: got %s%v %v, want int32[2 1 3 2 2] %v", got.DType, got.Shape, got.Data, want)
	}
}

func TestCol2ImErrors(t *testing.T) {
	x := c2iSeq[float32]([]int{1, 4, 3})
	xoErr(t, "Col2Im", nil, "blocks", x, shapeIn(4, 4), shapeIn(2, 2))   // 9 positions, not 3
	xoErr(t, "Col2Im", nil, "not a multiple", x, shapeIn(4), shapeIn(3)) // 4 rows, block 3
	xoErr(t, "Col2Im", nil, "same, positive length", x, shapeIn(4), shapeIn(2, 2))
	xoErr(t, "Col2Im", nil, "larger than the padded image", x, shapeIn(2), shapeIn(4))
	xoErr(t, "Col2Im", c2iAttrs(nil, nil, []int64{1, 1}), "strides", x, shapeIn(4), shapeIn(2))
	xoErr(t, "Col2Im", c2iAttrs(nil, nil, []int64{0}), "positive", x, shapeIn(4), shapeIn(2))
}
