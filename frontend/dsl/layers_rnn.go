package dsl

import (
	"strconv"

	"github.com/dlc-go/dlc/ir"
)

// Recurrent layers: LSTM, GRU and SimpleRNN.
//
// The parameters are the ONNX operator's inputs, per stacked layer k:
// W_lk [dirs, gates·hidden, in], R_lk [dirs, gates·hidden, hidden] and
// B_lk [dirs, 2·gates·hidden] (the input biases Wb, then the recurrence
// biases Rb), gates in ONNX order (LSTM i, o, f, c; GRU z, r, h). They are
// drawn from U(±1/√hidden), as torch.nn.LSTM/GRU/RNN do.
//
// The two graphs compute the same function in different forms. The Eval
// graph is the ONNX LSTM/GRU/RNN node itself, so the export is the
// standard op. The Train graph unrolls the cell over the (static) steps
// into MatMul-like, elementwise and slicing ops that all have gradient
// rules, reading the same parameters, so autodiff needs no rule for the
// recurrent ops (layers_rnn_unroll.go). The unrolled graph grows linearly
// with the step count, which must therefore be static.

// cellKind describes one kind of recurrent cell.
type cellKind struct {
	kind  string // layer kind and name prefix
	op    string // ONNX op
	gates int
}

var (
	lstmCell = cellKind{"lstm", "LSTM", 4}
	gruCell  = cellKind{"gru", "GRU", 3}
	rnnCell  = cellKind{"rnn", "RNN", 1}
)

// LSTM is a long short-term memory layer, torch.nn.LSTM with
// batch_first=True: input [batch, steps, features]; output the final
// hidden state [batch, dirs·hidden], or with ReturnSequences every step's
// [batch, steps, dirs·hidden]. With SequenceFirst it is batch_first=False:
// input [steps, batch, features], sequences [steps, batch, dirs·hidden].
// Initial states are zero; activations are the defaults (sigmoid, tanh,
// tanh). It exports as one ONNX LSTM node per stacked layer. Options:
// Bidirectional, NumLayers, ReturnSequences, SequenceFirst, ExportLayout,
// WeightInit, BiasInit (both default U(±1/√hidden)), NoBias, Name.
func LSTM(hidden int, opts ...Option) Layer { return recurrent(lstmCell, hidden, rnnOpts, opts) }

// GRU is a gated recurrent unit layer, torch.nn.GRU with batch_first=True
// (ONNX GRU with linear_before_reset=1 unless LinearBeforeReset(false)).
// Shapes and options as LSTM, plus LinearBeforeReset.
func GRU(hidden int, opts ...Option) Layer {
	return recurrent(gruCell, hidden, append([]string{"linear_before_reset"}, rnnOpts...), opts)
}

// SimpleRNN is the Elman recurrence h_t = tanh(x_t·Wᵀ + Wb + h_{t-1}·Rᵀ +
// Rb), torch.nn.RNN with batch_first=True, exported as ONNX RNN. Shapes
// and options as LSTM.
func SimpleRNN(hidden int, opts ...Option) Layer { return recurrent(rnnCell, hidden, rnnOpts, opts) }

// rnnTensors are one stacked layer's parameters (b nil without bias) and
// its input feature count.
type rnnTensors struct {
	w, r, b *ir.Value
	in      int
}

// rnnPlan is a recurrent layer checked against its input.
type rnnPlan struct {
	cell                cellKind
	c                   rnnConfig
	hidden, steps, dirs int
	layers              []rnnTensors
}

// gh is the row count of one direction's W and R.
func (p *rnnPlan) gh() int { return p.cell.gates * p.hidden }

// outShape is the layer's output after the batch dim.
func (p *rnnPlan) outShape() []int {
	if p.c.returnSeq {
		return []int{p.steps, p.dirs * p.hidden}
	}
	return []int{p.dirs * p.hidden}
}

func recurrent(cell cellKind, hidden int, allowed []string, opts []Option) Layer {
	return newLayer(cell.kind, allowed, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		p := planRNN(b, name, cell, hidden, c, x)
		e := newRNNEmitter(b, name)
		var y *ir.Value
		if b.mode == Train {
			y = p.unroll(e, x.v)
		} else {
			y = p.node(e, x.v)
		}
		// The last node's output takes the layer's name, as other layers'.
		// Sequences keep the input's layout; the final state is batch first.
		seqOut := p.c.returnSeq && p.c.seqFirst
		y.Name = b.fresh(name)
		y.Type = seqType(b, p.outShape(), seqOut)
		return &Value{b: b, v: y, shape: p.outShape(), seqFirst: seqOut}
	})
}

