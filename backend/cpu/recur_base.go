package cpu

import (
	"slices"
	"strings"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// recurBase is what the RNN, GRU and LSTM kernels share: shapes, the
// part layout (recur.go), the packed W and R of each direction, the
// input projection XW = X·Wᵀ + bias of all steps, the double-buffered
// hidden state and the step scheduler. The op's kernel supplies the step
// of one part (stepPart) and the bias rule.
type recurBase struct {
	gates, seq, batch, input, hidden, dirs int
	groups                                 []int // gate counts of the groups (recur.go)
	reverse                                bool  // single direction "reverse"
	parts                                  []recurPart
	cols                                   int   // width of a gate row
	rows                                   []int // gate row column → W/R/B row
	pool                                   *parallel.Pool
	w                                      []*constB     // [dir], nil when W is not constant
	wbuf                                   []float32     // permuted W when not constant
	r                                      [][][]*recurW // [dir][part][group]
	rRaw                                   bool          // R not constant: pack at Run
	bias                                   [][]float32   // [dir][cols]
	biasConst                              bool
	noRb                                   int // rows ≥ noRb take Wb only in bias (GRU's h with linear_before_reset)
	hasB, hasH0                            bool
	ctx                                    *gemm.Ctx
	ep                                     gemm.Epilogue
	xw                                     []float32    // [seq·batch, cols]
	h                                      [2][]float32 // [batch, H]: step s reads h[s%2], writes h[(s+1)%2]
	sched                                  *recurSched
	phases                                 int       // scheduled steps per time step
	d                                      int       // direction being run
	y                                      []float32 // Y or nil, during Run
}

// initBase checks what the three ops share — float32 inputs with static
// shapes, layout 0, no clip, X [seq, batch, input], W [dirs, gates·H,
// input], R [dirs, gates·H, H], B [dirs, 2·gates·H], sequence_lens absent
// or constant and full, initial_h [dirs, batch, H] — and sets up the
// layout, packed weights and buffers. It reports false to decline.
// groups are the gate counts of the gate groups, stepPart(part, s) runs
// part's share of step s, and there are phases scheduled steps per time
// step (one per group that needs the previous group's results).
func (k *recurBase) initBase(n *ir.Node, env *Env, groups []int, phases int, stepPart func(part, s int)) ([][]int, bool) {
	if hasEmpty(n) {
		return nil, false
	}
	shapes, ok := staticShapes(n, 4)
	if !ok || n.Int("layout") != 0 || n.Has("clip") {
		return nil, false
	}
	for i := range n.Outputs {
		if n.Out(i) != nil {
			if _, ok := outShape(n, i); !ok {
				return nil, false
			}
		}
	}
	xs, ws, rs := shapes[0], shapes[1], shapes[2]
	if len(xs) != 3 || len(ws) != 3 || len(rs) != 3 {
		return nil, false
	}
	gates := 0
	for _, q := range groups {
		gates += q
	}
	*k = recurBase{gates: gates, groups: groups, phases: phases, seq: xs[0], batch: xs[1], input: xs[2], dirs: ws[0], hidden: rs[2]}
	switch dir := n.Str("direction"); {
	case dir == "bidirectional" && k.dirs == 2:
	case (dir == "forward" || dir == "reverse") && k.dirs == 1:
		k.reverse = dir == "reverse"
	default:
		return nil, false
	}
	hs, gh := k.hidden, gates*k.hidden
	if !slices.Equal(ws, []int{k.dirs, gh, k.input}) || !slices.Equal(rs, []int{k.dirs, gh, hs}) {
		return nil, false
	}
	if lens := n.In(4); lens != nil {
		if lens.Init == nil {
			return nil, false
		}
		for i := 0; i < lens.Init.Len(); i++ {
			if int(lens.Init.Int64At(i)) != k.seq {
				return nil, false
			}
		}
	}
	k.hasB, k.hasH0 = n.In(3) != nil, n.In(5) != nil
	if (k.hasB && !slices.Equal(shapes[3], []int{k.dirs, 2 * gh})) ||
		(k.hasH0 && !slices.Equal(shapes[5], []int{k.dirs, k.batch, hs})) {
		return nil, false
	}
	k.noRb = gh
	k.pool = recurPool(env)
	k.parts, k.cols = recurParts(k.pool.Threads(), hs, groups, k.batch)
	k.rows = recurRows(k.parts, k.cols, hs, groups)
	k.ctx = newGemmCtx(env)
	k.xw = make([]float32, k.seq*k.batch*k.cols)
	k.h = [2][]float32{make([]float32, k.batch*hs), make([]float32, k.batch*hs)}
	k.bias = make([][]float32, k.dirs)
	for d := range k.bias {
		k.bias[d] = make([]float32, k.cols)
	}
	wc, rc := constF32(n, 1), constF32(n, 2)
	k.rRaw = rc == nil
	if wc == nil {
		k.wbuf = make([]float32, k.cols*k.input)
	}
	tag := strings.ToLower(n.Op)
	k.w, k.r = make([]*constB, k.dirs), make([][][]*recurW, k.dirs)
	for d := 0; d < k.dirs; d++ {
		if wc != nil {
			k.w[d] = recurInputW(env, n.In(1).Init, tag, d, k.parts, groups, k.rows, wc[d*gh*k.input:(d+1)*gh*k.input], k.input)
		}
		if rc != nil {
			k.r[d] = recurWeights(env, n.In(2).Init, tag, d, k.parts, groups, k.rows, rc[d*gh*hs:(d+1)*gh*hs], hs)
		} else {
			k.r[d] = recurWeights(env, nil, tag, d, k.parts, groups, k.rows, nil, hs)
		}
	}
	k.sched = newRecurSched(len(k.parts), stepPart)
	return shapes, true
}

// initBias sets the projection bias from a constant or absent B (after
// the op has set noRb); with a B computed at run time, beginDir does it.
func (k *recurBase) initBias(n *ir.Node) {
	if bc := constF32(n, 3); bc != nil || !k.hasB {
		k.sumBias(bc)
		k.biasConst = true
	}
}

// sumBias sets bias[d] = Wb + Rb for each direction in gate row order,
// Wb alone for rows ≥ noRb, zero without B and in padding columns.
func (k *recurBase) sumBias(b []float32) {
	gh := k.gates * k.hidden
	for d := range k.bias {
		for j, r := range k.rows {
			switch {
			case b == nil || r < 0:
				k.bias[d][j] = 0
			case r >= k.noRb:
				k.bias[d][j] = b[d*2*gh+r]
			default:
				k.bias[d][j] = b[d*2*gh+r] + b[d*2*gh+gh+r]
			}
		}
	}
}

// beginRun sets up a Run: the bias when B is not constant, and Y.
func (k *recurBase) beginRun(in, out []*ir.Tensor) {
	if !k.biasConst {
		k.sumBias(f32(in[3]))
	}
	k.y = nil
	if len(out) > 0 && out[0] != nil {
		k.y = f32(out[0])
	}
}

// runDir runs direction d: packs R when it is not constant, projects the
// input, loads initial_h and runs every step; it then copies the final H
// to Y_h (out[1]) when present.
func (k *recurBase) runDir(in, out []*ir.Tensor, d int) {
	k.d = d
	gh, hs, bh := k.gates*k.hidden, k.hidden, k.batch*k.hidden
	if k.rRaw {
		r := f32(in[2])[d*gh*hs : (d+1)*gh*hs]
		for i, pt := range k.parts {
			for gi, w := range k.r[d][i] {
				off, n := pt.group(k.groups, gi)
				w.pack(r, hs, k.rows[pt.off+off:pt.off+off+n])
			}
		}
	}
	k.ep = gemm.Epilogue{Bias: k.bias[d]}
	x, rows := f32(in[0]), k.seq*k.batch
	if k.w[d] == nil {
		permuteRows(k.wbuf, f32(in[1])[d*gh*k.input:(d+1)*gh*k.input], k.input, k.rows)
		k.ctx.Sgemm(false, true, rows, k.cols, k.input, 1, x, k.input, k.wbuf, k.input, 0, k.xw, k.cols, &k.ep)
	} else {
		k.w[d].mul(k.ctx, false, rows, 1, x, k.input, 0, k.xw, k.cols, &k.ep)
	}
	k.ep = gemm.Epilogue{}
	if k.hasH0 {
		copy(k.h[0], f32(in[5])[d*bh:(d+1)*bh])
	} else {
		clear(k.h[0])
	}
	k.sched.runSteps(k.pool, k.seq*k.phases)
	if len(out) > 1 && out[1] != nil {
		copy(f32(out[1])[d*bh:(d+1)*bh], k.h[k.seq%2])
	}
}

// stepRows returns step s's input time t, its XW rows, and the hidden
// state to read and the one to write.
func (k *recurBase) stepRows(s int) (t int, g, h, hNext []float32) {
	t = s
	if k.reverse || k.d == 1 {
		t = k.seq - 1 - s
	}
	return t, k.xw[t*k.batch*k.cols : (t+1)*k.batch*k.cols], k.h[s%2], k.h[(s+1)%2]
}

// storeY copies hidden units [lo, hi) of batch row b at time t to Y.
func (k *recurBase) storeY(t, b, lo, hi int, hNext []float32) {
	if k.y == nil {
		return
	}
	bh := k.batch * k.hidden
	yt := k.y[(t*k.dirs+k.d)*bh+b*k.hidden:]
	copy(yt[lo:hi], hNext[b*k.hidden+lo:b*k.hidden+hi])
}

// defaultActs reports whether names are absent or defs repeated once per
// direction (case-insensitive).
func defaultActs(names []string, defs ...string) bool {
	for i, s := range names {
		if !strings.EqualFold(s, defs[i%len(defs)]) {
			return false
		}
	}
	return len(names)%len(defs) == 0
}
