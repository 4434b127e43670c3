package dsl

import (
	"github.com/dlc-go/dlc/ir"
)

// The Train graph of a recurrent layer: the cell unrolled over the steps
// in ops that have gradient rules (Gemm, Add, Sub, Mul, Sigmoid, Tanh,
// Split, Concat, Reshape), computing what the ONNX node of the Eval graph
// computes (formulas of the ONNX LSTM, GRU and RNN operators, default
// activations, zero initial states).
//
// Per stacked layer and direction, the input projection of every step is
// one Gemm over [batch·steps, in], split into steps; each step then adds
// the recurrent product h·Rᵀ as the C operand of a Gemm. The zero initial
// state is not materialized: the first step leaves out the terms it would
// zero, so the graph needs no batch-sized constant.

// dirParams are one direction's parameters, cut from the layer's tensors.
type dirParams struct {
	w, r *ir.Value // [g·H, in], [g·H, H]
	// bx is the bias added to the input projection (nil without bias).
	bx *ir.Value
	// GRU only: R cut into its z,r rows and its h rows, and (with
	// linear_before_reset) Rbh, which stays inside the reset product.
	rzr, rh, rbh *ir.Value
}

// unroll emits the Train graph of the layer on x ([batch, steps, in], or
// [steps, batch, in] sequence first).
func (p *rnnPlan) unroll(e *rnnEmitter, x *ir.Value) *ir.Value {
	t, d, h := p.steps, p.dirs, p.hidden
	seq := x
	for k, lt := range p.layers {
		hs := make([][]*ir.Value, d) // [direction][position]
		for dir, dp := range p.cutDirs(e, lt) {
			hs[dir] = p.direction(e, seq, lt, dp, dir == 1)
		}
		if k == len(p.layers)-1 && !p.c.returnSeq {
			last := []*ir.Value{hs[0][t-1]}
			if d == 2 {
				last = append(last, hs[1][0])
			}
			return e.concat(1, []int{-1, d * h}, last...)
		}
		seq = p.sequence(e, hs)
	}
	return seq
}

// sequence joins the states hs[direction][position], each [batch,
// hidden], into the layer's output sequence, [batch, steps, dirs·hidden]
// or sequence first [steps, batch, dirs·hidden].
func (p *rnnPlan) sequence(e *rnnEmitter, hs [][]*ir.Value) *ir.Value {
	t, d, h := p.steps, p.dirs, p.hidden
	if p.c.seqFirst {
		steps := make([]*ir.Value, t)
		for pos := range t {
			var at []*ir.Value
			for dir := range d {
				at = append(at, hs[dir][pos])
			}
			steps[pos] = e.concat(1, []int{-1, d * h}, at...)
		}
		all := e.concat(0, []int{-t, d * h}, steps...)
		return e.reshape(all, []int64{int64(t), -1, int64(d * h)}, []int{t, -1, d * h})
	}
	flat := make([]*ir.Value, 0, t*d)
	for pos := range t {
		for dir := range d {
			flat = append(flat, hs[dir][pos])
		}
	}
	all := e.concat(1, []int{-1, t * d * h}, flat...)
	return e.reshape(all, []int64{-1, int64(t), int64(d * h)}, []int{-1, t, d * h})
}

