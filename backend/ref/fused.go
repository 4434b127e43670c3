package ref

import (
	"fmt"
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Reference kernels of dlc's fused ops (ir/ops_fused.go), written as the
// composition of the unfused reference kernels they replace, so that a
// fused graph computes what the original graph did, up to the rounding of
// the intermediate values to the tensor's dtype that the fusion skips.

func init() {
	Register("dlc.FusedConv", fusedConvKernel)
	Register("dlc.FusedGemm", fusedGemmKernel)
	Register("dlc.FusedMatMul", fusedMatMulKernel)
	Register("dlc.Attention", attentionKernel)
	Register("dlc.Elementwise", elementwiseKernel)
}

// Activation returns the float64 meaning of a fused op's activation
// attribute: name as in ir.Activations, alpha and beta its parameters.
func Activation(name string, alpha, beta float64) (func(float64) float64, error) {
	switch name {
	case "":
		return nil, nil
	case "Relu":
		return func(x float64) float64 { return max(0, x) }, nil
	case "Clip":
		return func(x float64) float64 { return min(max(x, alpha), beta) }, nil
	case "LeakyRelu":
		return func(x float64) float64 {
			if x >= 0 {
				return x
			}
			return alpha * x
		}, nil
	case "Sigmoid":
		return sigmoid, nil
	case "Tanh":
		return math.Tanh, nil
	case "HardSwish":
		return func(x float64) float64 { return x * max(0, min(1, x/6+0.5)) }, nil
	case "HardSigmoid":
		return func(x float64) float64 { return max(0, min(1, alpha*x+beta)) }, nil
	case "Gelu":
		return func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, nil
	case "GeluTanh":
		k := math.Sqrt(2 / math.Pi)
		return func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(k*(x+0.044715*x*x*x))) }, nil
	case "Silu":
		return func(x float64) float64 { return x * sigmoid(x) }, nil
	}
	return nil, fmt.Errorf("unknown activation %q", name)
}

// finishFused adds the tensors zs (each broadcast to y's shape; nil for
// none) to y and applies n's activation, in float64, rounding once to y's
// dtype.
func finishFused(n *ir.Node, y *ir.Tensor, zs ...*ir.Tensor) (*ir.Tensor, error) {
	act, err := Activation(n.Str("activation"), float64(n.Float("activation_alpha")), float64(n.Float("activation_beta")))
	if err != nil {
		return nil, err
	}
	zs = slices.DeleteFunc(zs, func(z *ir.Tensor) bool { return z == nil })
	if len(zs) == 0 && act == nil {
		return y, nil
	}
	ys := y.Float64s()
	for _, z := range zs {
		if out, err := ir.BroadcastDims(z.Shape, y.Shape); err != nil || !slices.Equal(out, y.Shape) {
			return nil, fmt.Errorf("%v does not broadcast to the result's shape %v", z.Shape, y.Shape)
		}
		zv, idx := z.Float64s(), BroadcastIndex(z.Shape, y.Shape)
		for i := range ys {
			ys[i] += zv[idx[i]]
		}
	}
	if act != nil {
		for i, v := range ys {
			ys[i] = act(v)
		}
	}
	return FromFloat64s(y.DType, y.Shape, ys), nil
}

// fusedConvKernel is Conv (whose attributes FusedConv shares, so the Conv
// kernel reads them from n) followed by the residual and activation.
func fusedConvKernel(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	var conv []ir.Data
	conv = append(conv, in[:min(len(in), 3)]...)
	out, err := convFloat(ctx, n, conv)
	if err != nil {
		return nil, err
	}
	y, err := finishFused(n, Tensor(out, 0), Tensor(in, 3))
	if err != nil {
		return nil, err
	}
	return Outs(y), nil
}

// fusedGemmKernel is Gemm (same attributes) followed by the activation.
func fusedGemmKernel(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	out, err := gemm(ctx, n, in)
	if err != nil {
		return nil, err
	}
	y, err := finishFused(n, Tensor(out, 0), nil)
	if err != nil {
		return nil, err
	}
	return Outs(y), nil
}

// fusedMatMulKernel is MatMul of the permuted operands, plus the bias
// along the last dim and the residual, then the activation and the
// result's permutation.
func fusedMatMulKernel(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	pa, pb, py, err := ir.FusedMatMulPerms(n)
	if err != nil {
		return nil, err
	}
	out, err := matMul(ctx, n, []ir.Data{permute(Tensor(in, 0), pa), permute(Tensor(in, 1), pb)})
	if err != nil {
		return nil, err
	}
	y, bias, z := Tensor(out, 0), Tensor(in, 2), Tensor(in, 3)
	if bias != nil && (bias.Rank() != 1 || y.Rank() == 0 || bias.Shape[0] != y.Shape[y.Rank()-1]) {
		return nil, fmt.Errorf("bias of shape %v does not match the last dim of %v", bias.Shape, y.Shape)
	}
	if z != nil && !slices.Equal(z.Shape, y.Shape) {
		return nil, fmt.Errorf("residual of shape %v is not the result's shape %v", z.Shape, y.Shape)
	}
	y, err = finishFused(n, y, bias, z)
	if err != nil {
		return nil, err
	}
	return Outs(permute(y, py)), nil
}

