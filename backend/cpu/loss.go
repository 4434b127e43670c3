package cpu

import (
	"math"

	"github.com/dlc-go/dlc/ir"
)

// SoftmaxCrossEntropyLoss on float32 scores [N, C] with int64 or int32
// targets [N], an optional float32 class weight [C], ignore_index and
// every reduction, and the optional log-probability output. Rows are
// computed in float64 like the reference (a batch of classifier outputs
// is small: one serial pass). A target outside [0, C) that is not
// ignored, which the reference reports as an error, makes the loss NaN
// (its element, under reduction none).

func init() {
	Register("SoftmaxCrossEntropyLoss", buildSCELoss)
}

type sceLossKernel struct {
	n, c      int
	reduction string
	ignore    int64
	hasIgnore bool
	weighted  bool
	row       []float64
}

func buildSCELoss(n *ir.Node, env *Env) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n, 1)
	if !ok || len(shapes[0]) != 2 || len(shapes[1]) != 1 || shapes[1][0] != shapes[0][0] {
		return nil
	}
	if dt := n.In(1).Type.DType; dt != ir.Int64 && dt != ir.Int32 {
		return nil
	}
	k := &sceLossKernel{n: shapes[0][0], c: shapes[0][1], reduction: n.Str("reduction"),
		ignore: n.Int("ignore_index"), hasIgnore: n.Has("ignore_index")}
	switch k.reduction {
	case "none", "sum", "mean":
	default:
		return nil
	}
	if w := n.In(2); w != nil {
		if len(shapes[2]) != 1 || shapes[2][0] != k.c {
			return nil
		}
		k.weighted = true
	}
	if _, ok := outShape(n, 0); !ok {
		return nil
	}
	if n.Out(1) != nil {
		if _, ok := outShape(n, 1); !ok {
			return nil
		}
	}
	k.row = make([]float64, k.c)
	return k
}

// Run computes the loss and, when asked for, the log-probabilities.
func (k *sceLossKernel) Run(in, out []*ir.Tensor) {
	x := f32(in[0])
	var w, lpOut []float32
	if k.weighted {
		w = f32(in[2])
	}
	if len(out) > 1 && out[1] != nil {
		lpOut = f32(out[1])
	}
	loss := f32(out[0])
	sum, wsum := 0.0, 0.0
	for i := range k.n {
		xr := x[i*k.c : (i+1)*k.c]
		m := math.Inf(-1)
		for _, v := range xr {
			m = max(m, float64(v))
		}
		s := 0.0
		for _, v := range xr {
			s += math.Exp(float64(v) - m)
		}
		lse := m + math.Log(s)
		for j, v := range xr {
			k.row[j] = float64(v) - lse
		}
		if lpOut != nil {
			for j, v := range k.row {
				lpOut[i*k.c+j] = float32(v)
			}
		}
		t := targetAt(in[1], i)
		l := 0.0
		switch {
		case k.hasIgnore && t == k.ignore:
		case t < 0 || t >= int64(k.c):
			l = math.NaN()
		default:
			wt := 1.0
			if w != nil {
				wt = float64(w[t])
			}
			l = -k.row[t] * wt
			wsum += wt
		}
		if k.reduction == "none" {
			loss[i] = float32(l)
		}
		sum += l
	}
	switch k.reduction {
	case "sum":
		loss[0] = float32(sum)
	case "mean":
		loss[0] = float32(sum / wsum)
	}
}

// targetAt reads element i of an int64 or int32 target tensor.
func targetAt(t *ir.Tensor, i int) int64 {
	if d, ok := t.Data.([]int64); ok {
		return d[i]
	}
	return int64(t.Data.([]int32)[i])
}
