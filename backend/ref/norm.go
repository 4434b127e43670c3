package ref

import (
	"fmt"
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Normalization kernels: BatchNormalization, InstanceNormalization,
// LayerNormalization, GroupNormalization and MeanVarianceNormalization.
// All compute in float64. Statistics are population moments (divide by the
// element count), as ONNX defines them.

func init() {
	Register("BatchNormalization", batchNormKernel)
	Register("InstanceNormalization", instanceNormKernel)
	Register("LayerNormalization", layerNormKernel)
	Register("GroupNormalization", groupNormKernel)
	Register("MeanVarianceNormalization", mvnKernel)
}

// normGroups maps every element of a tensor of the given shape to the
// flat index of its slice in the shape with the reduced dims dropped, and
// returns the number of such slices.
func normGroups(shape []int, reduced func(d int) bool) (group []int, n int) {
	n = 1
	keptStride := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if !reduced(d) {
			keptStride[d] = n
			n *= shape[d]
		}
	}
	total, _ := ir.NumElements(shape)
	group = make([]int, total)
	coord := make([]int, len(shape))
	cur := 0
	for k := 0; k < total; k++ {
		group[k] = cur
		for d := len(shape) - 1; d >= 0; d-- {
			coord[d]++
			cur += keptStride[d]
			if coord[d] < shape[d] {
				break
			}
			cur -= keptStride[d] * coord[d]
			coord[d] = 0
		}
	}
	return group, n
}

// normMoments returns the mean and population variance of each group.
func normMoments(xs []float64, group []int, n int) (mean, variance []float64) {
	mean, variance = make([]float64, n), make([]float64, n)
	count := make([]float64, n)
	for k, v := range xs {
		mean[group[k]] += v
		count[group[k]]++
	}
	for g := range mean {
		mean[g] /= count[g]
	}
	for k, v := range xs {
		d := v - mean[group[k]]
		variance[group[k]] += d * d
	}
	for g := range variance {
		variance[g] /= count[g]
	}
	return mean, variance
}

// normChannelParam checks that a per-channel parameter has c elements.
func normChannelParam(name string, t *ir.Tensor, c int) ([]float64, error) {
	if t.Len() != c {
		return nil, fmt.Errorf("%s has shape %v, want %d elements (one per channel)", name, t.Shape, c)
	}
	return t.Float64s(), nil
}

func batchNormKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if x.Rank() < 2 {
		return nil, fmt.Errorf("X has shape %v, want rank >= 2 (N x C x ...)", x.Shape)
	}
	c := x.Shape[1]
	var p [4][]float64 // scale, B, input_mean, input_var
	for i, name := range []string{"scale", "B", "input_mean", "input_var"} {
		v, err := normChannelParam(name, Tensor(in, i+1), c)
		if err != nil {
			return nil, err
		}
		p[i] = v
	}
	scale, bias, mean, variance := p[0], p[1], p[2], p[3]
	eps := float64(n.Float("epsilon"))
	xs := x.Float64s()
	// Channel of each element: all dims but axis 1 are reduced.
	group, _ := normGroups(x.Shape, func(d int) bool { return d != 1 })
	training := n.Int("training_mode") != 0
	runMean, runVar := Tensor(in, 3), Tensor(in, 4)
	if training {
		bm, bv := normMoments(xs, group, c)
		mom := float64(n.Float("momentum"))
		rm, rv := make([]float64, c), make([]float64, c)
		for ch := range c {
			rm[ch] = mean[ch]*mom + bm[ch]*(1-mom)
			rv[ch] = variance[ch]*mom + bv[ch]*(1-mom)
		}
		runMean = FromFloat64s(runMean.DType, runMean.Shape, rm)
		runVar = FromFloat64s(runVar.DType, runVar.Shape, rv)
		mean, variance = bm, bv
	}
	ys := make([]float64, len(xs))
	for k, v := range xs {
		ch := group[k]
		ys[k] = (v-mean[ch])/math.Sqrt(variance[ch]+eps)*scale[ch] + bias[ch]
	}
	out := []ir.Data{FromFloat64s(x.DType, x.Shape, ys), runMean, runVar}
	return out[:len(n.Outputs)], nil
}

func instanceNormKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if x.Rank() < 2 {
		return nil, fmt.Errorf("input has shape %v, want rank >= 2 (N x C x ...)", x.Shape)
	}
	c := x.Shape[1]
	scale, err := normChannelParam("scale", Tensor(in, 1), c)
	if err != nil {
		return nil, err
	}
	bias, err := normChannelParam("B", Tensor(in, 2), c)
	if err != nil {
		return nil, err
	}
	eps := float64(n.Float("epsilon"))
	xs := x.Float64s()
	// One group per (n, c): the spatial dims are reduced.
	group, ng := normGroups(x.Shape, func(d int) bool { return d >= 2 })
	mean, variance := normMoments(xs, group, ng)
	ys := make([]float64, len(xs))
	for k, v := range xs {
		g := group[k]
		ch := g % c
		ys[k] = (v-mean[g])/math.Sqrt(variance[g]+eps)*scale[ch] + bias[ch]
	}
	return Outs(FromFloat64s(x.DType, x.Shape, ys)), nil
}

