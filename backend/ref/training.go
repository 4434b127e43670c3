package ref

import (
	"fmt"
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Optimizer kernels of the preview training domain. Each updates n
// tensors elementwise; the arithmetic is done in float64 and rounded to
// the tensors' dtype.

func init() {
	Register(ir.OpKey(ir.TrainingDomain, "Adagrad"), adagradKernel)
	Register(ir.OpKey(ir.TrainingDomain, "Adam"), adamKernel)
	Register(ir.OpKey(ir.TrainingDomain, "Momentum"), momentumKernel)
}

// optimizerArgs splits an optimizer's inputs: the scalars R and T, then
// `groups` groups of n tensors, each tensor of a column sharing X's shape.
func optimizerArgs(in []ir.Data, groups int) (r float64, t int64, cols [][]*ir.Tensor, err error) {
	rt, tt := Tensor(in, 0), Tensor(in, 1)
	if rt.Len() != 1 || !rt.DType.IsFloat() {
		return 0, 0, nil, fmt.Errorf("R must be a float scalar, is %s", rt)
	}
	if t, err = scalarInt(tt, "T"); err != nil {
		return 0, 0, nil, err
	}
	rest := len(in) - 2
	if rest < groups || rest%groups != 0 {
		return 0, 0, nil, fmt.Errorf("the %d inputs after R and T do not form %d equal groups", rest, groups)
	}
	n := rest / groups
	cols = make([][]*ir.Tensor, n)
	for i := range cols {
		for g := 0; g < groups; g++ {
			x := Tensor(in, 2+g*n+i)
			if x == nil {
				return 0, 0, nil, fmt.Errorf("input %d is missing", 2+g*n+i)
			}
			if g > 0 && (!slices.Equal(x.Shape, cols[i][0].Shape) || x.DType != cols[i][0].DType) {
				return 0, 0, nil, fmt.Errorf("input %d is %s, the tensor it goes with is %s", 2+g*n+i, x, cols[i][0])
			}
			if !x.DType.IsFloat() {
				return 0, 0, nil, fmt.Errorf("input %d has dtype %s, want a float type", 2+g*n+i, x.DType)
			}
			cols[i] = append(cols[i], x)
		}
	}
	return rt.Float64At(0), t, cols, nil
}

// optimize runs step on every element of every column. step reads the
// column's input values (X, G, state...) and returns the updated values
// (X', state'...), which land in output group k at the column's slot.
func optimize(cols [][]*ir.Tensor, nOut int, step func(vals, upd []float64)) []ir.Data {
	n := len(cols)
	res := make([]ir.Data, nOut*n)
	for i, col := range cols {
		outs := make([]*ir.Tensor, nOut)
		for k := range outs {
			outs[k] = ir.Zeros(col[0].DType, col[0].Shape)
			res[k*n+i] = outs[k]
		}
		vals := make([]float64, len(col))
		upd := make([]float64, nOut)
		for e := 0; e < col[0].Len(); e++ {
			for g, t := range col {
				vals[g] = t.Float64At(e)
			}
			step(vals, upd)
			for k, t := range outs {
				t.SetFloat64At(e, upd[k])
			}
		}
	}
	return res
}

func adagradKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	r, t, cols, err := optimizerArgs(in, 3)
	if err != nil {
		return nil, err
	}
	decay, eps, norm := float64(n.Float("decay_factor")), float64(n.Float("epsilon")), float64(n.Float("norm_coefficient"))
	rate := r / (1 + float64(t)*decay)
	return optimize(cols, 2, func(v, upd []float64) {
		x, g, h := v[0], v[1], v[2]
		g += norm * x
		h += g * g
		upd[0] = x - rate*g/(math.Sqrt(h)+eps)
		upd[1] = h
	}), nil
}

func adamKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	r, t, cols, err := optimizerArgs(in, 4)
	if err != nil {
		return nil, err
	}
	alpha, beta := float64(n.Float("alpha")), float64(n.Float("beta"))
	eps, norm, post := float64(n.Float("epsilon")), float64(n.Float("norm_coefficient")), float64(n.Float("norm_coefficient_post"))
	rate := r
	if t > 0 {
		// Bias correction of both moments, folded into the rate.
		rate = r * math.Sqrt(1-math.Pow(beta, float64(t))) / (1 - math.Pow(alpha, float64(t)))
	}
	return optimize(cols, 3, func(v, upd []float64) {
		x, g, m, h := v[0], v[1], v[2], v[3]
		g += norm * x
		m = alpha*m + (1-alpha)*g
		h = beta*h + (1-beta)*g*g
		x -= rate * m / (math.Sqrt(h) + eps)
		upd[0], upd[1], upd[2] = (1-post)*x, m, h
	}), nil
}

func momentumKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	r, t, cols, err := optimizerArgs(in, 3)
	if err != nil {
		return nil, err
	}
	alpha, beta, norm := float64(n.Float("alpha")), float64(n.Float("beta")), float64(n.Float("norm_coefficient"))
	if t == 0 {
		beta = 1 // the first step takes the whole gradient
	}
	mode := n.Str("mode")
	if mode != "standard" && mode != "nesterov" {
		return nil, fmt.Errorf("mode %q: want standard or nesterov", mode)
	}
	return optimize(cols, 2, func(v, upd []float64) {
		x, g, m := v[0], v[1], v[2]
		g += norm * x
		m = alpha*m + beta*g
		if mode == "nesterov" {
			x -= r * (g + alpha*m)
		} else {
			x -= r * m
		}
		upd[0], upd[1] = x, m
	}), nil
}
