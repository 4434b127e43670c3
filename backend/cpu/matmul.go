package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// MatMul and dlc.FusedMatMul (Y = act(A·B + Bias + Z), Bias of length N,
// Z a residual of Y's shape) on float32, numpy semantics: 1-D operands are promoted and batch dims
// broadcast. FusedMatMul's permutations become strides and transposed
// operands of the GEMMs (matmul_view.go). When B has no batch dims (a Linear layer) the whole of A is
// one M·batch×K GEMM against B, packed once when constant. Otherwise each
// batch entry is one GEMM; many small ones run in parallel, one per
// thread, each on a single-threaded GEMM context. Z enters through the
// GEMM epilogue; when the runtime runs the node in place (Y over Z) the
// GEMM accumulates into Y instead (beta = 1).

func init() {
	Register("MatMul", buildMatMul)
	Register(ir.OpKey("dlc", "FusedMatMul"), buildMatMul)
}

type matmulKernel struct {
	m, n, k          int
	batches          int
	aOff, bOff, yOff []int // per batch entry, element offsets into A, B and Y
	transA, transB   bool
	lda, ldb, ldc    int
	flat             bool // one GEMM over all batch entries (B is one matrix)
	act              vec.Act
	bias             []float32 // constant bias, or nil
	hasBias          bool
	hasZ             bool
	zInPlace         bool // Z is neither A nor B, so Y may overwrite it
	b                *constB
	ctx              *gemm.Ctx
	serial           []*gemm.Ctx // one per pool thread, for parallel batches
	pool             *parallel.Pool
	eps              []gemm.Epilogue // one per thread
	ep0              gemm.Epilogue
	batchFn          func(t int)
	a, bb, y         []float32
	biasNow          []float32
	z                []float32 // this call's residual, nil when none or when Y is Z
	beta             float32   // 1 when Y is Z
}

func buildMatMul(n *ir.Node, env *Env) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok {
		return nil
	}
	act, ok := fusedAct(n)
	if !ok {
		return nil
	}
	ys, ok := outShape(n, 0)
	if !ok {
		return nil
	}
	as, bs := shapes[0], shapes[1]
	if len(as) == 0 || len(bs) == 0 {
		return nil
	}
	pa, pb, py, err := ir.FusedMatMulPerms(n)
	if err != nil || (py != nil && (len(as) == 1 || len(bs) == 1)) {
		return nil
	}
	av, okA := viewOf(as, pa, true)
	bv, okB := viewOf(bs, pb, false)
	if !okA || !okB || av.cols != bv.rows {
		return nil
	}
	k := &matmulKernel{m: av.rows, k: av.cols, n: bv.cols, act: act, pool: env.Pool,
		transA: av.trans, transB: bv.trans, lda: av.ld, ldb: bv.ld}
	batch, ok := broadcastShape(av.batch, bv.batch)
	if !ok {
		return nil
	}
	yv, ok := resultView(batch, k.m, k.n, py)
	if !ok || product(ys) != product(batch)*k.m*k.n {
		return nil
	}
	k.ldc = yv.ld
	if bias := n.In(2); bias != nil {
		if len(shapes[2]) != 1 || shapes[2][0] != k.n {
			return nil
		}
		k.hasBias = true
		k.bias = constF32(n, 2)
	}
	if z := n.In(3); z != nil {
		if py != nil || !slices.Equal(shapes[3], ys) {
			return nil
		}
		k.hasZ = true
		k.zInPlace = z != n.In(0) && z != n.In(1)
	}
	k.batches = product(batch)
	k.aOff = stridedOffsets(av.batch, av.bstride, batch)
	k.bOff = stridedOffsets(bv.batch, bv.bstride, batch)
	k.yOff = stridedOffsets(batch, yv.bstride, batch)
	k.flat = k.stacked()
	k.ctx = newGemmCtx(env)
	if bc := constF32(n, 1); bc != nil && k.flat {
		k.b = newConstB(env, packKey{t: n.In(1).Init, layout: "matmul.B", part: 0}, k.transB, k.k, k.n, bc, k.ldb)
	}
	if !k.flat {
		k.serial = serialGemmCtxs(env)
		k.eps = make([]gemm.Epilogue, len(k.serial))
		k.batchFn = k.batchChunk
	}
	return k
}