// normBroadcastParam returns, for each element of a tensor of shape
// normShape, the value of t broadcast to it (t is unidirectionally
// broadcast, as LayerNormalization's Scale and B are).
func normBroadcastParam(name string, t *ir.Tensor, normShape []int) ([]float64, error) {
	bs, err := ir.BroadcastDims(t.Shape, normShape)
	if err != nil || !slices.Equal(bs, normShape) {
		return nil, fmt.Errorf("%s has shape %v, not broadcastable to the normalized shape %v", name, t.Shape, normShape)
	}
	vals := t.Float64s()
	idx := BroadcastIndex(t.Shape, normShape)
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = vals[j]
	}
	return out, nil
}

func layerNormKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	axis, err := NormAxis(n.Int("axis"), x.Rank())
	if err != nil {
		return nil, err
	}
	normShape := x.Shape[axis:]
	scale, err := normBroadcastParam("Scale", Tensor(in, 1), normShape)
	if err != nil {
		return nil, err
	}
	var bias []float64
	if b := Tensor(in, 2); b != nil {
		if bias, err = normBroadcastParam("B", b, normShape); err != nil {
			return nil, err
		}
	}
	eps := float64(n.Float("epsilon"))
	xs := x.Float64s()
	group, ng := normGroups(x.Shape, func(d int) bool { return d >= axis })
	mean, variance := normMoments(xs, group, ng)
	inv := make([]float64, ng)
	for g := range inv {
		inv[g] = 1 / math.Sqrt(variance[g]+eps)
	}
	size := len(scale)
	ys := make([]float64, len(xs))
	for k, v := range xs {
		g := group[k]
		ys[k] = (v - mean[g]) * inv[g] * scale[k%size]
		if bias != nil {
			ys[k] += bias[k%size]
		}
	}
	statShape := append([]int{}, x.Shape...)
	for d := axis; d < len(statShape); d++ {
		statShape[d] = 1
	}
	sdt := x.DType
	if v := n.Out(1); v != nil && v.Type.DType != ir.Undefined {
		sdt = v.Type.DType
	} else if v := n.Out(2); v != nil && v.Type.DType != ir.Undefined {
		sdt = v.Type.DType
	}
	out := []ir.Data{FromFloat64s(x.DType, x.Shape, ys),
		FromFloat64s(sdt, statShape, mean), FromFloat64s(sdt, statShape, inv)}
	return out[:len(n.Outputs)], nil
}

func groupNormKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if x.Rank() < 2 {
		return nil, fmt.Errorf("X has shape %v, want rank >= 2 (N x C x ...)", x.Shape)
	}
	c := x.Shape[1]
	ng := int(n.Int("num_groups"))
	if ng <= 0 || c%ng != 0 {
		return nil, fmt.Errorf("num_groups %d does not divide the %d channels", ng, c)
	}
	scale, err := normChannelParam("scale", Tensor(in, 1), c)
	if err != nil {
		return nil, err
	}
	bias, err := normChannelParam("bias", Tensor(in, 2), c)
	if err != nil {
		return nil, err
	}
	eps := float64(n.Float("epsilon"))
	xs := x.Float64s()
	// Each group is a contiguous block of C/G channels of one batch item.
	spatial := 1
	for _, d := range x.Shape[2:] {
		spatial *= d
	}
	block := max(1, c/ng*spatial)
	group := make([]int, len(xs))
	for k := range group {
		group[k] = k / block
	}
	mean, variance := normMoments(xs, group, x.Shape[0]*ng)
	ys := make([]float64, len(xs))
	for k, v := range xs {
		g := group[k]
		ch := (k / max(1, spatial)) % c
		ys[k] = (v-mean[g])/math.Sqrt(variance[g]+eps)*scale[ch] + bias[ch]
	}
	return Outs(FromFloat64s(x.DType, x.Shape, ys)), nil
}

func mvnKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	red := make([]bool, x.Rank())
	for _, a := range n.Ints("axes") {
		d, err := NormAxis(a, x.Rank())
		if err != nil {
			return nil, fmt.Errorf("axes: %w", err)
		}
		red[d] = true
	}
	xs := x.Float64s()
	group, ng := normGroups(x.Shape, func(d int) bool { return red[d] })
	// ONNX defines the variance as E[X^2] - E[X]^2 and adds 1e-9 to the
	// standard deviation; follow that literally.
	mean, sq, count := make([]float64, ng), make([]float64, ng), make([]float64, ng)
	for k, v := range xs {
		mean[group[k]] += v
		sq[group[k]] += v * v
		count[group[k]]++
	}
	for g := range mean {
		mean[g] /= count[g]
		sq[g] /= count[g]
	}
	ys := make([]float64, len(xs))
	for k, v := range xs {
		g := group[k]
		ys[k] = (v - mean[g]) / (math.Sqrt(sq[g]-mean[g]*mean[g]) + 1e-9)
	}
	return Outs(FromFloat64s(x.DType, x.Shape, ys)), nil
}
