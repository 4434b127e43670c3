package ir

// Gradient rules of MatMul and Gemm.

// MatMul: dA = dy·Bᵀ and dB = Aᵀ·dy over the last two dims, summed over
// the batch dims an operand was broadcast along. A 1-D operand is
// promoted as the forward op does (A to [1,K], B to [K,1]) and dy gets the
// removed dim back.
func gradMatMul(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	a, bm, g := n.Inputs[0], n.Inputs[1], dy[0]
	ra, rb := e.rankOf(a), e.rankOf(bm)
	if e.err != nil {
		return nil, e.err
	}
	a2, b2 := a, bm
	if rb == 1 {
		b2 = e.op("Unsqueeze", nil, bm, e.ints(1))
		g = e.op("Unsqueeze", nil, g, e.ints(-1))
	}
	if ra == 1 {
		a2 = e.op("Unsqueeze", nil, a, e.ints(0))
		g = e.op("Unsqueeze", nil, g, e.ints(-2))
	}
	da := e.op("MatMul", nil, g, e.swapLast(b2, max(rb, 2)))
	var db *Value
	if k, nn, ok := e.linearDims(a, bm, g, ra, rb); ok {
		// B is one matrix shared by every batch entry of A (a Linear
		// layer): dB is one product over all the rows, Aᵀ·dy with A and
		// dy flattened to [rows, K] and [rows, N], rather than a batch of
		// small products summed afterwards.
		a2d := e.op("Reshape", nil, a, e.ints(-1, k))
		g2d := e.op("Reshape", nil, g, e.ints(-1, nn))
		db = e.op("MatMul", nil, e.swapLast(a2d, 2), g2d)
	} else {
		db = e.op("MatMul", nil, e.swapLast(a2, max(ra, 2)), g)
	}
	if ra == 1 {
		da = e.op("Squeeze", nil, da, e.ints(-2))
	}
	if rb == 1 {
		db = e.op("Squeeze", nil, db, e.ints(-1))
	}
	return e.done(e.sumTo(da, a), e.sumTo(db, bm))
}

// linearDims returns K and N when A has batch dims and B is a 2-D [K, N]
// matrix with both dims static, the case of a Linear layer over tokens.
func (e *emitter) linearDims(a, b, g *Value, ra, rb int) (k, n int64, ok bool) {
	if ra < 3 || rb != 2 || e.err != nil {
		return 0, 0, false
	}
	bd := b.Type.Shape.Dims
	ad := a.Type.Shape.Dims
	if !bd[0].Known() || !bd[1].Known() || !ad[ra-1].Known() || g.Type.Shape.Rank() != ra {
		return 0, 0, false
	}
	return bd[0].Size, bd[1].Size, true
}

// swapLast transposes the last two dims of v, of rank r.
func (e *emitter) swapLast(v *Value, r int) *Value {
	perm := make([]int64, r)
	for i := range perm {
		perm[i] = int64(i)
	}
	perm[r-2], perm[r-1] = perm[r-1], perm[r-2]
	return e.op("Transpose", map[string]*Attr{"perm": IntsAttr(perm...)}, v)
}

// Gemm: Y = alpha·A'·B' + beta·C with A' = Aᵀ under transA (B' likewise).
// Each input gradient is itself a Gemm of dy with the other operand:
//
//	dA = alpha·dy·B'ᵀ   (transA=0)   dA = alpha·B'·dyᵀ   (transA=1)
//	dB = alpha·A'ᵀ·dy   (transB=0)   dB = alpha·dyᵀ·A'   (transB=1)
//	dC = beta·dy summed to C's shape.
func gradGemm(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	a, bm, g := n.Inputs[0], n.Inputs[1], dy[0]
	alpha, beta := n.Float("alpha"), n.Float("beta")
	ta, tb := n.Int("transA"), n.Int("transB")
	gemm := func(x, y *Value, tx, ty int64) *Value {
		return e.op("Gemm", map[string]*Attr{"alpha": FloatAttr(alpha), "transA": IntAttr(tx), "transB": IntAttr(ty)}, x, y)
	}
	var da, db *Value
	if ta == 0 {
		da = gemm(g, bm, 0, 1-tb)
	} else {
		da = gemm(bm, g, tb, 1)
	}
	if tb == 0 {
		db = gemm(a, g, 1-ta, 0)
	} else {
		db = gemm(g, a, 1, ta)
	}
	var dc *Value
	if c := n.In(2); c != nil {
		dc = g
		if beta != 1 {
			dc = e.mul(g, e.scalar(g.Type.DType, float64(beta)))
		}
		dc = e.sumTo(dc, c)
	}
	return e.done(da, db, dc)
}
