package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// ONNX LSTM on float32, layout 0, default activations (sigmoid, tanh,
// tanh), no clip, no input_forget; peepholes allowed. sequence_lens must be
// absent or a constant equal to the sequence length everywhere (ragged
// batches go to the reference kernel).
//
// Per direction, the input projection of every step is one GEMM,
// XW = X·Wᵀ + Wb + Rb (recurBase, columns in the part layout of
// recur.go); then each step adds H·Rᵀ into its row of XW
// (recurW.mulAdd) and applies the gates in place, i, o, f = σ(·),
// c̃ = tanh(·) (order i, o, f, c as ONNX), C = f⊙C + i⊙c̃, H = o⊙tanh(C),
// each part of the hidden units on its own thread.

func init() {
	Register("LSTM", buildLSTM)
}

type lstmKernel struct {
	recurBase
	hasC0, hasP bool
	c, tmp      []float32 // [batch, H]
	p           []float32 // the direction's peepholes (i, o, f) or nil, during Run
}

func buildLSTM(n *ir.Node, env *Env) Kernel {
	if n.Int("input_forget") != 0 || !defaultActs(n.Strings("activations"), "sigmoid", "tanh", "tanh") {
		return nil
	}
	k := &lstmKernel{}
	shapes, ok := k.initBase(n, env, []int{4}, 1, k.stepPart)
	if !ok {
		return nil
	}
	hs := k.hidden
	k.hasC0, k.hasP = n.In(6) != nil, n.In(7) != nil
	if (k.hasC0 && !slices.Equal(shapes[6], []int{k.dirs, k.batch, hs})) ||
		(k.hasP && !slices.Equal(shapes[7], []int{k.dirs, 3 * hs})) {
		return nil
	}
	k.initBias(n)
	k.c, k.tmp = make([]float32, k.batch*hs), make([]float32, k.batch*hs)
	return k
}

// Run computes Y, Y_h and Y_c (whichever are present).
func (k *lstmKernel) Run(in, out []*ir.Tensor) {
	k.beginRun(in, out)
	bh := k.batch * k.hidden
	for d := 0; d < k.dirs; d++ {
		if k.hasC0 {
			copy(k.c, f32(in[6])[d*bh:(d+1)*bh])
		} else {
			clear(k.c)
		}
		if k.hasP {
			k.p = f32(in[7])[d*3*k.hidden : (d+1)*3*k.hidden]
		}
		k.runDir(in, out, d)
		if len(out) > 2 && out[2] != nil {
			copy(f32(out[2])[d*bh:(d+1)*bh], k.c)
		}
	}
	k.p, k.y = nil, nil
}

// stepPart advances part i's units of every batch row by step s: it adds
// H·Rᵀ to the part's gate columns of the step's XW rows, then updates C
// and writes the new H (and its slice of Y). H is double-buffered: the
// other parts may still be reading the old one.
func (k *lstmKernel) stepPart(i, s int) {
	pt, hs := k.parts[i], k.hidden
	t, g, h, hNext := k.stepRows(s)
	k.r[k.d][i][0].mulAdd(k.batch, h, hs, g[pt.off:], k.cols, s%2 == 1)
	u := pt.hi - pt.lo
	for b := 0; b < k.batch; b++ {
		gb := g[b*k.cols+pt.off : b*k.cols+pt.off+4*u]
		lo, hi := b*hs+pt.lo, b*hs+pt.hi
		var pi, po, pf []float32
		if k.p != nil {
			pi, po, pf = k.p[pt.lo:pt.hi], k.p[hs+pt.lo:hs+pt.hi], k.p[2*hs+pt.lo:2*hs+pt.hi]
		}
		lstmCell(gb, k.c[lo:hi], hNext[lo:hi], k.tmp[lo:hi], pi, po, pf)
		k.storeY(t, b, pt.lo, pt.hi, hNext)
	}
}

// lstmCell applies the gates to one row of u units: g holds the
// pre-activations [i | o | f | c̃] (4u, overwritten), c the cell state
// (updated in place), h receives the new hidden state; tmp is scratch.
// pi, po, pf are the peepholes or nil.
func lstmCell(g, c, h, tmp, pi, po, pf []float32) {
	u := len(c)
	gi, gout, gf, gc := g[:u], g[u:2*u], g[2*u:3*u], g[3*u:4*u]
	if pi != nil {
		for j, cv := range c {
			gi[j] += pi[j] * cv
			gf[j] += pf[j] * cv
		}
		vec.Sigmoid(gi, gi)
		vec.Sigmoid(gf, gf)
	} else {
		vec.Sigmoid(g[:3*u], g[:3*u])
	}
	vec.Tanh(gc, gc)
	vec.Mul(c, c, gf)
	vec.Mul(gc, gc, gi)
	vec.Add(c, c, gc)
	if po != nil {
		for j, cv := range c {
			gout[j] += po[j] * cv
		}
		vec.Sigmoid(gout, gout)
	}
	vec.Tanh(tmp, c)
	vec.Mul(h, gout, tmp)
}
