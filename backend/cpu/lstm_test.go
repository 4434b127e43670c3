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

// TestLSTMParts covers hidden sizes large enough for a step to be split
// over the test pool's threads (recurParts), with an uneven split (130
// units over 3 parts), panels of every width, and batch 2.
func TestLSTMParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(67, 68))
	const seq, input = 4, 5
	for _, hidden := range []int{128, 130} {
		for _, batch := range []int{1, 2} {
			if parts, _ := recurParts(testPool.Threads(), hidden, []int{4}, batch); len(parts) < 2 {
				t.Fatalf("hidden %d batch %d: %d part(s), want a split step", hidden, batch, len(parts))
			}
			in := make([]*ir.Tensor, 8)
			in[0] = randTensor(rng, seq, batch, input)
			in[1] = randTensor(rng, 2, 4*hidden, input)
			in[2] = randTensor(rng, 2, 4*hidden, hidden)
			in[3] = randTensor(rng, 2, 8*hidden)
			in[5] = randTensor(rng, 2, batch, hidden)
			in[6] = randTensor(rng, 2, batch, hidden)
			in[7] = randTensor(rng, 2, 3*hidden)
			rc := refCase{Op: "LSTM", Inputs: in, Outputs: 3,
				Attrs: map[string]*ir.Attr{"direction": ir.StringAttr("bidirectional"), "hidden_size": ir.IntAttr(int64(hidden))},
				Const: []bool{false, true, true, true, false, false, false, true}}
			t.Run(fmt.Sprintf("h%d_b%d", hidden, batch), func(t *testing.T) { checkRef(t, rc) })
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

// BenchmarkLSTMBenchModel runs the two layers of the bench model's LSTM
// (scripts/export_bench_models.py: batch 1, 64 steps, 64 features, hidden
// 256), Y only, as the model uses them; DLC_BENCH_THREADS sets the pool.
func BenchmarkLSTMBenchModel(b *testing.B) {
	rng := rand.New(rand.NewPCG(65, 66))
	const seq, h = 64, 256
	for _, in := range []int{64, h} {
		b.Run(fmt.Sprintf("in%d", in), func(b *testing.B) {
			c := refCase{Op: "LSTM", Outputs: 1, Inputs: []*ir.Tensor{randTensor(rng, seq, 1, in), randTensor(rng, 1, 4*h, in),
				randTensor(rng, 1, 4*h, h), randTensor(rng, 1, 8*h)}, Const: []bool{false, true, true, true},
				Attrs: map[string]*ir.Attr{"hidden_size": ir.IntAttr(h)}}
			benchKernel(b, c, 2*seq*4*h*float64(in+h))
		})
	}
}

// TestLSTMRunAllocs checks that Run allocates nothing, split steps
// included.
func TestLSTMRunAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(69, 70))
	const seq, input, hidden = 3, 4, 128
	c := refCase{Op: "LSTM", Outputs: 3, Inputs: []*ir.Tensor{randTensor(rng, seq, 1, input), randTensor(rng, 1, 4*hidden, input),
		randTensor(rng, 1, 4*hidden, hidden), randTensor(rng, 1, 8*hidden)}, Const: []bool{false, true, true, true},
		Attrs: map[string]*ir.Attr{"hidden_size": ir.IntAttr(hidden)}}
	n := buildRefNode(t, c)
	k := Build(n, testEnv())
	out := newOutputs(t, n)
	if a := testing.AllocsPerRun(20, func() { k.Run(c.Inputs, out) }); a != 0 && !raceOn {
		t.Errorf("Run allocates %v times", a)
	}
}
