package loss

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// BCEWithLogits is nn.BCEWithLogitsLoss: binary cross-entropy of
// sigmoid(x) against targets y in [0, 1], computed from the logits x in
// the stable form
//
//	max(x, 0) - x·y + log(1 + e^-|x|)
//
// and, with PosWeight p (broadcast along the last axis, one weight per
// class as in PyTorch), (1 - y)·x + (1 + (p - 1)·y)·softplus(-x), where
// softplus(-x) = max(-x, 0) + log(1 + e^-|x|).
type BCEWithLogits struct {
	PosWeight []float64 // nil: no positive weighting
	Reduction Reduction
}

// Append implements Loss. pred holds logits; target has its dtype and
// broadcasts to it.
func (l BCEWithLogits) Append(g *ir.Graph, pred, target *ir.Value, fresh func(string) string) (*ir.Value, error) {
	const name = "BCEWithLogits"
	e, err := elementwise(name, g, pred, target, fresh)
	if err != nil {
		return nil, err
	}
	// log(1 + e^-|x|) is Softplus of a non-positive argument: no overflow.
	tail := e.op("Softplus", nil, e.op("Neg", nil, e.op("Abs", nil, pred)))
	if l.PosWeight == nil {
		per := e.add(e.sub(e.op("Relu", nil, pred), e.mul(pred, target)), tail)
		return e.finish(name, per, l.Reduction)
	}
	dims := pred.Type.Shape.Dims
	if len(dims) == 0 || (dims[len(dims)-1].Known() && dims[len(dims)-1].Size != int64(len(l.PosWeight))) {
		return nil, fmt.Errorf("%s: PosWeight has %d entries, prediction %q is %s: want one per entry of the last axis",
			name, len(l.PosWeight), pred.Name, pred.Type)
	}
	pm1 := make([]float64, len(l.PosWeight))
	for i, p := range l.PosWeight {
		pm1[i] = p - 1
	}
	logWeight := e.add(e.mul(e.floats([]int{len(pm1)}, pm1...), target), e.scalar(1))
	spNeg := e.add(e.op("Relu", nil, e.op("Neg", nil, pred)), tail)
	per := e.add(e.mul(e.sub(e.scalar(1), target), pred), e.mul(logWeight, spNeg))
	return e.finish(name, per, l.Reduction)
}
