package cpu

import (
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// ONNX GRU on float32, layout 0, default activations (sigmoid, tanh), no
// clip; sequence_lens as for LSTM. Gate order z, r, h (ONNX); the update
// H = h̃ + z⊙(H − h̃) is (1−z)⊙h̃ + z⊙H.
//
// linear_before_reset = 1 (as PyTorch exports it): XW = X·Wᵀ + bias holds
// Wb + Rb for z and r and Wbh for h (recurBase); each step computes, per
// part,
//
//	G = [XW_z, XW_r, Rbh] + H·Rᵀ
//	z, r = σ(G_z), σ(G_r);  h̃ = tanh(XW_h + r⊙G_h)
//
// linear_before_reset = 0: h's recurrent product takes r⊙H, which needs
// every part's r, so the gates form two groups (recur.go) run as two
// scheduled phases per step, XW holding Wb + Rb for all gates:
//
//	phase 0: XW_zr += H·R_zrᵀ;  z, r = σ(·);  RH = r⊙H
//	phase 1: XW_h += RH·R_hᵀ;  h̃ = tanh(XW_h)

func init() {
	Register("GRU", buildGRU)
}

type gruKernel struct {
	recurBase
	lbr      bool        // linear_before_reset
	rbh      [][]float32 // [dir][cols]: Rbh in h columns, zero elsewhere (lbr)
	g        []float32   // [batch, cols]: the step's G (lbr)
	rh       []float32   // [batch, H]: r⊙H (!lbr)
	tmp, dif []float32   // [batch, H]
}

func buildGRU(n *ir.Node, env *Env) Kernel {
	if !defaultActs(n.Strings("activations"), "sigmoid", "tanh") {
		return nil
	}
	k := &gruKernel{}
	lbr := n.Int("linear_before_reset") != 0
	ok := false
	if lbr {
		_, ok = k.initBase(n, env, []int{3}, 1, k.stepLBR)
	} else {
		_, ok = k.initBase(n, env, []int{2, 1}, 2, k.stepReset)
	}
	if !ok {
		return nil
	}
	k.lbr = lbr
	k.tmp, k.dif = make([]float32, k.batch*k.hidden), make([]float32, k.batch*k.hidden)
	if !lbr {
		k.initBias(n)
		k.rh = make([]float32, k.batch*k.hidden)
		return k
	}
	k.noRb = 2 * k.hidden
	k.initBias(n)
	k.rbh = make([][]float32, k.dirs)
	for d := range k.rbh {
		k.rbh[d] = make([]float32, k.cols)
	}
	if k.biasConst {
		k.setRbh(constF32(n, 3))
	}
	k.g = make([]float32, k.batch*k.cols)
	return k
}

// setRbh fills rbh from B (nil: zero).
func (k *gruKernel) setRbh(b []float32) {
	gh := 3 * k.hidden
	for d := range k.rbh {
		for j, r := range k.rows {
			k.rbh[d][j] = 0
			if b != nil && r >= k.noRb {
				k.rbh[d][j] = b[d*2*gh+gh+r]
			}
		}
	}
}

// Run computes Y and Y_h (whichever are present).
func (k *gruKernel) Run(in, out []*ir.Tensor) {
	k.beginRun(in, out)
	if k.lbr && !k.biasConst {
		k.setRbh(f32(in[3]))
	}
	for d := 0; d < k.dirs; d++ {
		k.runDir(in, out, d)
	}
	k.y = nil
}

// stepLBR advances part i's units of every batch row by step s
// (linear_before_reset = 1).
func (k *gruKernel) stepLBR(i, s int) {
	pt, hs := k.parts[i], k.hidden
	t, xw, h, hNext := k.stepRows(s)
	u := pt.hi - pt.lo
	for b := 0; b < k.batch; b++ {
		o := b*k.cols + pt.off
		copy(k.g[o:o+2*u], xw[o:o+2*u])
		copy(k.g[o+2*u:o+pt.n], k.rbh[k.d][pt.off+2*u:pt.off+pt.n])
	}
	k.r[k.d][i][0].mulAdd(k.batch, h, hs, k.g[pt.off:], k.cols, s%2 == 1)
	for b := 0; b < k.batch; b++ {
		o := b*k.cols + pt.off
		g := k.g[o : o+3*u]
		z, r, gh := g[:u], g[u:2*u], g[2*u:]
		vec.Sigmoid(g[:2*u], g[:2*u])
		lo, hi := b*hs+pt.lo, b*hs+pt.hi
		ht := k.tmp[lo:hi]
		vec.Mul(ht, r, gh)
		vec.Add(ht, ht, xw[o+2*u:o+3*u])
		vec.Tanh(ht, ht)
		k.update(z, ht, h, hNext, t, b, pt)
	}
}

// stepReset runs phase s%2 of step s/2 for part i's units of every
// batch row (linear_before_reset = 0).
func (k *gruKernel) stepReset(i, s2 int) {
	pt, hs, s := k.parts[i], k.hidden, s2/2
	t, xw, h, hNext := k.stepRows(s)
	u := pt.hi - pt.lo
	if s2%2 == 0 {
		k.r[k.d][i][0].mulAdd(k.batch, h, hs, xw[pt.off:], k.cols, s%2 == 1)
		for b := 0; b < k.batch; b++ {
			zr := xw[b*k.cols+pt.off : b*k.cols+pt.off+2*u]
			vec.Sigmoid(zr, zr)
			lo, hi := b*hs+pt.lo, b*hs+pt.hi
			vec.Mul(k.rh[lo:hi], zr[u:], h[lo:hi])
		}
		return
	}
	hoff, _ := pt.group(k.groups, 1)
	k.r[k.d][i][1].mulAdd(k.batch, k.rh, hs, xw[pt.off+hoff:], k.cols, s%2 == 1)
	for b := 0; b < k.batch; b++ {
		o := b*k.cols + pt.off
		ht := xw[o+hoff : o+hoff+u]
		vec.Tanh(ht, ht)
		k.update(xw[o:o+u], ht, h, hNext, t, b, pt)
	}
}

// update sets batch row b's new hidden state of part pt's units to
// h̃ + z⊙(H − h̃) and copies it to Y.
func (k *gruKernel) update(z, ht, h, hNext []float32, t, b int, pt recurPart) {
	lo, hi := b*k.hidden+pt.lo, b*k.hidden+pt.hi
	dif := k.dif[lo:hi]
	vec.Sub(dif, h[lo:hi], ht)
	vec.Mul(dif, dif, z)
	vec.Add(hNext[lo:hi], ht, dif)
	k.storeY(t, b, pt.lo, pt.hi, hNext)
}
