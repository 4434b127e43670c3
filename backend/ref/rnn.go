package ref

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// RNN, GRU and LSTM. The formulas are ONNX's (gate orders: GRU z, r, h;
// LSTM i, o, f, c; peepholes i, o, f):
//
//	RNN:  H = f(Xt·Wiᵀ + H·Riᵀ + Wbi + Rbi)
//	GRU:  z = f(Xt·Wzᵀ + H·Rzᵀ + Wbz + Rbz), r likewise,
//	      h = g(Xt·Whᵀ + (r⊙H)·Rhᵀ + Rbh + Wbh)       (linear_before_reset=0)
//	      h = g(Xt·Whᵀ + r⊙(H·Rhᵀ + Rbh) + Wbh)       (linear_before_reset=1)
//	      H = (1-z)⊙h + z⊙H
//	LSTM: i = f(Xt·Wiᵀ + H·Riᵀ + Pi⊙C + Wbi + Rbi), f likewise with Pf
//	      (f = 1-i when input_forget=1), c = g(Xt·Wcᵀ + H·Rcᵀ + Wbc + Rbc),
//	      C = f⊙C + i⊙c, o = f(Xt·Woᵀ + H·Roᵀ + Po⊙C + Wbo + Rbo), H = o⊙h(C)
//
// A batch entry with sequence_lens = L runs L steps (the reverse direction
// starts at step L-1); Y is zero past L and Y_h, Y_c hold the state after
// the last step run. Values are computed in float64.

// rnnKind describes one of the three ops.
type rnnKind struct {
	gates   int      // weight blocks per direction
	actDefs []string // default activations of one direction
	states  int      // 1 (H) or 2 (H and C)
}

var rnnKinds = map[string]rnnKind{
	"RNN":  {1, []string{"Tanh"}, 1},
	"GRU":  {3, []string{"Sigmoid", "Tanh"}, 1},
	"LSTM": {4, []string{"Sigmoid", "Tanh", "Tanh"}, 2},
}

func init() {
	for op := range rnnKinds {
		Register(op, func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
			return rnnKernel(op, n, in)
		})
	}
}

// rnnDir holds one direction's parameters as float64, row-major.
type rnnDir struct {
	w, r   []float64 // [gates*hidden][input], [gates*hidden][hidden]
	wb, rb []float64 // [gates*hidden]
	p      []float64 // LSTM peepholes [3*hidden]
	acts   []rnnActivation
}

// rnnRun is the state of one kernel call.
type rnnRun struct {
	kind                            rnnKind
	seq, batch, input, hidden, dirs int
	layout                          bool
	x                               *ir.Tensor
	linearBeforeReset, inputForget  bool
}

// xAt returns element i of the input at step t, batch entry b.
func (r *rnnRun) xAt(t, b, i int) float64 {
	if r.layout {
		return r.x.Float64At((b*r.seq+t)*r.input + i)
	}
	return r.x.Float64At((t*r.batch+b)*r.input + i)
}

// stateIndex is the flat index of (dir, b, j) in Y_h/Y_c/initial_h/initial_c.
func (r *rnnRun) stateIndex(d, b, j int) int {
	if r.layout {
		return (b*r.dirs+d)*r.hidden + j
	}
	return (d*r.batch+b)*r.hidden + j
}

// yIndex is the flat index of (t, dir, b, j) in Y.
func (r *rnnRun) yIndex(t, d, b, j int) int {
	if r.layout {
		return ((b*r.seq+t)*r.dirs+d)*r.hidden + j
	}
	return ((t*r.dirs+d)*r.batch+b)*r.hidden + j
}

