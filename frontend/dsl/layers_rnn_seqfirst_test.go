package dsl

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// rnnRef computes a recurrent layer of rnnKinds[kind] with loops from the
// ONNX operators' formulas (zero initial states), reading the parameters
// of layer from m. x is [batch][steps][features]; it returns the output
// the layer gives batch first: [batch][steps·dirs·hidden] with c.seq,
// else the final states [batch][dirs·hidden].
func rnnRef(t *testing.T, m *Model, layer string, kind int, c rnnCase, hidden int, x [][][]float64) [][]float64 {
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	gates := map[string]int{"LSTM": 4, "GRU": 3, "RNN": 1}[rnnKinds[kind].op]
	resetBefore := rnnKinds[kind].name == "gru_reset_before"
	h, g, d := hidden, gates*hidden, c.dirs()
	batch, steps := len(x), len(x[0])
	seq := x // [batch][steps][in] of the stacked layer
	out := make([][]float64, batch)
	for k := range c.layers {
		sfx := fmt.Sprintf("_l%d", k)
		w, r := param(t, m, layer+".W"+sfx), param(t, m, layer+".R"+sfx)
		bias := make([]float64, d*2*g)
		if !c.noBias {
			bias = param(t, m, layer+".B"+sfx)
		}
		in := len(seq[0][0])
		next := make([][][]float64, batch)
		for n := range batch {
			next[n] = make([][]float64, steps)
			for s := range steps {
				next[n][s] = make([]float64, d*h)
			}
			out[n] = make([]float64, 0, d*h)
			for dir := range d {
				W, R, B := w[dir*g*in:], r[dir*g*h:], bias[dir*2*g:]
				hs, cs := make([]float64, h), make([]float64, h)
				for i := range steps {
					s := i
					if dir == 1 {
						s = steps - 1 - i
					}
					xw, rh := make([]float64, g), make([]float64, g)
					for j := range g {
						xw[j], rh[j] = B[j], B[g+j]
						for f := range in {
							xw[j] += W[j*in+f] * seq[n][s][f]
						}
						for f := range h {
							rh[j] += R[j*h+f] * hs[f]
						}
					}
					nh := make([]float64, h)
					for u := range h {
						switch gates {
						case 4: // i, o, f, c
							ig, og := sig(xw[u]+rh[u]), sig(xw[h+u]+rh[h+u])
							fg, cand := sig(xw[2*h+u]+rh[2*h+u]), math.Tanh(xw[3*h+u]+rh[3*h+u])
							cs[u] = fg*cs[u] + ig*cand
							nh[u] = og * math.Tanh(cs[u])
						case 3: // z, r, h
							z, rg := sig(xw[u]+rh[u]), sig(xw[h+u]+rh[h+u])
							pre := xw[2*h+u] + rg*rh[2*h+u]
							if resetBefore { // Rh·(r⊙H): every unit's reset gate
								pre = xw[2*h+u] + B[g+2*h+u]
								for f := range h {
									pre += R[(2*h+u)*h+f] * sig(xw[h+f]+rh[h+f]) * hs[f]
								}
							}
							cand := math.Tanh(pre)
							nh[u] = (1-z)*cand + z*hs[u]
						default:
							nh[u] = math.Tanh(xw[u] + rh[u])
						}
					}
					hs = nh
					copy(next[n][s][dir*h:], hs)
				}
				out[n] = append(out[n], hs...)
			}
		}
		seq = next
	}
	if !c.seq {
		return out
	}
	for n := range batch {
		out[n] = out[n][:0]
		for s := range steps {
			out[n] = append(out[n], seq[n][s]...)
		}
	}
	return out
}

// Both layouts compute what the loop reference computes, in the Train
// graph (unrolled) and the Eval graph (the ONNX node, in both export
// layouts) on the reference kernels, for every cell and option
// combination; a Def that is batch first but feeds the layers the
// transposed sequence would fail it.
func TestRecurrentMatchesLoopReference(t *testing.T) {
	const steps, features, hidden, batch = 4, 3, 3, 2
	for kind, k := range rnnKinds {
		for ci, c := range rnnCases() {
			name := fmt.Sprintf("%s/%s", k.name, c)
			m := rnnModel(t, kind, c, ir.Float64, steps, features, hidden)
			r := rand.New(rand.NewPCG(uint64(kind), uint64(ci)))
			x := randomInput(m, batch, r)
			xs := make([][][]float64, batch)
			for n := range xs {
				xs[n] = make([][]float64, steps)
				for s := range steps {
					xs[n][s] = x.Float64s()[(n*steps+s)*features : (n*steps+s+1)*features]
				}
			}
			want := rnnRef(t, m, strings.ToLower(k.op)+"_1", kind, c, hidden, xs)
			for _, mode := range []Mode{Train, Eval} {
				g, err := m.Graph(mode, 0)
				if err != nil {
					t.Fatal(err)
				}
				got := run(t, g, runtime.Options{Reference: true}, map[string]ir.Data{InputName: x})[0]
				worst := 0.0
				for n := range batch {
					for j, v := range want[n] {
						worst = max(worst, math.Abs(got.Float64At(n*len(want[n])+j)-v))
					}
				}
				if got.Len() != batch*len(want[0]) || worst > 1e-12 {
					t.Errorf("%s %s graph: shape %v, differs from the loop reference by %g", name, mode, got.Shape, worst)
				}
			}
		}
	}
}

