package ref

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.

func init() {
	Register("NegativeLogLikelihoodLoss", nllLossKernel)
	Register("SoftmaxCrossEntropyLoss", sceLossKernel)
}

func nllLossKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	loss, err := lossNLL(n, x.Float64s(), x.Shape, x.DType, Tensor(in, 1), Tensor(in, 2))
	if err != nil {
		return nil, err
	}
	return Outs(loss), nil
}

// sceLossKernel is NLL of LogSoftmax(scores) along axis 1.
func sceLossKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if x.Rank() < 2 {
		return nil, fmt.Errorf("scores have shape %v, want rank >= 2 (N x C x ...)", x.Shape)
	}
	outer, c, inner := softmaxSplit(x.Shape, 1)
	xs := x.Float64s()
	lp := make([]float64, len(xs))
	xr, yr := make([]float64, c), make([]float64, c)
	for o := range outer {
		for i := range inner {
			base := o*c*inner + i
			for k := range c {
				xr[k] = xs[base+k*inner]
			}
			logSoftmaxRow(xr, yr)
			for k := range c {
				lp[base+k*inner] = yr[k]
			}
		}
	}
	loss, err := lossNLL(n, lp, x.Shape, x.DType, Tensor(in, 1), Tensor(in, 2))
	if err != nil {
		return nil, err
	}
	return Outs(loss, FromFloat64s(x.DType, x.Shape, lp))[:len(n.Outputs)], nil
}

// lossNLL computes the negative log-likelihood loss of log-probabilities
// lp of shape [N, C, d1..dk] (dtype dt) for target of shape [N, d1..dk]
// with optional per-class weight of shape [C], applying the node's
// ignore_index and reduction.
func lossNLL(n *ir.Node, lp []float64, shape []int, dt ir.DType, target, weight *ir.Tensor) (*ir.Tensor, error) {
	if len(shape) < 2 {
		return nil, fmt.Errorf("input has shape %v, want rank >= 2 (N x C x ...)", shape)
	}
	c := shape[1]
	want := append([]int{shape[0]}, shape[2:]...)
	if !slices.Equal(target.Shape, want) {
		return nil, fmt.Errorf("target has shape %v, want %v for input shape %v", target.Shape, want, shape)
	}
	var w []float64
	if weight != nil {
		if weight.Rank() != 1 || weight.Shape[0] != c {
			return nil, fmt.Errorf("weight has shape %v, want [%d]", weight.Shape, c)
		}
		w = weight.Float64s()
	}
	ignore, hasIgnore := n.Int("ignore_index"), n.Has("ignore_index")
	inner := 1
	for _, d := range shape[2:] {
		inner *= d
	}
	loss := make([]float64, target.Len())
	wsum := 0.0
	for k := range loss {
		t := target.Int64At(k)
		if hasIgnore && t == ignore {
			continue // zero loss and zero weight
		}
		if t < 0 || t >= int64(c) {
			return nil, fmt.Errorf("target value %d at %d is outside [0, %d)", t, k, c)
		}
		wt := 1.0
		if w != nil {
			wt = w[t]
		}
		nIdx, d := k/inner, k%inner
		loss[k] = -lp[(nIdx*c+int(t))*inner+d] * wt
		wsum += wt
	}
	switch red := n.Str("reduction"); red {
	case "none":
		return FromFloat64s(dt, target.Shape, loss), nil
	case "sum", "mean":
		s := 0.0
		for _, v := range loss {
			s += v
		}
		if red == "mean" {
			// Weighted mean: divide by the weights applied, so ignored
			// elements count for nothing (ONNX's definition).
			s /= wsum
		}
		return FromFloat64s(dt, nil, []float64{s}), nil
	default:
		return nil, fmt.Errorf("unknown reduction %q (want none, sum or mean)", red)
	}
}
