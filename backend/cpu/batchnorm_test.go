package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestBatchNormMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, shape := range [][]int{{1, 3, 7, 13}, {2, 5, 3}, {2, 4}, {1, 3, 2, 3, 4}} {
		for _, constParams := range []bool{false, true} {
			c := shape[1]
			variance := randTensor(rng, c)
			for i, v := range f32(variance) {
				f32(variance)[i] = v*v + 0.1
			}
			checkRef(t, refCase{Op: "BatchNormalization", Attrs: map[string]*ir.Attr{"epsilon": ir.FloatAttr(1e-3)},
				Inputs: []*ir.Tensor{randTensor(rng, shape...), randTensor(rng, c), randTensor(rng, c), randTensor(rng, c), variance},
				Const:  []bool{false, constParams, constParams, constParams, constParams}})
		}
	}
}
