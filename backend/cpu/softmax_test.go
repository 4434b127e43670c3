package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestSoftmaxMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	shapes := [][]int{{}, {1}, {17}, {3, 5, 7}, {2, 128}, {2, 3, 256}, {4, 768}, {2, 4, 9, 3}, {8, 64, 40}, {64, 768}}
	for _, op := range []string{"Softmax", "LogSoftmax"} {
		for _, s := range shapes {
			for axis := -len(s); axis < max(len(s), 1); axis++ {
				if len(s) == 0 && axis != 0 {
					continue
				}
				x := scaled(rng, 8, s...)
				checkElem(t, refCase{Op: op, Attrs: map[string]*ir.Attr{"axis": ir.IntAttr(int64(axis))},
					Inputs: []*ir.Tensor{x}, Tol: 2e-6})
			}
		}
		// Rows with -Inf (masked) entries and a NaN.
		x := scaled(rng, 3, 3, 20)
		f32(x)[3], f32(x)[25], f32(x)[47] = float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.NaN())
		checkElem(t, refCase{Op: op, Inputs: []*ir.Tensor{x}, Tol: 2e-6})
	}
}

func TestLayerNormMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		x      []int
		axis   int64
		scale  []int
		bias   bool
		consts bool
		stats  bool
	}{
		{[]int{4, 128}, -1, []int{128}, true, true, false},
		{[]int{64, 768}, -1, []int{768}, true, true, true},
		{[]int{2, 3, 768}, -1, []int{768}, true, false, true},
		{[]int{2, 5, 7}, -1, []int{7}, false, true, true},
		{[]int{2, 5, 7}, 1, []int{5, 7}, true, false, true},
		{[]int{2, 5, 7}, 1, []int{1, 7}, true, true, false},
		{[]int{3, 33}, 0, []int{3, 33}, true, true, true},
		{[]int{1, 1}, -1, []int{1}, true, false, false},
	} {
		in := []*ir.Tensor{scaled(rng, 4, c.x...), randTensor(rng, c.scale...)}
		if c.bias {
			in = append(in, randTensor(rng, c.scale...))
		}
		rc := refCase{Op: "LayerNormalization", Attrs: map[string]*ir.Attr{"axis": ir.IntAttr(c.axis)},
			Inputs: in, Const: []bool{false, c.consts, c.consts}, Tol: 2e-5}
		if c.stats {
			rc.Outputs = 3
		}
		checkElem(t, rc)
	}
	// Mean without InvStdDev.
	x := scaled(rng, 2, 3, 10)
	checkElem(t, refCase{Op: "LayerNormalization", Inputs: []*ir.Tensor{x, randTensor(rng, 10)}, Outputs: 3,
		Omit: []int{2}, Tol: 2e-5})
}

func TestReduceMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	axesCases := []struct {
		shape []int
		axes  []int64 // nil: input omitted
	}{
		{[]int{3, 50}, []int64{-1}}, {[]int{3, 50}, []int64{0}}, {[]int{3, 50}, nil}, {[]int{2, 3, 4, 5}, []int64{1}},
		{[]int{2, 3, 4, 5}, []int64{2, 3}}, {[]int{2, 3, 4, 5}, []int64{1, 3}}, {[]int{2, 3, 4, 5}, []int64{0, 2}},
		{[]int{2, 1, 4, 1}, []int64{1, 3}}, {[]int{2, 3, 4, 5}, []int64{0, 1, 2, 3}}, {[]int{7}, []int64{0}},
		{[]int{4, 1, 6}, []int64{0, 1}}, {[]int{2, 768}, []int64{-1}}, {[]int{5}, []int64{}},
	}
	for _, op := range []string{"ReduceSum", "ReduceMean", "ReduceMax"} {
		for _, c := range axesCases {
			for _, keep := range []int64{0, 1} {
				x := scaled(rng, 3, c.shape...)
				in := []*ir.Tensor{x}
				if c.axes != nil {
					in = append(in, ir.FromSlice([]int{len(c.axes)}, c.axes))
				}
				checkElem(t, refCase{Op: op, Attrs: map[string]*ir.Attr{"keepdims": ir.IntAttr(keep)},
					Inputs: in, Const: []bool{false, true}, Tol: 1e-5})
			}
		}
		// noop_with_empty_axes keeps every element.
		checkElem(t, refCase{Op: op, Attrs: map[string]*ir.Attr{"noop_with_empty_axes": ir.IntAttr(1)},
			Inputs: []*ir.Tensor{scaled(rng, 2, 3, 4)}, Tol: 1e-6})
	}
	// NaN wins ReduceMax in rows, columns and the general form.
	for _, axes := range [][]int64{{1}, {0}, {0, 2}} {
		x := scaled(rng, 3, 4, 6, 3)
		f32(x)[10] = float32(math.NaN())
		checkElem(t, refCase{Op: "ReduceMax", Inputs: []*ir.Tensor{x, ir.FromSlice([]int{len(axes)}, axes)},
			Const: []bool{false, true}})
	}
}