// A sequence-first layer's values are [steps, batch, ...] in the graph:
// its sequences keep that layout (the final state is batch first), and
// the layer exported with layout 0 reads ToSequenceFirst's Transpose
// directly.
func TestRecurrentSequenceFirstLayout(t *testing.T) {
	const steps, features = 5, 3
	var seqType, lastType ir.Shape
	var seqShape []int
	d := New("sf", []int{steps, features}, func(x *Value) *Value {
		s := ToSequenceFirst().Apply(x)
		y := LSTM(4, SequenceFirst(), ReturnSequences(), Bidirectional()).Apply(s)
		seqType, seqShape = y.IR().Type.Shape, y.Shape()
		z := GRU(2, SequenceFirst()).Apply(y)
		lastType = z.IR().Type.Shape
		return z
	})
	m := mustBuild(t, d, 1)
	if fmt.Sprint(seqType) != fmt.Sprint(ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Static(steps), ir.Symbolic(BatchDim), ir.Static(8)}}) {
		t.Errorf("sequence-first LSTM sequences have type %s, want [5, batch, 8]", seqType)
	}
	if fmt.Sprint(seqShape) != "[5 8]" {
		t.Errorf("Shape() %v, want the dims besides the batch [5 8]", seqShape)
	}
	if lastType.Rank() != 2 || lastType.Dims[0].Sym != BatchDim || lastType.Dims[1].Size != 2 {
		t.Errorf("final state has type %s, want [batch, 2]", lastType)
	}
	// The summary puts N where the batch dim is.
	for _, want := range []string{"[5 N 8]", "[N 2]"} {
		if !strings.Contains(m.Summary(), want) {
			t.Errorf("summary lacks %s:\n%s", want, m.Summary())
		}
	}
	g, err := m.Graph(Eval, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Graph.Nodes {
		if n.Op != "LSTM" {
			continue
		}
		if a := n.Attrs["layout"]; a != nil && a.I != 0 {
			t.Errorf("LSTM exported with layout %d", a.I)
		}
		if p := n.Inputs[0].Producer; p == nil || p.Op != "Transpose" || n.Inputs[0].Name != "to_seq_first_1" {
			t.Errorf("LSTM reads %s, want ToSequenceFirst's output", n.Inputs[0])
		}
	}
}

// Mixing the layouts is an error naming the layer.
func TestRecurrentSequenceFirstErrors(t *testing.T) {
	cases := []struct {
		name   string
		layers []Layer
		want   string
	}{
		{"option on batch-first input", []Layer{LSTM(2, SequenceFirst())}, "input is batch first; SequenceFirst takes"},
		{"sequence-first input without option", []Layer{ToSequenceFirst(), GRU(2)}, "give the layer the SequenceFirst option"},
		{"dense on sequence-first", []Layer{ToSequenceFirst(), Dense(3)}, "input is sequence-first"},
		{"sequence-first output", []Layer{ToSequenceFirst(), SimpleRNN(2, SequenceFirst(), ReturnSequences())}, "end with ToBatchFirst"},
		{"to batch first twice", []Layer{ToBatchFirst()}, "already batch first"},
		{"flat input", []Layer{Flatten(), ToSequenceFirst()}, ""},
	}
	for _, c := range cases {
		_, err := Sequential("bad", []int{3, 2}, c.layers...).Build(1)
		if c.want == "" { // [6] transposes to [6, batch]: allowed, but the output must be batch first
			c.want = "end with ToBatchFirst"
		}
		var le *LayerError
		if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want a LayerError containing %q", c.name, err, c.want)
		}
	}
	add := New("add", []int{3, 2}, func(x *Value) *Value {
		s := ToSequenceFirst().Apply(x)
		return Add(s, s)
	})
	if _, err := add.Build(1); err == nil || !strings.Contains(err.Error(), "input is sequence-first") {
		t.Errorf("Add of sequence-first values: error %v", err)
	}
}