func rnnKernel(op string, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	kind := rnnKinds[op]
	x, w, rt := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	if x.Rank() != 3 || w.Rank() != 3 || rt.Rank() != 3 {
		return nil, fmt.Errorf("X, W and R must have rank 3, got %v, %v, %v", x.Shape, w.Shape, rt.Shape)
	}
	r := &rnnRun{kind: kind, x: x, layout: n.Int("layout") != 0}
	switch op {
	case "GRU":
		r.linearBeforeReset = n.Int("linear_before_reset") != 0
	case "LSTM":
		r.inputForget = n.Int("input_forget") != 0
	}
	r.seq, r.batch, r.input = x.Shape[0], x.Shape[1], x.Shape[2]
	if r.layout {
		r.seq, r.batch = r.batch, r.seq
	}
	r.dirs, r.hidden = w.Shape[0], rt.Shape[2]
	if n.Has("hidden_size") && int(n.Int("hidden_size")) != r.hidden {
		return nil, fmt.Errorf("hidden_size %d does not match R's shape %v", n.Int("hidden_size"), rt.Shape)
	}
	direction := n.Str("direction")
	switch {
	case direction == "bidirectional" && r.dirs == 2, direction != "bidirectional" && r.dirs == 1:
	case direction != "forward" && direction != "reverse" && direction != "bidirectional":
		return nil, fmt.Errorf("unknown direction %q", direction)
	default:
		return nil, fmt.Errorf("direction %q does not match W's %d directions", direction, r.dirs)
	}
	gh := kind.gates * r.hidden
	if !slices.Equal(w.Shape, []int{r.dirs, gh, r.input}) || !slices.Equal(rt.Shape, []int{r.dirs, gh, r.hidden}) {
		return nil, fmt.Errorf("W %v and R %v do not fit %d directions, %d gates of hidden size %d and input size %d",
			w.Shape, rt.Shape, r.dirs, kind.gates, r.hidden, r.input)
	}
	acts, err := rnnActivations(n.Strings("activations"), kind.actDefs, r.dirs,
		n.Floats("activation_alpha"), n.Floats("activation_beta"), float64(n.Float("clip")))
	if err != nil {
		return nil, err
	}
	b, lens := Tensor(in, 3), Tensor(in, 4)
	if b != nil && !slices.Equal(b.Shape, []int{r.dirs, 2 * gh}) {
		return nil, fmt.Errorf("B has shape %v, want [%d %d]", b.Shape, r.dirs, 2*gh)
	}
	seqLens := make([]int, r.batch)
	for i := range seqLens {
		seqLens[i] = r.seq
		if lens != nil {
			if lens.Len() != r.batch {
				return nil, fmt.Errorf("sequence_lens has %d entries for a batch of %d", lens.Len(), r.batch)
			}
			seqLens[i] = int(lens.Int64At(i))
			if seqLens[i] < 0 || seqLens[i] > r.seq {
				return nil, fmt.Errorf("sequence_lens[%d] = %d is outside [0, %d]", i, seqLens[i], r.seq)
			}
		}
	}
	stateShape := []int{r.dirs, r.batch, r.hidden}
	if r.layout {
		stateShape = []int{r.batch, r.dirs, r.hidden}
	}
	// Initial states (H, then C for LSTM), zero when absent.
	initState := make([][]float64, kind.states)
	for s := range initState {
		t := Tensor(in, 5+s)
		if t == nil {
			initState[s] = make([]float64, r.dirs*r.batch*r.hidden)
			continue
		}
		if !slices.Equal(t.Shape, stateShape) {
			return nil, fmt.Errorf("initial state %d has shape %v, want %v", s, t.Shape, stateShape)
		}
		initState[s] = t.Float64s()
	}
	var p *ir.Tensor
	if kind.states == 2 {
		if p = Tensor(in, 7); p != nil && !slices.Equal(p.Shape, []int{r.dirs, 3 * r.hidden}) {
			return nil, fmt.Errorf("P has shape %v, want [%d %d]", p.Shape, r.dirs, 3*r.hidden)
		}
	}
	ys := make([]float64, r.seq*r.dirs*r.batch*r.hidden)
	final := make([][]float64, kind.states)
	for s := range final {
		final[s] = make([]float64, len(initState[s]))
	}
	for d := 0; d < r.dirs; d++ {
		dir := rnnDir{acts: acts[d], wb: make([]float64, gh), rb: make([]float64, gh)}
		dir.w = sliceF64(w, d*gh*r.input, gh*r.input)
		dir.r = sliceF64(rt, d*gh*r.hidden, gh*r.hidden)
		if b != nil {
			dir.wb = sliceF64(b, d*2*gh, gh)
			dir.rb = sliceF64(b, d*2*gh+gh, gh)
		}
		dir.p = make([]float64, 3*r.hidden)
		if p != nil {
			dir.p = sliceF64(p, d*3*r.hidden, 3*r.hidden)
		}
		reverse := direction == "reverse" || d == 1
		for bi := 0; bi < r.batch; bi++ {
			state := make([][]float64, kind.states)
			for s := range state {
				state[s] = make([]float64, r.hidden)
				for j := range state[s] {
					state[s][j] = initState[s][r.stateIndex(d, bi, j)]
				}
			}
			for step := 0; step < seqLens[bi]; step++ {
				t := step
				if reverse {
					t = seqLens[bi] - 1 - step
				}
				r.step(op, &dir, t, bi, state)
				for j, v := range state[0] {
					ys[r.yIndex(t, d, bi, j)] = v
				}
			}
			for s := range state {
				for j, v := range state[s] {
					final[s][r.stateIndex(d, bi, j)] = v
				}
			}
		}
	}
	outs := make([]ir.Data, len(n.Outputs))
	yShape := []int{r.seq, r.dirs, r.batch, r.hidden}
	if r.layout {
		yShape = []int{r.batch, r.seq, r.dirs, r.hidden}
	}
	for o := range outs {
		if n.Out(o) == nil {
			continue
		}
		if o == 0 {
			outs[o] = FromFloat64s(x.DType, yShape, ys)
		} else {
			outs[o] = FromFloat64s(x.DType, stateShape, final[o-1])
		}
	}
	return outs, nil
}

// sliceF64 reads n elements of t from offset off as float64.
func sliceF64(t *ir.Tensor, off, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = t.Float64At(off + i)
	}
	return out
}
