package cpu

import (
	"strings"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// ONNX LSTM on float32, layout 0, default activations (sigmoid, tanh,
// tanh), no clip, no input_forget; peepholes allowed. sequence_lens must be
// absent or a constant equal to the sequence length everywhere (ragged
// batches go to the reference kernel).
//
// Per direction, the input projection of every step is one GEMM,
// XW = X·Wᵀ + Wb + Rb over [seq·batch, 4H] with W packed once; then each
// step adds H·Rᵀ (R packed once) into its rows of XW and applies the
// gates in place: i, o, f = σ(·), c̃ = tanh(·) (order i, o, f, c as ONNX),
// C = f⊙C + i⊙c̃, H = o⊙tanh(C).

func init() {
	Register("LSTM", buildLSTM)
}

type lstmKernel struct {
	seq, batch, input, hidden, dirs int
	reverse                         bool // single direction "reverse"
	w, r                            []*constB
	wRaw, rRaw                      bool // W or R not constant: read at Run
	bias                            [][]float32
	biasConst                       bool
	hasB, hasH0, hasC0, hasP        bool
	ctx                             *gemm.Ctx
	xw                              []float32 // [seq·batch, 4H]
	h, c, tmp                       []float32 // [batch, H]
	ep                              gemm.Epilogue
}

func buildLSTM(n *ir.Node, env *Env) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n, 4)
	if !ok || n.Int("layout") != 0 || n.Int("input_forget") != 0 || n.Has("clip") {
		return nil
	}
	if !defaultLSTMActs(n.Strings("activations")) {
		return nil
	}
	for i := range n.Outputs {
		if n.Out(i) != nil {
			if _, ok := outShape(n, i); !ok {
				return nil
			}
		}
	}
	xs, ws, rs := shapes[0], shapes[1], shapes[2]
	if len(xs) != 3 || len(ws) != 3 || len(rs) != 3 {
		return nil
	}
	k := &lstmKernel{seq: xs[0], batch: xs[1], input: xs[2], dirs: ws[0], hidden: rs[2]}
	dir := n.Str("direction")
	switch {
	case dir == "bidirectional" && k.dirs == 2:
	case (dir == "forward" || dir == "reverse") && k.dirs == 1:
		k.reverse = dir == "reverse"
	default:
		return nil
	}
	h4 := 4 * k.hidden
	if !equalInts(ws, []int{k.dirs, h4, k.input}) || !equalInts(rs, []int{k.dirs, h4, k.hidden}) {
		return nil
	}
	if lens := n.In(4); lens != nil {
		if lens.Init == nil {
			return nil
		}
		for i := 0; i < lens.Init.Len(); i++ {
			if int(lens.Init.Int64At(i)) != k.seq {
				return nil
			}
		}
	}
	state := []int{k.dirs, k.batch, k.hidden}
	k.hasB, k.hasH0, k.hasC0, k.hasP = n.In(3) != nil, n.In(5) != nil, n.In(6) != nil, n.In(7) != nil
	if (k.hasB && !equalInts(shapes[3], []int{k.dirs, 2 * h4})) ||
		(k.hasH0 && !equalInts(shapes[5], state)) || (k.hasC0 && !equalInts(shapes[6], state)) ||
		(k.hasP && !equalInts(shapes[7], []int{k.dirs, 3 * k.hidden})) {
		return nil
	}
	k.ctx = newGemmCtx(env)
	k.xw = make([]float32, k.seq*k.batch*h4)
	k.h, k.c, k.tmp = make([]float32, k.batch*k.hidden), make([]float32, k.batch*k.hidden), make([]float32, k.hidden)
	k.bias = make([][]float32, k.dirs)
	for d := range k.bias {
		k.bias[d] = make([]float32, h4)
	}
	if bc := constF32(n, 3); bc != nil || !k.hasB {
		k.sumBias(bc)
		k.biasConst = true
	}
	wc, rc := constF32(n, 1), constF32(n, 2)
	k.wRaw, k.rRaw = wc == nil, rc == nil
	k.w, k.r = make([]*constB, k.dirs), make([]*constB, k.dirs)
	for d := 0; d < k.dirs; d++ {
		if wc != nil {
			k.w[d] = newConstB(env, packKey{t: n.In(1).Init, layout: "lstm.W", part: d}, true, k.input, h4, wc[d*h4*k.input:], k.input)
		}
		if rc != nil {
			k.r[d] = newConstB(env, packKey{t: n.In(2).Init, layout: "lstm.R", part: d}, true, k.hidden, h4, rc[d*h4*k.hidden:], k.hidden)
		}
	}
	return k
}

// defaultLSTMActs reports whether names are absent or LSTM's defaults.
func defaultLSTMActs(names []string) bool {
	defs := []string{"sigmoid", "tanh", "tanh"}
	for i, s := range names {
		if strings.ToLower(s) != defs[i%3] {
			return false
		}
	}
	return len(names)%3 == 0
}

