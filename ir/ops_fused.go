package ir

import (
	"fmt"
	"slices"
)

// FusedDomain holds dlc's own fused operators, which the optimization
// passes (package passes) produce from ONNX patterns. They are not ONNX
// ops: the exporter writes them under this custom domain, and the
// conformance tables (gen_type_constraints.go) do not list them.
const FusedDomain = "dlc"

// Activations are the names of the activation attribute of the fused ops
// ("" is none), with the meaning of activation_alpha and activation_beta
// for each: Clip takes min and max, LeakyRelu its alpha, HardSigmoid its
// alpha and beta; GeluTanh is Gelu's tanh approximation and Silu is
// x*sigmoid(x).
var Activations = []string{"", "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish",
	"Gelu", "GeluTanh", "Silu", "HardSigmoid"}

// activationAttrs declares the attributes every fused op takes to apply an
// activation to its result.
func activationAttrs() []AttrDef {
	return []AttrDef{OptString("activation", ""), OptFloat("activation_alpha", 0), OptFloat("activation_beta", 0)}
}

func checkActivation(n *Node) error {
	if a := n.Str("activation"); !slices.Contains(Activations, a) {
		return fmt.Errorf("unknown activation %q", a)
	}
	return nil
}

// withActivation wraps an Infer with the check of the activation name.
func withActivation(inf func(*Node) error) func(*Node) error {
	return func(n *Node) error {
		if err := checkActivation(n); err != nil {
			return err
		}
		return inf(n)
	}
}

func init() {
	Register(
		&OpDef{Name: "FusedConv", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: append(convAttrs(), activationAttrs()...),
			Infer: withActivation(inferFusedConv),
			Doc:   "Y = act(Conv(X, W, B) + Z): ONNX Conv with optional bias B [M] and residual Z of Y's shape, then the activation"},
		&OpDef{Name: "FusedGemm", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: append([]AttrDef{OptFloat("alpha", 1), OptFloat("beta", 1), OptInt("transA", 0), OptInt("transB", 0)},
				activationAttrs()...),
			Infer: withActivation(inferGemm),
			Doc:   "Y = act(alpha * A' * B' + beta * C): ONNX Gemm, then the activation"},
		&OpDef{Name: "FusedMatMul", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: activationAttrs(),
			Infer: withActivation(inferFusedMatMul),
			Doc:   "Y = act(MatMul(A, B) + Bias): numpy matmul plus an optional bias of Y's last dim, then the activation"},
		&OpDef{Name: "Attention", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 3, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptAttr("scale", AttrFloat)},
			Infer: inferAttention,
			Doc:   "Y = Softmax(scale * Q Kᵀ + Mask, last axis) V for Q [..., S, D], K [..., T, D], V [..., T, Dv], additive Mask; scale defaults to 1/sqrt(D)"},
	)
}

func inferFusedConv(n *Node) error {
	if err := inferConv(0, 1, Undefined, false)(n); err != nil {
		return err
	}
	if z, y := n.In(3), n.Out(0); z != nil && y != nil {
		t, err := MergeTypes(y.Type, TensorType(y.Type.DType, z.Type.Shape))
		if err != nil {
			return fmt.Errorf("residual Z: %w", err)
		}
		y.Type = t
	}
	return nil
}

func inferFusedMatMul(n *Node) error {
	if err := inferMatMul(0, 1, Undefined, 0)(n); err != nil {
		return err
	}
	b, y := n.In(2), n.Out(0)
	if b == nil || y == nil {
		return nil
	}
	if b.Type.Shape.Rank() > 1 {
		return fmt.Errorf("bias must be 1-D, got %s", b.Type.Shape)
	}
	if r := y.Type.Shape.Rank(); r >= 1 && b.Type.Shape.Rank() == 1 {
		last, bd := y.Type.Shape.Dims[r-1], b.Type.Shape.Dims[0]
		if last.Known() && bd.Known() && last.Size != bd.Size {
			return fmt.Errorf("bias has %d elements, the last dim of Y is %d", bd.Size, last.Size)
		}
	}
	return nil
}

// inferAttention: Y has Q's shape with the last dim replaced by V's, batch
// dims broadcast across Q, K and V.
func inferAttention(n *Node) error {
	q, k, v := n.InType(0), n.InType(1), n.InType(2)
	if q.Shape.Rank() == 0 || q.Shape.Rank() == 1 || k.Shape.Rank() == 1 || v.Shape.Rank() == 1 {
		return fmt.Errorf("Q, K and V must have rank >= 2")
	}
	// Q Kᵀ has the matmul shape of Q and K with K's last two dims swapped;
	// the product with V then gives the output shape.
	kt := k.Shape
	if kt.Ranked && len(kt.Dims) >= 2 {
		d := slices.Clone(kt.Dims)
		d[len(d)-1], d[len(d)-2] = d[len(d)-2], d[len(d)-1]
		kt = Shape{Ranked: true, Dims: d}
	}
	s, err := MatMulShape(q.Shape, kt)
	if err != nil {
		return err
	}
	out, err := MatMulShape(s, v.Shape)
	if err != nil {
		return err
	}
	n.SetOut(0, TensorType(q.DType, out))
	return nil
}
