// Package loss appends training losses to an IR graph. Each loss is built
// from ordinary IR ops that have gradient rules (LogSoftmax, Mul,
// ReduceSum, Abs, Min, Relu, Softplus, ...), so train/autodiff can
// differentiate it and the backward graph runs on the same runtime as the
// forward one. Integer label paths (the one-hot mask of cross-entropy) use
// ops without gradients, but no gradient flows through them.
//
// # Semantics
//
// Every loss follows the PyTorch module of the same name (nn.CrossEntropyLoss,
// nn.BCEWithLogitsLoss, nn.MSELoss, nn.L1Loss, nn.HuberLoss), with mean or
// sum reduction; the result is a scalar (shape []) of the prediction's
// dtype. Constants (weights, smoothing, delta) are baked into the graph as
// initializers in that dtype.
package loss

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Loss appends the nodes computing a scalar loss of a prediction against
// a target to g and returns the loss value. fresh returns an unused value
// name for a base (as for autodiff.Gradients).
type Loss interface {
	Append(g *ir.Graph, pred, target *ir.Value, fresh func(string) string) (*ir.Value, error)
}

// Reduction is how per-element losses become one scalar.
type Reduction int

const (
	// Mean averages (PyTorch's default; cross-entropy with class weights
	// divides by the summed weights of the targets instead).
	Mean Reduction = iota
	// Sum adds.
	Sum
)

// checkFloat reports a value that is not a float tensor of known rank.
func checkFloat(loss, role string, v *ir.Value) error {
	if v == nil {
		return fmt.Errorf("%s: %s is missing", loss, role)
	}
	t := v.Type
	if t.Kind != ir.TensorKind || !t.DType.IsFloat() || !t.Shape.Ranked {
		return fmt.Errorf("%s: %s %q must be a float tensor of known rank, it is %s", loss, role, v.Name, t)
	}
	return nil
}

// elementwise checks a prediction and target of the same float dtype and
// returns an emitter for them.
func elementwise(name string, g *ir.Graph, pred, target *ir.Value, fresh func(string) string) (*emitter, error) {
	if err := checkFloat(name, "prediction", pred); err != nil {
		return nil, err
	}
	if err := checkFloat(name, "target", target); err != nil {
		return nil, err
	}
	if pred.Type.DType != target.Type.DType {
		return nil, fmt.Errorf("%s: target %q is %s, prediction %q is %s", name, target.Name, target.Type.DType, pred.Name, pred.Type.DType)
	}
	if fresh == nil {
		return nil, fmt.Errorf("%s: no name generator (fresh is nil)", name)
	}
	return &emitter{g: g, fresh: fresh, dt: pred.Type.DType}, nil
}