// stacked reports whether the batch entries form one GEMM: B is the same
// matrix for all, and the rows of A and of Y continue from one entry to
// the next at their leading dimensions (a Linear layer over tokens).
func (k *matmulKernel) stacked() bool {
	if k.batches == 1 {
		return true
	}
	if k.transA {
		return false
	}
	for bi := range k.batches {
		if k.bOff[bi] != k.bOff[0] || k.aOff[bi] != bi*k.m*k.lda || k.yOff[bi] != bi*k.m*k.ldc {
			return false
		}
	}
	return true
}

// Run computes Y.
func (k *matmulKernel) Run(in, out []*ir.Tensor) {
	k.a, k.bb, k.y = f32(in[0]), f32(in[1]), f32(out[0])
	k.biasNow = k.bias
	if k.hasBias && k.biasNow == nil {
		k.biasNow = f32(in[2])
	}
	k.z, k.beta = nil, 0
	if k.hasZ {
		k.z = f32(in[3])
		if &k.z[0] == &k.y[0] {
			k.z, k.beta = nil, 1
		}
	}
	switch {
	case k.flat:
		ep := k.epilogue(&k.ep0)
		m := k.m * k.batches
		a, y := k.a[k.aOff[0]:], k.y[k.yOff[0]:]
		if k.b != nil {
			k.b.mul(k.ctx, k.transA, m, 1, a, k.lda, k.beta, y, k.ldc, ep)
		} else {
			k.ctx.Sgemm(k.transA, k.transB, m, k.n, k.k, 1, a, k.lda, k.bb[k.bOff[0]:], k.ldb, k.beta, y, k.ldc, ep)
		}
	case k.batches >= k.pool.Threads() && k.m*k.n*k.k < 1<<18:
		k.pool.For(len(k.serial), k.batchFn)
	default:
		ep := k.epilogue(&k.ep0)
		for bi := 0; bi < k.batches; bi++ {
			k.one(k.ctx, ep, bi)
		}
	}
	k.a, k.bb, k.y, k.biasNow, k.z = nil, nil, nil, nil, nil
}

// InPlace allows Y over the residual Z, which has Y's shape, unless Z
// is also a factor.
func (k *matmulKernel) InPlace() (out, in int) {
	if k.zInPlace {
		return 0, 3
	}
	return 0, -1
}

// epilogue fills ep for this call's bias, residual (all of Z, row stride
// N: one() narrows it per batch entry) and activation; nil if none.
func (k *matmulKernel) epilogue(ep *gemm.Epilogue) *gemm.Epilogue {
	if k.biasNow == nil && k.z == nil && k.act.Kind == vec.ActNone {
		return nil
	}
	*ep = gemm.Epilogue{Bias: k.biasNow, Residual: k.z, LDR: k.n, Act: k.act}
	return ep
}

// batchChunk runs thread t's share of the batch entries.
func (k *matmulKernel) batchChunk(t int) {
	parts := len(k.serial)
	ep := k.epilogue(&k.eps[t])
	for bi := t * k.batches / parts; bi < (t+1)*k.batches/parts; bi++ {
		k.one(k.serial[t], ep, bi)
	}
}

// one multiplies batch entry bi.
func (k *matmulKernel) one(ctx *gemm.Ctx, ep *gemm.Epilogue, bi int) {
	mn := k.m * k.n
	if k.z != nil {
		ep.Residual = k.z[bi*mn : (bi+1)*mn]
	}
	ctx.Sgemm(k.transA, k.transB, k.m, k.n, k.k, 1, k.a[k.aOff[bi]:], k.lda, k.bb[k.bOff[bi]:], k.ldb, k.beta,
		k.y[k.yOff[bi]:], k.ldc, ep)
}

// broadcastShape is numpy broadcasting of two shapes.
func broadcastShape(a, b []int) ([]int, bool) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for i := range r {
		da, db := 1, 1
		if j := i - (r - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (r - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// broadcastOffsets returns, for each flat index of shape to, the offset
// (in units of block elements) of the broadcast source entry of shape
// from, right-aligned with to.
func broadcastOffsets(from, to []int, block int) []int {
	strides := contiguousStrides(from)
	for i := range strides {
		strides[i] *= block
	}
	return stridedOffsets(from, strides, to)
}

func product(s []int) int {
	p := 1
	for _, d := range s {
		p *= d
	}
	return p
}
