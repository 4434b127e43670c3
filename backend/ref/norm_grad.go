package ref

import (
	"fmt"
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Reference kernels of dlc.BatchNormGrad and dlc.LayerNormGrad
// (ir/ops_fused_norm_grad.go), in float64: the statistics of X are
// recomputed as the forward kernels (norm.go) take them, then the
// gradient formula is applied as written.

func init() {
	Register("dlc.BatchNormGrad", batchNormGradKernel)
	Register("dlc.LayerNormGrad", layerNormGradKernel)
}

func batchNormGradKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, dy := Tensor(in, 0), Tensor(in, 1)
	if x.Rank() < 2 {
		return nil, fmt.Errorf("X has shape %v, want rank >= 2 (N x C x ...)", x.Shape)
	}
	c := x.Shape[1]
	scale, err := normChannelParam("Scale", Tensor(in, 2), c)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(dy.Shape, x.Shape) {
		return nil, fmt.Errorf("dY has shape %v, X %v", dy.Shape, x.Shape)
	}
	// Each element's group is its channel, which also picks its scale.
	group, _ := normGroups(x.Shape, func(d int) bool { return d != 1 })
	dx, ds, db := normGrad(x.Float64s(), dy.Float64s(), scale, group, c, group, float64(n.Float("epsilon")))
	return normGradOuts(n, x, []int{c}, dx, ds, db), nil
}

func layerNormGradKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, dy, s := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	axis, err := NormAxis(n.Int("axis"), x.Rank())
	if err != nil {
		return nil, err
	}
	norm := x.Shape[axis:]
	if !slices.Equal(s.Shape, norm) {
		return nil, fmt.Errorf("Scale has shape %v, want X's normalized dims %v", s.Shape, norm)
	}
	if !slices.Equal(dy.Shape, x.Shape) {
		return nil, fmt.Errorf("dY has shape %v, X %v", dy.Shape, x.Shape)
	}
	// Each row over the normalized dims is a group; element k takes the
	// scale at its position in the row.
	group, ng := normGroups(x.Shape, func(d int) bool { return d >= axis })
	size := max(s.Len(), 1)
	param := make([]int, len(group))
	for k := range param {
		param[k] = k % size
	}
	dx, ds, db := normGrad(x.Float64s(), dy.Float64s(), s.Float64s(), group, ng, param, float64(n.Float("epsilon")))
	return normGradOuts(n, x, norm, dx, ds, db), nil
}

// normGrad is the gradient of Y = X̂·scale + bias with X normalized per
// group (element k in group[k] of ng) by the group's mean and biased
// variance, and element k scaled by scale[param[k]]:
//
//	G = dY·scale, dX = invstd·(G - mean(G) - X̂·mean(G·X̂)),
//	dScale[p] = Σ dY·X̂, dBias[p] = Σ dY over the elements of parameter p.
func normGrad(xs, dys, scale []float64, group []int, ng int, param []int, eps float64) (dx, dScale, dBias []float64) {
	mean, variance := normMoments(xs, group, ng)
	inv := make([]float64, ng)
	for g := range inv {
		inv[g] = 1 / math.Sqrt(variance[g]+eps)
	}
	xhat := make([]float64, len(xs))
	for k, v := range xs {
		xhat[k] = (v - mean[group[k]]) * inv[group[k]]
	}
	count, sumG, sumGX := make([]float64, ng), make([]float64, ng), make([]float64, ng)
	dScale, dBias = make([]float64, len(scale)), make([]float64, len(scale))
	for k, d := range dys {
		g, p := group[k], param[k]
		count[g]++
		sumG[g] += d * scale[p]
		sumGX[g] += d * scale[p] * xhat[k]
		dScale[p] += d * xhat[k]
		dBias[p] += d
	}
	dx = make([]float64, len(xs))
	for k, d := range dys {
		g := group[k]
		dx[k] = inv[g] * (d*scale[param[k]] - sumG[g]/count[g] - xhat[k]*sumGX[g]/count[g])
	}
	return dx, dScale, dBias
}

// normGradOuts returns dX in X's dtype and shape and dScale and dBias of
// paramShape, for the output slots n has.
func normGradOuts(n *ir.Node, x *ir.Tensor, paramShape []int, dx, dScale, dBias []float64) []ir.Data {
	out := []ir.Data{FromFloat64s(x.DType, x.Shape, dx),
		FromFloat64s(x.DType, slices.Clone(paramShape), dScale),
		FromFloat64s(x.DType, slices.Clone(paramShape), dBias)}
	for i := range out {
		if n.Out(i) == nil {
			out[i] = nil
		}
	}
	return out[:len(n.Outputs)]
}
