package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

func TestPoolMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	type pc struct {
		k, s, d int
		pads    [4]int64
		ceil    int64
		autoPad string
	}
	var cases []pc
	for _, k := range []int{1, 2, 3, 5} {
		for _, s := range []int{1, 2, 3} {
			for _, p := range []int64{0, 1, int64(k / 2)} {
				if p >= int64(k) {
					continue
				}
				for _, ceil := range []int64{0, 1} {
					cases = append(cases, pc{k: k, s: s, d: 1, pads: [4]int64{p, 0, p, p}, ceil: ceil})
				}
			}
		}
	}
	cases = append(cases, pc{k: 3, s: 2, d: 2, pads: [4]int64{1, 2, 2, 1}}, pc{k: 3, s: 2, d: 1, autoPad: "SAME_UPPER"},
		pc{k: 2, s: 2, d: 1, autoPad: "SAME_LOWER"}, pc{k: 3, s: 1, d: 1, autoPad: "VALID"})
	for _, c := range cases {
		for _, op := range []string{"MaxPool", "AveragePool"} {
			for cip := int64(0); cip < 2; cip++ {
				if op == "MaxPool" && cip == 1 {
					continue
				}
				attrs := map[string]*ir.Attr{
					"kernel_shape": ints(int64(c.k), int64(c.k+1)),
					"strides":      ints(int64(c.s), int64(c.s)),
					"ceil_mode":    ir.IntAttr(c.ceil),
				}
				if c.autoPad != "" {
					attrs["auto_pad"] = ir.StringAttr(c.autoPad)
				} else {
					attrs["pads"] = ints(c.pads[:]...)
				}
				if c.d != 1 {
					attrs["dilations"] = ints(int64(c.d), int64(c.d))
				}
				if op == "AveragePool" {
					attrs["count_include_pad"] = ir.IntAttr(cip)
				}
				rc := refCase{Op: op, Attrs: attrs, Inputs: []*ir.Tensor{randTensor(rng, 2, 3, 7, 13)}}
				t.Run(fmt.Sprintf("%s_%+v_cip%d", op, c, cip), func(t *testing.T) { checkRef(t, rc) })
			}
		}
	}
}

func TestPool1D(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, op := range []string{"MaxPool", "AveragePool"} {
		checkRef(t, refCase{Op: op, Attrs: map[string]*ir.Attr{"kernel_shape": ints(3), "strides": ints(2), "pads": ints(1, 1)},
			Inputs: []*ir.Tensor{randTensor(rng, 1, 5, 17)}})
	}
}

func TestGlobalPoolMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, op := range []string{"GlobalAveragePool", "GlobalMaxPool"} {
		for _, shape := range [][]int{{1, 3, 7, 13}, {2, 5, 1, 1}, {2, 3, 17}, {1, 2, 3, 4, 5}} {
			checkRef(t, refCase{Op: op, Inputs: []*ir.Tensor{randTensor(rng, shape...)}})
		}
	}
}

func TestMaxPoolIndicesDeclined(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	c := refCase{Op: "MaxPool", Attrs: map[string]*ir.Attr{"kernel_shape": ints(2, 2)},
		Inputs: []*ir.Tensor{randTensor(rng, 1, 2, 4, 4)}, Outputs: 2}
	if !buildsNil(t, c) {
		t.Errorf("MaxPool with Indices should be left to the reference kernel")
	}
}

// TestMaxPool3x3 covers the shapes the in-place 3×3 max pool routines
// take (strides 1 and 2, pads 0 and 1, ceil mode, widths around 16 and
// 32) at every vec level.
func TestMaxPool3x3(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, l := range vec.Levels() {
		restore := vec.SetLevel(l)
		for _, hw := range [][2]int{{3, 3}, {5, 16}, {9, 17}, {7, 33}, {13, 54}, {4, 109}} {
			for _, s := range []int64{1, 2} {
				for _, p := range [][4]int64{{0, 0, 0, 0}, {1, 1, 1, 1}, {0, 1, 1, 0}} {
					for _, ceil := range []int64{0, 1} {
						rc := refCase{Op: "MaxPool", Attrs: map[string]*ir.Attr{"kernel_shape": ints(3, 3), "strides": ints(s, s),
							"pads": ints(p[:]...), "ceil_mode": ir.IntAttr(ceil)}, Inputs: []*ir.Tensor{randTensor(rng, 2, 3, hw[0], hw[1])}}
						if buildsNil(t, rc) {
							continue
						}
						t.Run(fmt.Sprintf("%v/%dx%d_s%d_p%v_ceil%d", l, hw[0], hw[1], s, p, ceil), func(t *testing.T) { checkRef(t, rc) })
					}
				}
			}
		}
		restore()
	}
}

// BenchmarkMaxPool3x3 is SqueezeNet 1.0's three max pools (3×3, stride 2,
// ceil mode).
func BenchmarkMaxPool3x3(b *testing.B) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, l := range []struct{ c, hw int }{{96, 109}, {256, 54}, {512, 27}} {
		rc := refCase{Op: "MaxPool", Attrs: map[string]*ir.Attr{"kernel_shape": ints(3, 3), "strides": ints(2, 2), "ceil_mode": ir.IntAttr(1)},
			Inputs: []*ir.Tensor{randTensor(rng, 1, l.c, l.hw, l.hw)}}
		o := (l.hw-3+1)/2 + 1
		b.Run(fmt.Sprintf("%d_%d", l.c, l.hw), func(b *testing.B) { benchKernel(b, rc, 9*float64(l.c*o*o)) })
	}
}