// cutDirs slices each direction's parameters out of a stacked layer's
// [dirs, ...] tensors.
func (p *rnnPlan) cutDirs(e *rnnEmitter, lt rnnTensors) []dirParams {
	g, h := p.gh(), p.hidden
	pick := func(v *ir.Value, inner ...int) []*ir.Value {
		parts := e.split(v, append([]int{p.dirs}, inner...), 0, repeat(1, p.dirs)...)
		target := make([]int64, len(inner))
		for i, n := range inner {
			target[i] = int64(n)
		}
		for i := range parts {
			parts[i] = e.reshape(parts[i], target, inner)
		}
		return parts
	}
	ws, rs := pick(lt.w, g, lt.in), pick(lt.r, g, h)
	var bs []*ir.Value
	if lt.b != nil {
		bs = pick(lt.b, 2*g)
	}
	dps := make([]dirParams, p.dirs)
	for dir := range dps {
		dp := &dps[dir]
		dp.w, dp.r = ws[dir], rs[dir]
		if p.cell == gruCell {
			rr := e.split(dp.r, []int{g, h}, 0, 2*h, h)
			dp.rzr, dp.rh = rr[0], rr[1]
		}
		if bs == nil {
			continue
		}
		bb := e.split(bs[dir], []int{2 * g}, 0, g, g)
		wb, rb := bb[0], bb[1]
		if p.cell == gruCell && !p.c.resetBefore {
			// Only Rbz and Rbr join the input projection's bias; Rbh
			// stays inside the reset product.
			wp, rp := e.split(wb, []int{g}, 0, 2*h, h), e.split(rb, []int{g}, 0, 2*h, h)
			zr := e.op("Add", nil, []int{2 * h}, wp[0], rp[0])
			dp.bx, dp.rbh = e.concat(0, []int{g}, zr, wp[1]), rp[1]
			continue
		}
		dp.bx = e.op("Add", nil, []int{g}, wb, rb)
	}
	return dps
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// direction runs one direction over seq ([batch, steps, in], or [steps,
// batch, in] sequence first) and returns
// the hidden state at every position (for reverse, the state after
// reading positions steps-1 down to that one).
func (p *rnnPlan) direction(e *rnnEmitter, seq *ir.Value, lt rnnTensors, dp dirParams, reverse bool) []*ir.Value {
	t, g := p.steps, p.gh()
	x2 := e.reshape(seq, []int64{-1, int64(lt.in)}, []int{-t, lt.in})
	xw := e.gemm(x2, dp.w, dp.bx, []int{-t, g})
	var xs []*ir.Value
	if p.c.seqFirst {
		// Row s of [steps, batch·g] holds step s of every batch entry.
		xw = e.reshape(xw, []int64{int64(t), -1}, []int{t, -g})
		xs = e.split(xw, []int{t, -g}, 0, repeat(1, t)...)
		for i := range xs {
			xs[i] = e.reshape(xs[i], []int64{-1, int64(g)}, []int{-1, g})
		}
	} else {
		// Row n of [batch, steps·g] holds the steps of batch entry n in order.
		xw = e.reshape(xw, []int64{-1, int64(t * g)}, []int{-1, t * g})
		xs = e.split(xw, []int{-1, t * g}, 1, repeat(g, t)...)
	}
	hs := make([]*ir.Value, t)
	var h, c *ir.Value // nil: the zero initial state
	for i := range t {
		pos := i
		if reverse {
			pos = t - 1 - i
		}
		switch p.cell {
		case lstmCell:
			h, c = p.lstmStep(e, xs[pos], h, c, dp)
		case gruCell:
			h = p.gruStep(e, xs[pos], h, dp)
		default:
			h = p.rnnStep(e, xs[pos], h, dp)
		}
		hs[pos] = h
	}
	return hs
}

// recur is xt + h·Rᵀ, or xt alone for the zero state.
func (p *rnnPlan) recur(e *rnnEmitter, xt, h, r *ir.Value, rows int) *ir.Value {
	if h == nil {
		return xt
	}
	return e.gemm(h, r, xt, []int{-1, rows})
}

// lstmStep is one LSTM step (gates i, o, f, c): C' = f⊙C + i⊙c̃,
// H' = o⊙tanh(C').
func (p *rnnPlan) lstmStep(e *rnnEmitter, xt, h, c *ir.Value, dp dirParams) (*ir.Value, *ir.Value) {
	hd := p.hidden
	vec := []int{-1, hd}
	gates := p.recur(e, xt, h, dp.r, 4*hd)
	parts := e.split(gates, []int{-1, 4 * hd}, 1, 3*hd, hd)
	sig := e.op("Sigmoid", nil, []int{-1, 3 * hd}, parts[0])
	cand := e.op("Tanh", nil, vec, parts[1])
	iof := e.split(sig, []int{-1, 3 * hd}, 1, hd, hd, hd)
	cn := e.op("Mul", nil, vec, iof[0], cand)
	if c != nil {
		cn = e.op("Add", nil, vec, e.op("Mul", nil, vec, iof[2], c), cn)
	}
	hn := e.op("Mul", nil, vec, iof[1], e.op("Tanh", nil, vec, cn))
	return hn, cn
}

// gruStep is one GRU step (gates z, r, h): H' = (1-z)⊙h̃ + z⊙H, written
// h̃ + z⊙(H - h̃).
func (p *rnnPlan) gruStep(e *rnnEmitter, xt, h *ir.Value, dp dirParams) *ir.Value {
	hd := p.hidden
	vec := []int{-1, hd}
	xp := e.split(xt, []int{-1, 3 * hd}, 1, 2*hd, hd)
	zr := e.op("Sigmoid", nil, []int{-1, 2 * hd}, p.recur(e, xp[0], h, dp.rzr, 2*hd))
	zrs := e.split(zr, []int{-1, 2 * hd}, 1, hd, hd)
	z, r := zrs[0], zrs[1]
	pre := xp[1]
	switch {
	case p.c.resetBefore && h != nil:
		pre = e.gemm(e.op("Mul", nil, vec, r, h), dp.rh, pre, vec)
	case !p.c.resetBefore && (h != nil || dp.rbh != nil):
		var hh *ir.Value
		if h == nil {
			hh = dp.rbh
		} else {
			hh = e.gemm(h, dp.rh, dp.rbh, vec)
		}
		pre = e.op("Add", nil, vec, pre, e.op("Mul", nil, vec, r, hh))
	}
	n := e.op("Tanh", nil, vec, pre)
	if h == nil {
		return e.op("Sub", nil, vec, n, e.op("Mul", nil, vec, z, n))
	}
	return e.op("Add", nil, vec, n, e.op("Mul", nil, vec, z, e.op("Sub", nil, vec, h, n)))
}

// rnnStep is one Elman step: H' = tanh(x·Wᵀ + Wb + H·Rᵀ + Rb).
func (p *rnnPlan) rnnStep(e *rnnEmitter, xt, h *ir.Value, dp dirParams) *ir.Value {
	return e.op("Tanh", nil, []int{-1, p.hidden}, p.recur(e, xt, h, dp.r, p.hidden))
}
