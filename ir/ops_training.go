package ir

import "fmt"

// Optimizer operators of the preview training domain. Each takes the
// learning rate R and update count T (scalars), then n tensors to
// optimize, their n gradients and the optimizer's per-tensor state, and
// returns the n updated tensors followed by the updated state. Gradient
// (symbolic differentiation of a graph) is not declared: the importer
// expands it with train/autodiff (frontend/onnx/expand_gradient.go).

func init() {
	Register(
		&OpDef{Name: "Adagrad", Domain: TrainingDomain, Since: 1, MinInputs: 5, MaxInputs: -1, MinOutputs: 2, MaxOutputs: -1,
			Attrs: []AttrDef{OptFloat("decay_factor", 0), OptFloat("epsilon", 1e-6), OptFloat("norm_coefficient", 0)},
			Infer: inferOptimizer(3), NotDifferentiable: true,
			Doc: "Adagrad step on X..., G..., H...: r = R/(1+T*decay), g = G + norm*X, H' = H + g², X' = X - r*g/(sqrt(H')+eps); returns X'..., H'..."},
		&OpDef{Name: "Adam", Domain: TrainingDomain, Since: 1, MinInputs: 6, MaxInputs: -1, MinOutputs: 3, MaxOutputs: -1,
			Attrs: []AttrDef{OptFloat("alpha", 0.9), OptFloat("beta", 0.999), OptFloat("epsilon", 1e-6),
				OptFloat("norm_coefficient", 0), OptFloat("norm_coefficient_post", 0)},
			Infer: inferOptimizer(4), NotDifferentiable: true,
			Doc: "Adam step on X..., G..., V..., H...: g = G + norm*X, V' = αV + (1-α)g, H' = βH + (1-β)g², X' = (1-norm_post)(X - R' V'/(sqrt(H')+eps)) with R' bias-corrected when T > 0; returns X'..., V'..., H'..."},
		&OpDef{Name: "Momentum", Domain: TrainingDomain, Since: 1, MinInputs: 5, MaxInputs: -1, MinOutputs: 2, MaxOutputs: -1,
			Attrs: []AttrDef{ReqAttr("alpha", AttrFloat), ReqAttr("beta", AttrFloat), ReqAttr("mode", AttrString),
				ReqAttr("norm_coefficient", AttrFloat)},
			Infer: inferOptimizer(3), NotDifferentiable: true,
			Doc: "SGD with momentum on X..., G..., V...: g = G + norm*X, V' = αV + β'g (β' = 1 when T = 0), X' = X - R V' (standard) or X - R(g + αV') (nesterov); returns X'..., V'..."},
	)
}

// inferOptimizer types the outputs of an optimizer whose inputs after R
// and T form `groups` groups of n tensors (X, G, then the state). The
// outputs are the same groups without G, so each output takes the type of
// the input it updates.
func inferOptimizer(groups int) func(*Node) error {
	return func(n *Node) error {
		per := (len(n.Inputs) - 2) / groups
		if per*groups != len(n.Inputs)-2 {
			return fmt.Errorf("the %d inputs after R and T must form %d groups of equal size", len(n.Inputs)-2, groups)
		}
		for o := range n.Outputs {
			group, i := o/max(per, 1), o%max(per, 1)
			if group > 0 {
				group++ // skip the gradients
			}
			n.SetOut(o, n.InType(2+group*per+i))
		}
		return nil
	}
}
