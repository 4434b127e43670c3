package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestGRUMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(79, 80))
	for _, lbr := range []int64{0, 1} {
		t.Run(fmt.Sprintf("lbr%d", lbr), func(t *testing.T) {
			recurCases(t, rng, "GRU", 3, 160, map[string]*ir.Attr{"linear_before_reset": ir.IntAttr(lbr)})
		})
	}
}

func TestGRUDeclines(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	in := []*ir.Tensor{randTensor(rng, 2, 1, 3), randTensor(rng, 1, 6, 3), randTensor(rng, 1, 6, 2)}
	for name, attrs := range map[string]map[string]*ir.Attr{
		"acts":   {"linear_before_reset": ir.IntAttr(1), "activations": ir.StringsAttr("Relu", "Tanh")},
		"layout": {"layout": ir.IntAttr(1)},
	} {
		if !buildsNil(t, refCase{Op: "GRU", Inputs: in, Attrs: attrs}) {
			t.Errorf("%s: GRU should be left to the reference kernel", name)
		}
	}
}
