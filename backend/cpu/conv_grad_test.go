package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// convGradCase is a Conv geometry whose weight and data gradients are
// checked: X [n, c, h, w], W [m, c/group, k, k].
type convGradCase struct {
	n, c, m, h, w, k, s, d, group int
	pads                          [4]int64
}

var convGradCases = []convGradCase{
	{n: 2, c: 3, m: 5, h: 7, w: 9, k: 3, s: 1, d: 1, group: 1, pads: [4]int64{1, 1, 1, 1}},
	{n: 3, c: 4, m: 6, h: 11, w: 8, k: 3, s: 2, d: 1, group: 2, pads: [4]int64{1, 0, 0, 1}},
	{n: 1, c: 6, m: 3, h: 9, w: 13, k: 2, s: 3, d: 2, group: 3, pads: [4]int64{0, 2, 1, 0}},
	{n: 2, c: 1, m: 7, h: 5, w: 5, k: 5, s: 1, d: 1, group: 1, pads: [4]int64{2, 2, 2, 2}},
	{n: 5, c: 8, m: 8, h: 6, w: 7, k: 1, s: 2, d: 1, group: 8},
	{n: 4, c: 2, m: 4, h: 10, w: 10, k: 3, s: 2, d: 2, group: 1, pads: [4]int64{1, 1, 1, 1}},
	// One input channel (dW as dot products) over several dotBlocks.
	{n: 3, c: 1, m: 4, h: 20, w: 21, k: 3, s: 1, d: 1, group: 1, pads: [4]int64{1, 1, 1, 1}},
}

func (c convGradCase) attrs() map[string]*ir.Attr {
	return map[string]*ir.Attr{
		"kernel_shape": ints(int64(c.k), int64(c.k)), "strides": ints(int64(c.s), int64(c.s)),
		"dilations": ints(int64(c.d), int64(c.d)), "pads": ints(c.pads[:]...), "group": ir.IntAttr(int64(c.group)),
	}
}

// out returns the conv's output plane.
func (c convGradCase) out() (int, int) {
	span := (c.k-1)*c.d + 1
	return (c.h+int(c.pads[0]+c.pads[2])-span)/c.s + 1, (c.w+int(c.pads[1]+c.pads[3])-span)/c.s + 1
}

func TestConvGradWeightMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	defer func(b int) { convColBudget = b }(convColBudget)
	// 2000: one image, or a tile of its rows, per GEMM; 300: one row.
	for _, budget := range []int{1 << 20, 2000, 300} {
		convColBudget = budget
		for _, c := range convGradCases {
			oh, ow := c.out()
			rc := refCase{Op: "ConvGradWeight", Domain: ir.FusedDomain, Attrs: c.attrs(),
				Inputs: []*ir.Tensor{randTensor(rng, c.n, c.c, c.h, c.w), randTensor(rng, c.n, c.m, oh, ow)}}
			t.Run(fmt.Sprintf("%+v_budget%d", c, budget), func(t *testing.T) { checkElem(t, rc) })
		}
	}
	// 1-D: X [n, c, w].
	checkElem(t, refCase{Op: "ConvGradWeight", Domain: ir.FusedDomain,
		Attrs:  map[string]*ir.Attr{"kernel_shape": ints(3), "strides": ints(2), "pads": ints(1, 0)},
		Inputs: []*ir.Tensor{randTensor(rng, 2, 3, 17), randTensor(rng, 2, 4, 8)}})
}

// TestConvTransposeMatchesRef checks ConvTranspose as Conv's data
// gradient (dY in, output_padding restoring X's size), and with a bias.
func TestConvTransposeMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	defer func(b int) { convColBudget = b }(convColBudget)
	// 2000: one image, or a tile of its rows, per GEMM; 300: one row.
	for _, budget := range []int{1 << 20, 2000, 300} {
		convColBudget = budget
		for _, c := range convGradCases {
			oh, ow := c.out()
			span := (c.k-1)*c.d + 1
			a := c.attrs()
			a["output_padding"] = ints(int64(c.h+int(c.pads[0]+c.pads[2])-span-(oh-1)*c.s), int64(c.w+int(c.pads[1]+c.pads[3])-span-(ow-1)*c.s))
			in := []*ir.Tensor{randTensor(rng, c.n, c.m, oh, ow), randTensor(rng, c.m, c.c/c.group, c.k, c.k)}
			for _, bias := range []bool{false, true} {
				rc := refCase{Op: "ConvTranspose", Attrs: a, Inputs: in}
				if bias {
					rc.Inputs = append(in, randTensor(rng, c.c))
				}
				t.Run(fmt.Sprintf("%+v_bias%v_budget%d", c, bias, budget), func(t *testing.T) {
					n := buildRefNode(t, rc)
					if got := n.Outputs[0].Type.Shape.String(); got != fmt.Sprintf("[%d,%d,%d,%d]", c.n, c.c, c.h, c.w) {
						t.Fatalf("output shape %s, want X's [%d,%d,%d,%d]", got, c.n, c.c, c.h, c.w)
					}
					checkElem(t, rc)
				})
			}
		}
	}
	// auto_pad and output_shape (pads derived, none negative here).
	for i, a := range []map[string]*ir.Attr{
		{"strides": ints(2, 2), "auto_pad": ir.StringAttr("SAME_UPPER")},
		{"strides": ints(2, 3), "auto_pad": ir.StringAttr("SAME_LOWER"), "kernel_shape": ints(3, 3)},
		{"strides": ints(2, 2), "output_shape": ints(10, 9)},
		{"strides": ints(3, 1), "dilations": ints(1, 2), "output_padding": ints(2, 0), "group": ir.IntAttr(2)},
	} {
		w, cout := randTensor(rng, 4, 3, 3, 3), 3
		if a["group"] != nil {
			w, cout = randTensor(rng, 4, 1, 3, 3), 2
		}
		rc := refCase{Op: "ConvTranspose", Attrs: a, Inputs: []*ir.Tensor{randTensor(rng, 2, 4, 5, 4), w, randTensor(rng, cout)}}
		t.Run(fmt.Sprintf("attrs%d", i), func(t *testing.T) { checkElem(t, rc) })
	}
	checkElem(t, refCase{Op: "ConvTranspose", Attrs: map[string]*ir.Attr{"strides": ints(2), "pads": ints(1, 0)},
		Inputs: []*ir.Tensor{randTensor(rng, 2, 4, 8), randTensor(rng, 4, 3, 3), randTensor(rng, 3)}})
}