// planRNN checks the settings and the input [steps, features] and creates
// the parameters.
func planRNN(b *Builder, name string, cell cellKind, hidden int, c *config, x *Value) *rnnPlan {
	if hidden < 1 {
		fail(name, "hidden size must be positive, got %d", hidden)
	}
	if len(x.shape) != 2 {
		fail(name, "input has shape %v after the batch dim; %s needs [steps, features]", x.shape, cell.op)
	}
	switch {
	case c.rnn.seqFirst && !x.seqFirst:
		fail(name, "input is batch first; SequenceFirst takes [steps, batch, features] (apply ToSequenceFirst first)")
	case !c.rnn.seqFirst && x.seqFirst:
		fail(name, "input is sequence-first [steps, batch, features]; give the layer the SequenceFirst option or apply ToBatchFirst first")
	}
	p := &rnnPlan{cell: cell, c: c.rnn, hidden: hidden, steps: x.shape[0], dirs: 1}
	if !c.set["layers"] {
		p.c.layers = 1
	}
	if p.c.layers < 1 {
		fail(name, "layers must be positive, got %d", p.c.layers)
	}
	if p.c.layout != 0 && p.c.layout != 1 {
		fail(name, "export layout must be 0 or 1, got %d", p.c.layout)
	}
	if p.c.bidirectional {
		p.dirs = 2
	}
	in := x.shape[1]
	for k := range p.c.layers {
		sfx := func(s string) string { return s + "_l" + strconv.Itoa(k) }
		lt := rnnTensors{in: in,
			w: b.param(name, sfx("W"), []int{p.dirs, p.gh(), in}, c.weightInit, hidden, p.gh()),
			r: b.param(name, sfx("R"), []int{p.dirs, p.gh(), hidden}, c.weightInit, hidden, p.gh()),
		}
		if !c.noBias {
			lt.b = b.param(name, sfx("B"), []int{p.dirs, 2 * p.gh()}, c.biasInit, hidden, p.gh())
		}
		p.layers = append(p.layers, lt)
		in = p.dirs * hidden
	}
	return p
}

// onnxAttrs are the attributes of stacked layer's ONNX node.
func (p *rnnPlan) onnxAttrs() map[string]*ir.Attr {
	a := map[string]*ir.Attr{"hidden_size": ir.IntAttr(int64(p.hidden)), "direction": ir.StringAttr("forward")}
	if p.dirs == 2 {
		a["direction"] = ir.StringAttr("bidirectional")
	}
	if p.c.layout == 1 {
		a["layout"] = ir.IntAttr(1)
	}
	if p.cell == gruCell {
		lbr := int64(1)
		if p.c.resetBefore {
			lbr = 0
		}
		a["linear_before_reset"] = ir.IntAttr(lbr)
	}
	return a
}

// node emits the Eval graph: per stacked layer one ONNX node, with the
// Transposes and Reshapes that turn the layer's input into the node's
// layout and its [.., dirs, .., hidden] outputs back. A sequence-first
// layer exported with layout 0 needs no Transpose on its input.
func (p *rnnPlan) node(e *rnnEmitter, x *ir.Value) *ir.Value {
	t, d, h := p.steps, p.dirs, p.hidden
	nodeSF := p.c.layout == 0 // the node reads [steps, batch, features]
	seq := x
	if nodeSF != p.c.seqFirst {
		seq = e.transpose(x, []int64{1, 0, 2}, seqDims([]int{t, p.layers[0].in}, nodeSF))
	}
	for k, lt := range p.layers {
		last := k == len(p.layers)-1
		ins := []*ir.Value{seq, lt.w, lt.r}
		if lt.b != nil {
			ins = append(ins, lt.b)
		}
		yShape, hShape := []int{t, d, -1, h}, []int{d, -1, h}
		if !nodeSF {
			yShape, hShape = []int{-1, t, d, h}, []int{-1, d, h}
		}
		if last && !p.c.returnSeq {
			yh := e.node(p.cell.op, p.onnxAttrs(), [][]int{nil, hShape}, ins...)[1]
			switch {
			case nodeSF && d == 1: // [1, batch, hidden]
				return e.reshape(yh, []int64{-1, int64(h)}, []int{-1, h})
			case nodeSF:
				yh = e.transpose(yh, []int64{1, 0, 2}, []int{-1, d, h})
			}
			return e.reshape(yh, []int64{0, int64(d * h)}, []int{-1, d * h})
		}
		y := e.node(p.cell.op, p.onnxAttrs(), [][]int{yShape}, ins...)[0]
		// Inner layers pass sequences on in the node's layout; the last
		// returns them in the layer's.
		want := nodeSF
		if last {
			want = p.c.seqFirst
		}
		seq = p.joinDirs(e, y, nodeSF, want)
	}
	return seq
}

// joinDirs turns a node's output Y ([steps, dirs, batch, hidden] for
// layout 0, else [batch, steps, dirs, hidden]) into sequences [..,
// dirs·hidden], sequence first or batch first.
func (p *rnnPlan) joinDirs(e *rnnEmitter, y *ir.Value, nodeSF, seqFirst bool) *ir.Value {
	t, d, h := p.steps, p.dirs, p.hidden
	dh := int64(d * h)
	switch {
	case !nodeSF:
		y = e.reshape(y, []int64{0, 0, dh}, []int{-1, t, d * h})
		if seqFirst {
			y = e.transpose(y, []int64{1, 0, 2}, []int{t, -1, d * h})
		}
		return y
	case seqFirst && d == 1:
		return e.reshape(y, []int64{int64(t), -1, dh}, []int{t, -1, h})
	case seqFirst:
		y = e.transpose(y, []int64{0, 2, 1, 3}, []int{t, -1, d, h})
		return e.reshape(y, []int64{0, 0, dh}, []int{t, -1, d * h})
	default:
		y = e.transpose(y, []int64{2, 0, 1, 3}, []int{-1, t, d, h})
		return e.reshape(y, []int64{0, 0, dh}, []int{-1, t, d * h})
	}
}