// softmaxNode is a Softmax over the last axis, for kernels that reuse the
// Softmax kernel.
var softmaxNode = &ir.Node{Op: "Softmax", Def: ir.LookupOp(ir.DefaultDomain, "Softmax"), Attrs: map[string]*ir.Attr{}}

// attentionKernel is Softmax(scale·Q·Kᵀ + Mask)·V with the MatMul and
// Softmax kernels.
func attentionKernel(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	q, k, v, mask := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2), Tensor(in, 3)
	if q.Rank() < 2 || k.Rank() < 2 || v.Rank() < 2 {
		return nil, fmt.Errorf("Q %v, K %v and V %v must have rank >= 2", q.Shape, k.Shape, v.Shape)
	}
	scale := 1 / math.Sqrt(float64(q.Shape[q.Rank()-1]))
	if n.Has("scale") {
		scale = float64(n.Float("scale"))
	}
	kt := transposeLast2(k)
	s, err := matMul(ctx, n, []ir.Data{q, kt})
	if err != nil {
		return nil, err
	}
	st := Tensor(s, 0)
	ss := st.Float64s()
	for i := range ss {
		ss[i] *= scale
	}
	if mask != nil {
		shape, err := ir.BroadcastDims(mask.Shape, st.Shape)
		if err != nil || !slices.Equal(shape, st.Shape) {
			return nil, fmt.Errorf("mask of shape %v does not broadcast to the scores %v", mask.Shape, st.Shape)
		}
		ms, idx := mask.Float64s(), BroadcastIndex(mask.Shape, st.Shape)
		for i := range ss {
			ss[i] += ms[idx[i]]
		}
	}
	p, err := softmaxKernel(softmaxRow)(ctx, softmaxNode, []ir.Data{FromFloat64s(st.DType, st.Shape, ss)})
	if err != nil {
		return nil, err
	}
	return matMul(ctx, n, []ir.Data{p[0], v})
}

// transposeLast2 swaps the last two dims of t.
func transposeLast2(t *ir.Tensor) *ir.Tensor {
	r := t.Rank()
	rows, cols := t.Shape[r-2], t.Shape[r-1]
	shape := slices.Clone(t.Shape)
	shape[r-2], shape[r-1] = cols, rows
	out := ir.Zeros(t.DType, shape)
	plane := rows * cols
	for b := 0; b < t.Len()/max(plane, 1); b++ {
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				out.SetFloat64At(b*plane+j*rows+i, t.Float64At(b*plane+i*cols+j))
			}
		}
	}
	return out
}

// elementwiseKernel runs a dlc.Elementwise program as the unfused
// reference kernels would: each instruction is its ONNX op's kernel on
// whole tensors, so the result is bitwise the unfused chain's.
func elementwiseKernel(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	prog, err := ir.ParseElemProgram(n.Strings("program"), len(n.Inputs))
	if err != nil {
		return nil, err
	}
	temps := make([]*ir.Tensor, len(prog))
	for i, inst := range prog {
		op, attrs := inst.Op, map[string]*ir.Attr{}
		var args []ir.Data
		for _, a := range inst.Args {
			switch a.Kind {
			case ir.ElemInput:
				args = append(args, Tensor(in, a.Index))
			case ir.ElemTemp:
				args = append(args, temps[a.Index])
			default:
				args = append(args, ir.Scalar(a.Value))
			}
		}
		if t, ok, err := whereInstr(ctx, op, args); ok {
			if err != nil {
				return nil, fmt.Errorf("instruction %d (%s): %w", i, inst, err)
			}
			temps[i] = t
			continue
		}
		switch op {
		case "Gelu", "GeluTanh":
			attrs["approximate"] = ir.StringAttr(map[string]string{"Gelu": "none", "GeluTanh": "tanh"}[op])
			op = "Gelu"
		case "LeakyRelu":
			attrs["alpha"] = ir.FloatAttr(inst.Params[0])
		case "HardSigmoid":
			attrs["alpha"], attrs["beta"] = ir.FloatAttr(inst.Params[0]), ir.FloatAttr(inst.Params[1])
		case "Clip", "Pow":
			for _, p := range inst.Params {
				args = append(args, ir.Scalar(p))
			}
		}
		k, def := Lookup(op), ir.LookupOp(ir.DefaultDomain, op)
		if k == nil || def == nil {
			return nil, fmt.Errorf("instruction %d: no kernel for %s", i, op)
		}
		out, err := k(ctx, &ir.Node{Op: op, Def: def, Attrs: attrs}, args)
		if err != nil {
			return nil, fmt.Errorf("instruction %d (%s): %w", i, inst, err)
		}
		temps[i] = Tensor(out, 0)
	}
	return Outs(temps[len(temps)-1]), nil
}
