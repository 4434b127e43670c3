package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// recurCases runs checkRef on op over directions, batch sizes, hidden
// sizes (big must split a step over the test pool's threads, unevenly)
// and input variants: with or without B and initial_h, and W, R, B
// constant or computed.
func recurCases(t *testing.T, rng *rand.Rand, op string, gates, big int, attrs map[string]*ir.Attr) {
	if parts, _ := recurParts(testPool.Threads(), big, []int{gates}, 1); len(parts) < 3 || big%len(parts) == 0 {
		t.Fatalf("hidden %d: %d part(s), want an uneven split over 3", big, len(parts))
	}
	const seq, input = 4, 7
	for _, dir := range []string{"forward", "reverse", "bidirectional"} {
		dirs := 1
		if dir == "bidirectional" {
			dirs = 2
		}
		for _, batch := range []int{1, 3} {
			for _, hidden := range []int{9, 20, big} {
				for v := 0; v < 4; v++ {
					withB, withInit, consts := v&1 != 0, v&2 != 0, v != 2
					in := make([]*ir.Tensor, 6)
					in[0] = randTensor(rng, seq, batch, input)
					in[1] = randTensor(rng, dirs, gates*hidden, input)
					in[2] = randTensor(rng, dirs, gates*hidden, hidden)
					if withB {
						in[3] = randTensor(rng, dirs, 2*gates*hidden)
					}
					if withInit {
						in[5] = randTensor(rng, dirs, batch, hidden)
					}
					if v == 3 {
						lens := make([]int32, batch)
						for i := range lens {
							lens[i] = seq
						}
						in[4] = ir.FromSlice([]int{batch}, lens)
					}
					at := map[string]*ir.Attr{"direction": ir.StringAttr(dir), "hidden_size": ir.IntAttr(int64(hidden))}
					for name, a := range attrs {
						at[name] = a
					}
					rc := refCase{Op: op, Inputs: in, Outputs: 2, Attrs: at,
						Const: []bool{false, consts, consts, consts, true, false}}
					if v == 2 {
						rc.Omit = []int{0}
					}
					t.Run(fmt.Sprintf("%s_b%d_h%d_v%d", dir, batch, hidden, v), func(t *testing.T) { checkRef(t, rc) })
				}
			}
		}
	}
}

func TestRNNMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(75, 76))
	recurCases(t, rng, "RNN", 1, 260, nil)
	for _, acts := range [][]string{{"Relu"}, {"Sigmoid"}} {
		in := []*ir.Tensor{randTensor(rng, 3, 2, 5), randTensor(rng, 1, 11, 5), randTensor(rng, 1, 11, 11), randTensor(rng, 1, 22)}
		rc := refCase{Op: "RNN", Inputs: in, Outputs: 2, Const: []bool{false, true, true, true},
			Attrs: map[string]*ir.Attr{"hidden_size": ir.IntAttr(11), "activations": ir.StringsAttr(acts...)}}
		t.Run(acts[0], func(t *testing.T) { checkRef(t, rc) })
	}
	in := []*ir.Tensor{randTensor(rng, 3, 2, 5), randTensor(rng, 2, 11, 5), randTensor(rng, 2, 11, 11)}
	rc := refCase{Op: "RNN", Inputs: in, Outputs: 2, Const: []bool{false, true, true},
		Attrs: map[string]*ir.Attr{"hidden_size": ir.IntAttr(11), "direction": ir.StringAttr("bidirectional"),
			"activations": ir.StringsAttr("Relu", "Tanh")}}
	t.Run("relu_tanh", func(t *testing.T) { checkRef(t, rc) })
}

func TestRNNDeclines(t *testing.T) {
	rng := rand.New(rand.NewPCG(77, 78))
	in := []*ir.Tensor{randTensor(rng, 2, 1, 3), randTensor(rng, 1, 2, 3), randTensor(rng, 1, 2, 2)}
	for name, attrs := range map[string]map[string]*ir.Attr{
		"clip": {"clip": ir.FloatAttr(1)},
		"acts": {"activations": ir.StringsAttr("Softsign")},
	} {
		if !buildsNil(t, refCase{Op: "RNN", Inputs: in, Attrs: attrs}) {
			t.Errorf("%s: RNN should be left to the reference kernel", name)
		}
	}
}

// BenchmarkRecurrent is one layer of each recurrent op at batch 1, 64
// steps, 256 inputs and hidden units, Y only; DLC_BENCH_THREADS sets the
// pool.
func BenchmarkRecurrent(b *testing.B) {
	const seq, in, h = 64, 256, 256
	for _, c := range []struct {
		name  string
		op    string
		gates int
		lbr   int64
	}{{"RNN", "RNN", 1, 0}, {"GRU_lbr0", "GRU", 3, 0}, {"GRU_lbr1", "GRU", 3, 1}, {"LSTM", "LSTM", 4, 0}} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(83, 84))
			g := c.gates * h
			rc := refCase{Op: c.op, Outputs: 1, Inputs: []*ir.Tensor{randTensor(rng, seq, 1, in), randTensor(rng, 1, g, in),
				randTensor(rng, 1, g, h), randTensor(rng, 1, 2*g)}, Const: []bool{false, true, true, true},
				Attrs: map[string]*ir.Attr{"hidden_size": ir.IntAttr(h)}}
			if c.op == "GRU" {
				rc.Attrs["linear_before_reset"] = ir.IntAttr(c.lbr)
			}
			benchKernel(b, rc, 2*seq*float64(g)*float64(in+h))
		})
	}
}
