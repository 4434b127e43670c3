package cpu

import (
	"math"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// dlc.Attention on float32: Y = Softmax(scale·Q·Kᵀ + Mask)·V, batch dims
// broadcast. Each (batch·head) entry is handled in blocks of query rows:
// scores for a block = scale·Q_blk·Kᵀ (GEMM with transposed K), plus the
// mask, softmax per row, then Y_blk = P·V. Blocking the rows bounds the
// scratch to attnRowBlock·T per thread and keeps it in cache. Entries are
// spread over the pool, each thread on its own single-threaded GEMM
// context; with fewer entries than threads the GEMMs themselves run in
// parallel instead.

func init() {
	Register(ir.OpKey("dlc", "Attention"), buildAttention)
}

// attnRowBlock is how many query rows share one score block.
const attnRowBlock = 64

type attentionKernel struct {
	s, t, d, dv            int
	scale                  float32
	batches                int
	qOff, kOff, vOff, mOff []int
	hasMask                bool
	ms, mt                 int // mask strides along S and T (0: broadcast)
	pool                   *parallel.Pool
	ctx                    *gemm.Ctx
	serial                 []*gemm.Ctx
	scratch                [][]float32 // per thread, attnRowBlock·T
	chunkFn                func(t int)
	q, k, v, mask, y       []float32
}

func buildAttention(n *ir.Node, env *Env) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok {
		return nil
	}
	if _, ok := outShape(n, 0); !ok {
		return nil
	}
	qs, ks, vs := shapes[0], shapes[1], shapes[2]
	if len(qs) < 2 || len(ks) < 2 || len(vs) < 2 {
		return nil
	}
	a := &attentionKernel{s: qs[len(qs)-2], d: qs[len(qs)-1], t: ks[len(ks)-2], dv: vs[len(vs)-1], pool: env.Pool}
	if ks[len(ks)-1] != a.d || vs[len(vs)-2] != a.t {
		return nil
	}
	a.scale = float32(1 / math.Sqrt(float64(a.d)))
	if n.Has("scale") {
		a.scale = n.Float("scale")
	}
	qb, kb, vb := qs[:len(qs)-2], ks[:len(ks)-2], vs[:len(vs)-2]
	batch, ok := broadcastShape(qb, kb)
	if ok {
		batch, ok = broadcastShape(batch, vb)
	}
	if !ok {
		return nil
	}
	a.batches = product(batch)
	a.qOff = broadcastOffsets(qb, batch, a.s*a.d)
	a.kOff = broadcastOffsets(kb, batch, a.t*a.d)
	a.vOff = broadcastOffsets(vb, batch, a.t*a.dv)
	if n.In(3) != nil {
		if !a.maskLayout(shapes[3], batch) {
			return nil
		}
	}
	a.ctx = newGemmCtx(env)
	a.serial = serialGemmCtxs(env)
	a.scratch = make([][]float32, len(a.serial))
	for i := range a.scratch {
		a.scratch[i] = make([]float32, min(a.s, attnRowBlock)*a.t)
	}
	a.chunkFn = a.chunk
	return a
}

// maskLayout sets the mask's per-entry offsets and its S and T strides,
// reading the mask right-aligned against [batch..., S, T].
func (a *attentionKernel) maskLayout(ms []int, batch []int) bool {
	full := append(append([]int{}, batch...), a.s, a.t)
	if len(ms) > len(full) {
		return false
	}
	padded := make([]int, len(full))
	for i := range padded {
		padded[i] = 1
	}
	copy(padded[len(full)-len(ms):], ms)
	for i, d := range padded {
		if d != 1 && d != full[i] {
			return false
		}
	}
	nb := len(batch)
	ps, pt := padded[nb], padded[nb+1]
	a.hasMask = true
	a.mOff = broadcastOffsets(padded[:nb], batch, ps*pt)
	if pt != 1 {
		a.mt = 1
	}
	if ps != 1 {
		a.ms = pt
	}
	return true
}

// Run computes Y.
func (a *attentionKernel) Run(in, out []*ir.Tensor) {
	a.q, a.k, a.v, a.y = f32(in[0]), f32(in[1]), f32(in[2]), f32(out[0])
	if a.hasMask {
		a.mask = f32(in[3])
	}
	if a.batches >= a.pool.Threads() || a.pool.Threads() == 1 {
		a.pool.For(len(a.serial), a.chunkFn)
	} else {
		for bi := 0; bi < a.batches; bi++ {
			a.entry(a.ctx, a.scratch[0], bi)
		}
	}
	a.q, a.k, a.v, a.mask, a.y = nil, nil, nil, nil, nil
}

// chunk runs thread t's share of the entries.
func (a *attentionKernel) chunk(t int) {
	parts := len(a.serial)
	for bi := t * a.batches / parts; bi < (t+1)*a.batches/parts; bi++ {
		a.entry(a.serial[t], a.scratch[t], bi)
	}
}

// entry computes the output of batch entry bi.
func (a *attentionKernel) entry(ctx *gemm.Ctx, scores []float32, bi int) {
	q, k, v := a.q[a.qOff[bi]:], a.k[a.kOff[bi]:], a.v[a.vOff[bi]:]
	y := a.y[bi*a.s*a.dv : (bi+1)*a.s*a.dv]
	for i0 := 0; i0 < a.s; i0 += attnRowBlock {
		rows := min(attnRowBlock, a.s-i0)
		sc := scores[:rows*a.t]
		ctx.Sgemm(false, true, rows, a.t, a.d, a.scale, q[i0*a.d:], a.d, k, a.d, 0, sc, a.t, nil)
		for r := 0; r < rows; r++ {
			row := sc[r*a.t : (r+1)*a.t]
			if a.hasMask {
				a.addMask(row, bi, i0+r)
			}
			vec.Softmax(row, row)
		}
		ctx.Sgemm(false, false, rows, a.dv, a.t, 1, sc, a.t, v, a.dv, 0, y[i0*a.dv:(i0+rows)*a.dv], a.dv, nil)
	}
}

// addMask adds the mask row for query i of entry bi.
func (a *attentionKernel) addMask(row []float32, bi, i int) {
	m := a.mask[a.mOff[bi]+i*a.ms:]
	if a.mt == 1 {
		vec.Add(row, row, m[:len(row)])
		return
	}
	vec.AddScalar(row, row, m[0])
}
