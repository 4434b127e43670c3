package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// fusedActs are activation attribute sets the fused-op tests cycle through.
var fusedActs = []struct {
	name        string
	alpha, beta float32
}{{"", 0, 0}, {"Relu", 0, 0}, {"Clip", 0, 6}, {"LeakyRelu", 0.1, 0}, {"Sigmoid", 0, 0}, {"HardSwish", 0, 0},
	{"Silu", 0, 0}, {"Gelu", 0, 0}, {"HardSigmoid", 0.2, 0.5}, {"Tanh", 0, 0}, {"GeluTanh", 0, 0}}

func actAttrs(i int, attrs map[string]*ir.Attr) map[string]*ir.Attr {
	a := fusedActs[i%len(fusedActs)]
	attrs["activation"] = ir.StringAttr(a.name)
	attrs["activation_alpha"] = ir.FloatAttr(a.alpha)
	attrs["activation_beta"] = ir.FloatAttr(a.beta)
	return attrs
}

func TestFusedConvMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	type fc struct{ c, m, k, s, group int }
	cases := []fc{{3, 5, 1, 1, 1}, {3, 5, 3, 1, 1}, {4, 6, 3, 2, 2}, {5, 5, 3, 1, 5}, {5, 5, 5, 2, 5}, {8, 16, 1, 1, 1}, {3, 4, 7, 2, 1}}
	i := 0
	for _, c := range cases {
		for _, withZ := range []bool{false, true} {
			for _, withB := range []bool{false, true} {
				p := int64(c.k / 2)
				attrs := actAttrs(i, map[string]*ir.Attr{"pads": ints(p, p, p, p), "strides": ints(int64(c.s), int64(c.s)),
					"group": ir.IntAttr(int64(c.group))})
				i++
				oh, ow := (7+2*int(p)-c.k)/c.s+1, (13+2*int(p)-c.k)/c.s+1
				in := []*ir.Tensor{randTensor(rng, 2, c.c, 7, 13), randTensor(rng, c.m, c.c/c.group, c.k, c.k), nil, nil}
				if withB {
					in[2] = randTensor(rng, c.m)
				}
				if withZ {
					in[3] = randTensor(rng, 2, c.m, oh, ow)
				}
				rc := refCase{Op: "FusedConv", Domain: "dlc", Attrs: attrs, Inputs: in, Const: []bool{false, true, true, false}}
				forConvPaths(t, fmt.Sprintf("%+v_z%v_b%v_%s", c, withZ, withB, attrs["activation"].S), func(t *testing.T) { checkRef(t, rc) })
			}
		}
	}
}

func TestFusedGemmMatMulMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	for i := range fusedActs {
		attrs := actAttrs(i, map[string]*ir.Attr{"transB": ir.IntAttr(int64(i % 2)), "beta": ir.FloatAttr(0.5)})
		b := randTensor(rng, 13, 9)
		if i%2 == 0 {
			b = randTensor(rng, 9, 13)
		}
		checkRef(t, refCase{Op: "FusedGemm", Domain: "dlc", Attrs: attrs,
			Inputs: []*ir.Tensor{randTensor(rng, 5, 9), b, randTensor(rng, 13)}, Const: []bool{false, true, true}})
		for _, shapes := range [][2][]int{{{5, 9}, {9, 13}}, {{2, 5, 9}, {9, 13}}, {{2, 5, 9}, {2, 9, 13}}} {
			in := []*ir.Tensor{randTensor(rng, shapes[0]...), randTensor(rng, shapes[1]...), nil}
			if i%3 != 0 {
				in[2] = randTensor(rng, 13)
			}
			checkRef(t, refCase{Op: "FusedMatMul", Domain: "dlc", Attrs: actAttrs(i, map[string]*ir.Attr{}),
				Inputs: in, Const: []bool{false, i%2 == 0, true}})
		}
	}
}