// TestConvTransposeDeclines leaves output_shape with negative pads (a
// larger output than the full transposed conv) to the reference.
func TestConvTransposeDeclines(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	rc := refCase{Op: "ConvTranspose", Attrs: map[string]*ir.Attr{"output_shape": ints(12, 12)},
		Inputs: []*ir.Tensor{randTensor(rng, 1, 2, 4, 4), randTensor(rng, 2, 3, 3, 3)}}
	if !buildsNil(t, rc) {
		t.Error("ConvTranspose with output_shape beyond the full output: want no fast kernel")
	}
}

func TestPoolGradMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	type pc struct {
		k, s, d int
		pads    [4]int64
		ceil    int64
	}
	cases := []pc{
		{k: 2, s: 2, d: 1}, {k: 3, s: 2, d: 1, pads: [4]int64{1, 1, 1, 1}}, {k: 3, s: 1, d: 1, pads: [4]int64{1, 0, 1, 2}},
		{k: 2, s: 2, d: 1, ceil: 1}, {k: 3, s: 3, d: 1, pads: [4]int64{1, 1, 0, 0}, ceil: 1}, {k: 3, s: 2, d: 2, pads: [4]int64{1, 2, 2, 1}},
	}
	for _, c := range cases {
		attrs := map[string]*ir.Attr{
			"kernel_shape": ints(int64(c.k), int64(c.k+1)), "strides": ints(int64(c.s), int64(c.s)),
			"dilations": ints(int64(c.d), int64(c.d)), "pads": ints(c.pads[:]...), "ceil_mode": ir.IntAttr(c.ceil),
		}
		x := randTensor(rng, 2, 3, 9, 13)
		// Ties (ReLU zeros, repeated values) must go to the first
		// maximum, as in the reference.
		for i, v := range x.Data.([]float32) {
			x.Data.([]float32)[i] = float32(int(max(v, 0) * 4))
		}
		fwd := buildRefNode(t, refCase{Op: "MaxPool", Attrs: attrs, Inputs: []*ir.Tensor{x}})
		ys, _ := fwd.Outputs[0].Type.Shape.Static()
		dy := randTensor(rng, ys...)
		for _, op := range []string{"MaxPoolGrad", "AveragePoolGrad"} {
			for cip := int64(0); cip < 2; cip++ {
				a := map[string]*ir.Attr{}
				for k, v := range attrs {
					a[k] = v
				}
				if op == "AveragePoolGrad" {
					a["count_include_pad"] = ir.IntAttr(cip)
				} else if cip == 1 {
					continue
				}
				rc := refCase{Op: op, Domain: ir.FusedDomain, Attrs: a, Inputs: []*ir.Tensor{x, dy}}
				t.Run(fmt.Sprintf("%s_%+v_cip%d", op, c, cip), func(t *testing.T) { checkElem(t, rc) })
			}
		}
	}
	// 2×2/2 (the dedicated MaxPoolGrad loop), with leftover rows and
	// columns, ties and NaNs.
	for _, shape := range [][]int{{2, 3, 9, 13}, {3, 4, 8, 8}, {1, 1, 2, 2}} {
		x := randTensor(rng, shape...)
		xs := x.Data.([]float32)
		for i, v := range xs {
			xs[i] = float32(int(max(v, 0) * 3))
		}
		xs[1], xs[len(xs)-1] = float32(math.NaN()), float32(math.NaN())
		dy := randTensor(rng, shape[0], shape[1], shape[2]/2, shape[3]/2)
		for _, ceil := range []int64{0, 1} {
			if ceil == 1 && shape[2]%2 == 0 && shape[3]%2 == 0 {
				continue
			}
			a := map[string]*ir.Attr{"kernel_shape": ints(2, 2), "strides": ints(2, 2), "ceil_mode": ir.IntAttr(ceil)}
			d := dy
			if ceil == 1 {
				d = randTensor(rng, shape[0], shape[1], (shape[2]+1)/2, (shape[3]+1)/2)
			}
			rc := refCase{Op: "MaxPoolGrad", Domain: ir.FusedDomain, Attrs: a, Inputs: []*ir.Tensor{x, d}}
			t.Run(fmt.Sprintf("2x2_%v_ceil%d", shape, ceil), func(t *testing.T) { checkElem(t, rc) })
		}
	}
	for _, op := range []string{"MaxPoolGrad", "AveragePoolGrad"} {
		checkElem(t, refCase{Op: op, Domain: ir.FusedDomain, Attrs: map[string]*ir.Attr{"kernel_shape": ints(3), "strides": ints(2), "pads": ints(1, 1)},
			Inputs: []*ir.Tensor{randTensor(rng, 2, 5, 17), randTensor(rng, 2, 5, 9)}})
	}
}
