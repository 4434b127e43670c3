package ir

import "fmt"

// The gradients of training-mode BatchNormalization and of
// LayerNormalization as one node each. The rules of grad_norm.go emit
// them where the shapes allow, in place of a dozen reductions and
// elementwise nodes; a kernel recomputes the statistics of X (the forward
// ops do not keep them) and makes the three passes the formula needs.
// With X̂ = (X - mean)·invstd, invstd = 1/sqrt(var + epsilon), var the
// biased variance, and G = dY·Scale:
//
//	dX = invstd·(G - mean(G) - X̂·mean(G·X̂)),  dScale = Σ dY·X̂,  dBias = Σ dY
//
// with the means over the normalized elements and the sums over the rest.

func init() {
	Register(
		&OpDef{Name: "BatchNormGrad", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 3,
			Attrs: []AttrDef{OptFloat("epsilon", 1e-5)},
			Infer: inferBatchNormGrad,
			Doc: "dX, dScale, dBias of a training-mode BatchNormalization from its input X [N,C,...], output gradient dY " +
				"and Scale [C]: X normalized per channel with its batch mean and biased variance over every axis but 1, " +
				"dX = invstd·(G - mean(G) - X̂·mean(G·X̂)) for G = dY·Scale, dScale = Σ dY·X̂ and dBias = Σ dY per channel"},
		&OpDef{Name: "LayerNormGrad", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 3,
			Attrs: []AttrDef{OptInt("axis", -1), OptFloat("epsilon", 1e-5)},
			Infer: inferLayerNormGrad,
			Doc: "dX, dScale, dBias of a LayerNormalization from its input X, output gradient dY and Scale of the shape of " +
				"X's dims [axis, rank): each row over those dims normalized with its mean and biased variance, " +
				"dX = invstd·(G - mean(G) - X̂·mean(G·X̂)) for G = dY·Scale, dScale = Σ dY·X̂ and dBias = Σ dY over the leading dims"},
	)
}

// normGradTypes checks what both gradient ops share: X, dY and Scale of
// one float dtype, dY of X's shape. It returns X's type merged with dY's.
func normGradTypes(n *Node) (Type, error) {
	xt := n.InType(0)
	dt := xt.DType
	for i, name := range []string{"X", "dY", "Scale"} {
		t := n.InType(i)
		if t.Kind != TensorKind {
			return xt, fmt.Errorf("%s is not a tensor", name)
		}
		switch {
		case t.DType == Undefined:
		case !t.DType.IsFloat():
			return xt, fmt.Errorf("%s is %s, want a float type", name, t.DType)
		case dt == Undefined:
			dt = t.DType
		case t.DType != dt:
			return xt, fmt.Errorf("%s is %s, X %s: want one dtype", name, t.DType, dt)
		}
	}
	t, err := MergeTypes(xt, n.InType(1))
	if err != nil {
		return xt, fmt.Errorf("dY does not match X: %w", err)
	}
	t.DType = dt
	return t, nil
}

// inferBatchNormGrad: dX has X's type, dScale and dBias are [C].
func inferBatchNormGrad(n *Node) error {
	xt, err := normGradTypes(n)
	if err != nil {
		return err
	}
	param := TensorType(xt.DType, Shape{Ranked: true, Dims: []Dim{Unknown()}})
	if r := xt.Shape.Rank(); r >= 0 {
		if r < 2 {
			return fmt.Errorf("X has rank %d, want >= 2 (N x C x ...)", r)
		}
		param.Shape.Dims[0] = xt.Shape.Dims[1]
	}
	st := n.InType(2).Shape
	if st.Ranked && st.Rank() != 1 {
		return fmt.Errorf("Scale has shape %s, want [C]", st)
	}
	merged, err := MergeTypes(param, TensorType(xt.DType, st))
	if err != nil {
		return fmt.Errorf("Scale does not have X's channel count: %w", err)
	}
	n.SetOut(0, xt)
	n.SetOut(1, merged)
	n.SetOut(2, merged)
	return nil
}

// inferLayerNormGrad: dX has X's type; dScale and dBias have the shape of
// X's normalized dims, which Scale must have.
func inferLayerNormGrad(n *Node) error {
	xt, err := normGradTypes(n)
	if err != nil {
		return err
	}
	st := n.InType(2).Shape
	param := TensorType(xt.DType, st)
	if r := xt.Shape.Rank(); r >= 0 {
		axis := normAxisDecl(n.Int("axis"), r)
		if axis < 0 {
			return fmt.Errorf("axis %d out of range for X of rank %d", n.Int("axis"), r)
		}
		norm := TensorType(xt.DType, Shape{Ranked: true, Dims: append([]Dim{}, xt.Shape.Dims[axis:]...)})
		if param, err = MergeTypes(norm, param); err != nil {
			return fmt.Errorf("Scale has shape %s, want X's normalized dims %s", st, norm.Shape)
		}
	}
	n.SetOut(0, xt)
	n.SetOut(1, param)
	n.SetOut(2, param)
	return nil
}
