package cpu

import (
	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// Gemm and dlc.FusedGemm: Y = act(alpha·op(A)·op(B) + beta·C) on float32
// 2-D operands. A constant B is packed once. C is folded into the GEMM
// call: a scalar, [N] or [1,N] C becomes a column bias, [M,1] a row bias,
// and [M,N] either the residual (beta = 1) or the C the GEMM scales by
// beta (copied into Y first, unless the runtime runs the node in place,
// Y over C).

func init() {
	Register("Gemm", buildGemm)
	Register(ir.OpKey("dlc", "FusedGemm"), buildGemm)
}

// gemmCForm is how C enters the product.
type gemmCForm uint8

const (
	gemmNoC gemmCForm = iota
	gemmCScalar
	gemmCRow // one value per column: [N] or [1,N]
	gemmCCol // one value per row: [M,1]
	gemmCFull
)

type gemmKernel struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	lda, ldb       int
	cForm          gemmCForm
	act            vec.Act
	b              *constB
	ctx            *gemm.Ctx
	ep             gemm.Epilogue
	bias           []float32 // beta·C as a bias vector (scalar and vector forms)
	biasConst      bool      // bias was computed from a constant C at build time
	cInPlace       bool      // a full C that is neither A nor B: Y may overwrite it
}

func buildGemm(n *ir.Node, env *Env) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok || len(shapes[0]) != 2 || len(shapes[1]) != 2 {
		return nil
	}
	act, ok := fusedAct(n)
	if !ok {
		return nil
	}
	if _, ok := outShape(n, 0); !ok {
		return nil
	}
	k := &gemmKernel{transA: n.Int("transA") != 0, transB: n.Int("transB") != 0,
		alpha: n.Float("alpha"), beta: n.Float("beta"), act: act, ctx: newGemmCtx(env)}
	as, bs := shapes[0], shapes[1]
	k.m, k.k, k.lda = as[0], as[1], as[1]
	if k.transA {
		k.m, k.k = k.k, k.m
	}
	kb, nb := bs[0], bs[1]
	k.ldb = bs[1]
	if k.transB {
		kb, nb = nb, kb
	}
	if kb != k.k {
		return nil
	}
	k.n = nb
	if c := n.In(2); c != nil && k.beta != 0 {
		cs := trimLeadingOnes(shapes[2])
		switch {
		case len(cs) == 0 || (len(cs) == 1 && cs[0] == 1 && k.n != 1):
			k.cForm, k.bias = gemmCScalar, make([]float32, k.n)
		case len(cs) == 1 && cs[0] == k.n:
			k.cForm, k.bias = gemmCRow, make([]float32, k.n)
		case len(cs) == 2 && cs[0] == k.m && cs[1] == 1:
			k.cForm, k.bias = gemmCCol, make([]float32, k.m)
		case len(cs) == 2 && cs[0] == k.m && cs[1] == k.n:
			k.cForm = gemmCFull
			k.cInPlace = c != n.In(0) && c != n.In(1)
		default:
			return nil
		}
		if cc := constF32(n, 2); cc != nil && k.bias != nil {
			k.fillBias(cc)
			k.biasConst = true
		}
	}
	if bc := constF32(n, 1); bc != nil {
		k.b = newConstB(env, packKey{t: n.In(1).Init, layout: "gemm.B", part: 0}, k.transB, k.k, k.n, bc, k.ldb)
	}
	return k
}

// trimLeadingOnes drops leading 1s so that [1,N] reads as [N].
func trimLeadingOnes(s []int) []int {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	return s
}

// fillBias sets k.bias to beta·C for the scalar and vector forms.
func (k *gemmKernel) fillBias(c []float32) {
	if k.cForm == gemmCScalar {
		for i := range k.bias {
			k.bias[i] = k.beta * c[0]
		}
		return
	}
	for i := range k.bias {
		k.bias[i] = k.beta * c[i]
	}
}

// Run computes Y.
func (k *gemmKernel) Run(in, out []*ir.Tensor) {
	a, y := f32(in[0]), f32(out[0])
	var beta float32
	k.ep = gemm.Epilogue{Act: k.act}
	switch k.cForm {
	case gemmCScalar, gemmCRow, gemmCCol:
		if !k.biasConst {
			k.fillBias(f32(in[2]))
		}
		k.ep.Bias, k.ep.BiasPerRow = k.bias, k.cForm == gemmCCol
	case gemmCFull:
		c := f32(in[2])
		switch {
		case &c[0] == &y[0]:
			beta = k.beta
		case k.beta == 1:
			k.ep.Residual, k.ep.LDR = c, k.n
		default:
			copy(y, c)
			beta = k.beta
		}
	}
	ep := &k.ep
	if k.ep.Bias == nil && k.ep.Residual == nil && k.act.Kind == vec.ActNone {
		ep = nil
	}
	if k.b != nil {
		k.b.mul(k.ctx, k.transA, k.m, k.alpha, a, k.lda, beta, y, k.n, ep)
	} else {
		k.ctx.Sgemm(k.transA, k.transB, k.m, k.n, k.k, k.alpha, a, k.lda, f32(in[1]), k.ldb, beta, y, k.n, ep)
	}
	k.ep = gemm.Epilogue{}
}

// InPlace allows Y over a C of Y's shape that is not also a factor.
func (k *gemmKernel) InPlace() (out, in int) {
	if k.cInPlace {
		return 0, 2
	}
	return 0, -1
}
