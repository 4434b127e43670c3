package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestAttentionMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	type ac struct {
		q, k, v, mask []int
		scale         float32
	}
	cases := []ac{
		{q: []int{5, 7}, k: []int{9, 7}, v: []int{9, 3}},
		{q: []int{2, 3, 5, 8}, k: []int{2, 3, 11, 8}, v: []int{2, 3, 11, 6}, scale: 0.3},
		{q: []int{2, 3, 5, 8}, k: []int{2, 3, 11, 8}, v: []int{2, 3, 11, 6}, mask: []int{11}},
		{q: []int{2, 3, 5, 8}, k: []int{2, 3, 11, 8}, v: []int{2, 3, 11, 6}, mask: []int{5, 11}},
		{q: []int{2, 3, 5, 8}, k: []int{2, 3, 11, 8}, v: []int{2, 3, 11, 6}, mask: []int{2, 1, 1, 11}},
		{q: []int{2, 3, 5, 8}, k: []int{2, 3, 11, 8}, v: []int{2, 3, 11, 6}, mask: []int{2, 3, 5, 1}},
		{q: []int{1, 2, 70, 16}, k: []int{1, 2, 70, 16}, v: []int{1, 2, 70, 16}, mask: []int{70, 70}},
		{q: []int{4, 1, 8}, k: []int{4, 13, 8}, v: []int{4, 13, 8}},
		{q: []int{3, 2, 5}, k: []int{1, 4, 5}, v: []int{1, 4, 2}},
	}
	for _, c := range cases {
		in := []*ir.Tensor{randTensor(rng, c.q...), randTensor(rng, c.k...), randTensor(rng, c.v...), nil}
		if c.mask != nil {
			in[3] = randTensor(rng, c.mask...)
		}
		attrs := map[string]*ir.Attr{}
		if c.scale != 0 {
			attrs["scale"] = ir.FloatAttr(c.scale)
		}
		rc := refCase{Op: "Attention", Domain: "dlc", Attrs: attrs, Inputs: in}
		t.Run(fmt.Sprintf("%v", c), func(t *testing.T) { checkRef(t, rc) })
	}
}