// sumBias sets bias[d] = Wb + Rb for each direction (zero without B).
func (k *lstmKernel) sumBias(b []float32) {
	h4 := 4 * k.hidden
	for d := range k.bias {
		for j := range k.bias[d] {
			if b == nil {
				k.bias[d][j] = 0
				continue
			}
			k.bias[d][j] = b[d*2*h4+j] + b[d*2*h4+h4+j]
		}
	}
}

// Run computes Y, Y_h and Y_c (whichever are present).
func (k *lstmKernel) Run(in, out []*ir.Tensor) {
	if !k.biasConst {
		k.sumBias(f32(in[3]))
	}
	var y, yh, yc []float32
	if len(out) > 0 && out[0] != nil {
		y = f32(out[0])
	}
	if len(out) > 1 && out[1] != nil {
		yh = f32(out[1])
	}
	if len(out) > 2 && out[2] != nil {
		yc = f32(out[2])
	}
	bh := k.batch * k.hidden
	for d := 0; d < k.dirs; d++ {
		k.project(in, d)
		k.initState(in, d)
		var p []float32
		if k.hasP {
			p = f32(in[7])[d*3*k.hidden : (d+1)*3*k.hidden]
		}
		for step := 0; step < k.seq; step++ {
			t := step
			if k.reverse || d == 1 {
				t = k.seq - 1 - step
			}
			k.step(in, d, t, p)
			if y != nil {
				copy(y[(t*k.dirs+d)*bh:(t*k.dirs+d+1)*bh], k.h)
			}
		}
		if yh != nil {
			copy(yh[d*bh:(d+1)*bh], k.h)
		}
		if yc != nil {
			copy(yc[d*bh:(d+1)*bh], k.c)
		}
	}
}

// project computes XW = X·W_dᵀ + bias_d for every step.
func (k *lstmKernel) project(in []*ir.Tensor, d int) {
	h4 := 4 * k.hidden
	k.ep = gemm.Epilogue{Bias: k.bias[d]}
	x, rows := f32(in[0]), k.seq*k.batch
	if k.wRaw {
		w := f32(in[1])[d*h4*k.input:]
		k.ctx.Sgemm(false, true, rows, h4, k.input, 1, x, k.input, w, k.input, 0, k.xw, h4, &k.ep)
	} else {
		k.w[d].mul(k.ctx, false, rows, 1, x, k.input, 0, k.xw, h4, &k.ep)
	}
	k.ep = gemm.Epilogue{}
}

// initState loads direction d's initial H and C (zero when absent).
func (k *lstmKernel) initState(in []*ir.Tensor, d int) {
	bh := k.batch * k.hidden
	if k.hasH0 {
		copy(k.h, f32(in[5])[d*bh:(d+1)*bh])
	} else {
		clear(k.h)
	}
	if k.hasC0 {
		copy(k.c, f32(in[6])[d*bh:(d+1)*bh])
	} else {
		clear(k.c)
	}
}

// step advances the state of direction d by input step t; p holds the
// direction's peepholes (i, o, f) or is nil.
func (k *lstmKernel) step(in []*ir.Tensor, d, t int, p []float32) {
	hs, h4 := k.hidden, 4*k.hidden
	g := k.xw[t*k.batch*h4 : (t+1)*k.batch*h4]
	if k.rRaw {
		r := f32(in[2])[d*h4*hs:]
		k.ctx.Sgemm(false, true, k.batch, h4, hs, 1, k.h, hs, r, hs, 1, g, h4, nil)
	} else {
		k.r[d].mul(k.ctx, false, k.batch, 1, k.h, hs, 1, g, h4, nil)
	}
	for b := 0; b < k.batch; b++ {
		gb := g[b*h4 : (b+1)*h4]
		gi, gout, gf, gc := gb[:hs], gb[hs:2*hs], gb[2*hs:3*hs], gb[3*hs:]
		c, h := k.c[b*hs:(b+1)*hs], k.h[b*hs:(b+1)*hs]
		if p != nil {
			pi, pf := p[:hs], p[2*hs:]
			for j := range c {
				gi[j] += pi[j] * c[j]
				gf[j] += pf[j] * c[j]
			}
			vec.Sigmoid(gi, gi)
			vec.Sigmoid(gf, gf)
		} else {
			vec.Sigmoid(gb[:3*hs], gb[:3*hs])
		}
		vec.Tanh(gc, gc)
		for j := range c {
			c[j] = gf[j]*c[j] + gi[j]*gc[j]
		}
		if p != nil {
			po := p[hs : 2*hs]
			for j := range c {
				gout[j] += po[j] * c[j]
			}
			vec.Sigmoid(gout, gout)
		}
		vec.Tanh(k.tmp, c)
		for j := range h {
			h[j] = gout[j] * k.tmp[j]
		}
	}
}
