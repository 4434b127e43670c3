package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestLSTMMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	const seq, input = 5, 7
	for _, dir := range []string{"forward", "reverse", "bidirectional"} {
		dirs := 1
		if dir == "bidirectional" {
			dirs = 2
		}
		for _, batch := range []int{1, 3} {
			for _, hidden := range []int{9, 20} {
				for v := 0; v < 4; v++ {
					withB, withInit, withP, consts := v&1 != 0, v&2 != 0, v == 3, v != 2
					in := make([]*ir.Tensor, 8)
					in[0] = randTensor(rng, seq, batch, input)
					in[1] = randTensor(rng, dirs, 4*hidden, input)
					in[2] = randTensor(rng, dirs, 4*hidden, hidden)
					if withB {
						in[3] = randTensor(rng, dirs, 8*hidden)
					}
					if withInit {
						in[5] = randTensor(rng, dirs, batch, hidden)
						in[6] = randTensor(rng, dirs, batch, hidden)
					}
					if withP {
						in[7] = randTensor(rng, dirs, 3*hidden)
						lens := make([]int32, batch)
						for i := range lens {
							lens[i] = seq
						}
						in[4] = ir.FromSlice([]int{batch}, lens)
					}
					rc := refCase{Op: "LSTM", Inputs: in, Outputs: 3,
						Attrs: map[string]*ir.Attr{"direction": ir.StringAttr(dir), "hidden_size": ir.IntAttr(int64(hidden))},
						Const: []bool{false, consts, consts, consts, true, false, false, consts}}
					if v == 2 {
						rc.Omit = []int{0}
					}
					t.Run(fmt.Sprintf("%s_b%d_h%d_v%d", dir, batch, hidden, v), func(t *testing.T) { checkRef(t, rc) })
				}
			}
		}
	}
}

func TestLSTMDeclines(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	in := []*ir.Tensor{randTensor(rng, 2, 1, 3), randTensor(rng, 1, 8, 3), randTensor(rng, 1, 8, 2)}
	for name, attrs := range map[string]map[string]*ir.Attr{
		"clip":   {"clip": ir.FloatAttr(1)},
		"acts":   {"activations": ir.StringsAttr("Relu", "Tanh", "Tanh")},
		"layout": {"layout": ir.IntAttr(1)},
	} {
		ins := in
		if name == "layout" {
			ins = []*ir.Tensor{randTensor(rng, 1, 2, 3), in[1], in[2]}
		}
		if !buildsNil(t, refCase{Op: "LSTM", Inputs: ins, Attrs: attrs}) {
			t.Errorf("%s: LSTM should be left to the reference kernel", name)
		}
	}
}
