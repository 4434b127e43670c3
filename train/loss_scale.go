package train

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Dynamic loss scaling (Micikevicius et al., "Mixed precision training",
// 2018) for fp16: the loss is multiplied by a scale S before
// differentiation so that small gradients survive half precision's
// underflow; the gradients are divided by S before the update. A step
// whose gradients overflowed (some are Inf or NaN) is skipped and S
// halves; after Interval good steps in a row S doubles. The defaults are
// PyTorch's GradScaler's.
type LossScaling struct {
	Init     float64 // first scale (default 65536)
	Growth   float64 // factor after Interval good steps (default 2)
	Backoff  float64 // factor after an overflow (default 0.5)
	Interval int     // good steps before growing (default 2000)
}

// withDefaults fills the zero fields.
func (ls LossScaling) withDefaults() LossScaling {
	if ls.Init == 0 {
		ls.Init = 65536
	}
	if ls.Growth == 0 {
		ls.Growth = 2
	}
	if ls.Backoff == 0 {
		ls.Backoff = 0.5
	}
	if ls.Interval == 0 {
		ls.Interval = 2000
	}
	return ls
}

// LossScaleState is where dynamic loss scaling stands: checkpoints keep
// it so that a resumed run scales as an uninterrupted one does.
type LossScaleState struct {
	Scale float64
	// Good counts the steps since the scale last changed or overflowed.
	Good int
	// Skipped counts the steps skipped for overflow over the whole run.
	Skipped int
}

// Names of the loss-scaling input and of the step output that is finite
// exactly when every unscaled gradient is.
const (
	inLossScale  = "loss_scale"
	outGradCheck = "grad_check"
)

// scaleLoss returns the loss multiplied by a new scalar input holding the
// scale: the value to differentiate.
func scaleLoss(g *ir.Graph, lossV *ir.Value, fresh func(string) string) (*ir.Value, error) {
	s := g.AddInput(inLossScale, ir.TensorType(lossV.Type.DType, ir.ShapeOf()))
	n, err := g.AddNode(ir.NodeSpec{Op: "Mul", Inputs: []*ir.Value{lossV, s}, Outputs: []string{fresh("scaled_loss")}})
	if err != nil {
		return nil, err
	}
	return n.Outputs[0], nil
}

// unscaleGradients divides each gradient by the loss scale and returns
// them with a scalar that is finite exactly when they all are (the sum of
// their elements: an Inf or NaN anywhere makes it non-finite; finite
// gradients large enough to overflow the sum count as an overflow too).
func unscaleGradients(g *ir.Graph, grads []*ir.Value, fresh func(string) string) ([]*ir.Value, *ir.Value, error) {
	s := graphInput(g, inLossScale)
	if s == nil {
		return nil, nil, fmt.Errorf("loss scaling: no %q input", inLossScale)
	}
	add := func(op string, attrs map[string]*ir.Attr, name string, in ...*ir.Value) (*ir.Value, error) {
		n, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{fresh(name)}, Attrs: attrs})
		if err != nil {
			return nil, fmt.Errorf("loss scaling: %w", err)
		}
		return n.Outputs[0], nil
	}
	inv, err := add("Reciprocal", nil, "inv_loss_scale", s)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*ir.Value, len(grads))
	var check *ir.Value
	for i, gr := range grads {
		if out[i], err = add("Mul", nil, "unscaled_grad", gr, inv); err != nil {
			return nil, nil, err
		}
		sum, err := add("ReduceSum", map[string]*ir.Attr{"keepdims": ir.IntAttr(0)}, "grad_sum", out[i])
		if err != nil {
			return nil, nil, err
		}
		if check == nil {
			check = sum
		} else if check, err = add("Add", nil, "grad_sum", check, sum); err != nil {
			return nil, nil, err
		}
	}
	return out, check, nil
}

// afterStep updates the scaling state with whether the step's gradients
// were finite; it reports whether the step's update is to be kept.
func (st *LossScaleState) afterStep(ls LossScaling, finite bool) bool {
	if !finite {
		st.Scale *= ls.Backoff
		st.Good = 0
		st.Skipped++
		return false
	}
	st.Good++
	if st.Good >= ls.Interval {
		st.Scale *= ls.Growth
		st.Good = 0
	}
	return true
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
