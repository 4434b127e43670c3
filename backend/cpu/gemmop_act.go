package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// fusedAct reads the activation attributes of a dlc.Fused* node
// (activation, activation_alpha, activation_beta). It returns ok=false for
// an activation name vec does not know. Standard ONNX ops have none.
func fusedAct(n *ir.Node) (vec.Act, bool) {
	if n.Domain != "dlc" || n.Def.Attr("activation") == nil {
		return vec.Act{}, true
	}
	kind, ok := vec.ParseAct(n.Str("activation"))
	if !ok {
		return vec.Act{}, false
	}
	a := vec.Act{Kind: kind}
	if n.Def.Attr("activation_alpha") != nil {
		a.Alpha = n.Float("activation_alpha")
	}
	if n.Def.Attr("activation_beta") != nil {
		a.Beta = n.Float("activation_beta")
	}
	return a, true
}

// staticShapes returns the static shapes of n's inputs (nil for omitted
// ones) and reports whether every present input has a static shape and is
// float32, except the inputs listed in notFloat.
func staticShapes(n *ir.Node, notFloat ...int) ([][]int, bool) {
	shapes := make([][]int, len(n.Inputs))
	for i, v := range n.Inputs {
		if v == nil {
			continue
		}
		if v.Type.DType != ir.Float32 && !slices.Contains(notFloat, i) {
			return nil, false
		}
		s, ok := v.Type.Shape.Static()
		if !ok {
			return nil, false
		}
		shapes[i] = s
	}
	return shapes, true
}

// outShape returns the static shape of n's output i, which must be
// float32.
func outShape(n *ir.Node, i int) ([]int, bool) {
	v := n.Out(i)
	if v == nil || v.Type.DType != ir.Float32 {
		return nil, false
	}
	return v.Type.Shape.Static()
}

// hasEmpty reports whether an input or output of n has a zero dim (or no
// static shape). The GEMM-based builders leave such nodes to the
// reference kernels rather than special-casing them in every path.
func hasEmpty(n *ir.Node) bool {
	for _, vs := range [][]*ir.Value{n.Inputs, n.Outputs} {
		for _, v := range vs {
			if v == nil {
				continue
			}
			if s, ok := v.Type.Shape.Static(); !ok || slices.Contains(s, 0) {
				return true
			}
		}
	}
	return false
}

// constF32 returns the data of input i when it is a float32 initializer.
func constF32(n *ir.Node, i int) []float32 {
	v := n.In(i)
	if v == nil || v.Init == nil {
		return nil
	}
	f, _ := v.Init.Data.([]float32)
	return f
}

// newGemmCtx returns the GEMM context a kernel multiplies with. Each
// kernel owns one because a Ctx is single-goroutine and kernels of one
// execution context never run concurrently with themselves.
func newGemmCtx(env *Env) *gemm.Ctx {
	ctx := gemm.NewCtx(env.Pool)
	ctx.Precision = env.Precision
	return ctx
}

// serialGemmCtxs returns one single-threaded GEMM context per pool
// thread, for kernels that parallelize over independent small products.
func serialGemmCtxs(env *Env) []*gemm.Ctx {
	ctxs := make([]*gemm.Ctx, env.Pool.Threads())
	for i := range ctxs {
		ctxs[i] = gemm.NewCtx(parallel.Serial)
		ctxs[i].Precision = env.Precision
	}
	return ctxs
}

func f32(t *ir.Tensor) []float32 { return t.Data.([]float32) }
