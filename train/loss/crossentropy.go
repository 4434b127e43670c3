package loss

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// CrossEntropy is nn.CrossEntropyLoss over logits [N, C] and integer class
// labels [N]. The zero value is PyTorch's default loss without an ignored
// label.
//
// With log-probabilities lp = LogSoftmax(logits) along the class axis,
// one-hot labels h, class weights w (all 1 when nil) and smoothing ε, the
// loss of row i is
//
//	-Σ_c w[c]·((1-ε)·h[i,c] + ε/C)·lp[i,c]
//
// Mean divides the sum over rows by N, or, with Weights, by Σ_i w[y_i]
// (PyTorch's weighted mean, smoothing term included). Rows whose label is
// IgnoreIndex count neither in the sum nor in the divisor; if every row is
// ignored the mean is NaN, as in PyTorch. A label outside [0, C) that is
// not ignored gives a zero one-hot row rather than an error (PyTorch
// raises).
type CrossEntropy struct {
	LabelSmoothing float64   // ε in [0, 1]
	Weights        []float64 // one per class, or nil
	IgnoreIndex    *int64    // label value to skip, or nil for none
	Reduction      Reduction
}

// Append implements Loss. pred is the float logits [N, C] with C known
// when the graph is built; target holds int32 or int64 labels [N].
func (l CrossEntropy) Append(g *ir.Graph, pred, target *ir.Value, fresh func(string) string) (*ir.Value, error) {
	const name = "CrossEntropy"
	if err := checkFloat(name, "logits", pred); err != nil {
		return nil, err
	}
	if pred.Type.Shape.Rank() != 2 || !pred.Type.Shape.Dims[1].Known() {
		return nil, fmt.Errorf("%s: logits %q are %s, want [N, C] with C known", name, pred.Name, pred.Type)
	}
	if target == nil || target.Type.Kind != ir.TensorKind || (target.Type.DType != ir.Int64 && target.Type.DType != ir.Int32) ||
		target.Type.Shape.Rank() != 1 {
		return nil, fmt.Errorf("%s: labels must be an int64 or int32 tensor [N], got %v", name, target)
	}
	if l.LabelSmoothing < 0 || l.LabelSmoothing > 1 {
		return nil, fmt.Errorf("%s: LabelSmoothing is %v, must be in [0, 1]", name, l.LabelSmoothing)
	}
	classes := int(pred.Type.Shape.Dims[1].Size)
	if l.Weights != nil && len(l.Weights) != classes {
		return nil, fmt.Errorf("%s: %d class weights for %d classes (logits %q)", name, len(l.Weights), classes, pred.Name)
	}
	if fresh == nil {
		return nil, fmt.Errorf("%s: no name generator (fresh is nil)", name)
	}
	e := &emitter{g: g, fresh: fresh, dt: pred.Type.DType}

	lp := e.op("LogSoftmax", map[string]*ir.Attr{"axis": ir.IntAttr(1)}, pred)
	col := e.op("Reshape", nil, target, e.ints(-1, 1)) // [N, 1]
	hot := e.cast(e.op("Equal", nil, col, e.labelConst(target.Type.DType, classRange(classes)...)))
	coef := hot // [N, C]: the target distribution before weights
	if eps := l.LabelSmoothing; eps != 0 {
		coef = e.add(e.mul(hot, e.scalar(1-eps)), e.scalar(eps/float64(classes)))
	}
	var rowWeight *ir.Value // [N, 1]: w[y_i] (times valid), nil when 1
	if l.Weights != nil {
		w := e.floats([]int{classes}, l.Weights...)
		coef = e.mul(coef, w)
		rowWeight = e.reduce("ReduceSum", e.mul(hot, w), true, 1)
	}
	if l.IgnoreIndex != nil {
		valid := e.cast(e.op("Not", nil, e.op("Equal", nil, col, e.labelConst(target.Type.DType, *l.IgnoreIndex))))
		coef = e.mul(coef, valid)
		if rowWeight == nil {
			rowWeight = valid
		} else {
			rowWeight = e.mul(rowWeight, valid)
		}
	}
	rows := e.op("Neg", nil, e.reduce("ReduceSum", e.mul(coef, lp), false, 1)) // [N]
	switch {
	case l.Reduction == Mean && rowWeight != nil:
		return e.done(name, e.div(e.reduce("ReduceSum", rows, false), e.reduce("ReduceSum", rowWeight, false)))
	default:
		return e.finish(name, rows, l.Reduction)
	}
}

// cast converts a bool mask to e.dt.
func (e *emitter) cast(v *ir.Value) *ir.Value {
	return e.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(e.dt))}, v)
}

// labelConst is a rank-1 constant of the labels' integer dtype.
func (e *emitter) labelConst(dt ir.DType, xs ...int64) *ir.Value {
	t := ir.Zeros(dt, []int{len(xs)})
	for i, x := range xs {
		t.SetInt64At(i, x)
	}
	return e.g.AddInit(e.fresh("loss_const"), t)
}

func classRange(n int) []int64 {
	r := make([]int64, n)
	for i := range r {
		r[i] = int64(i)
	}
	return r
}
