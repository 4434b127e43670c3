package passes

import (
	"math"

	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// fuseBNRules fold an inference BatchNormalization that follows a Conv into
// the convolution's weights and bias, when all of them are constants:
// with s = scale/sqrt(var+eps) per output channel m,
//
//	W'[m] = W[m]·s[m],   B'[m] = (B[m] - mean[m])·s[m] + beta[m].
var fuseBNRules = []rule{{"conv-batchnorm", "BatchNormalization", ruleConvBN}}

func ruleConvBN(c *rewriter, bn *ir.Node) (bool, error) {
	if !onlyOutput(bn) || bn.Int("training_mode") != 0 {
		return false, nil
	}
	conv := producer(bn.In(0))
	if !is(conv, "Conv") || c.soleUser(conv.Out(0)) != bn {
		return false, nil
	}
	w, b := constOf(conv.In(1)), constOf(conv.In(2))
	if w == nil || (conv.In(2) != nil && b == nil) || !w.DType.IsFloat() || w.Rank() < 3 {
		return false, nil
	}
	m := w.Shape[0]
	var params [4][]float64 // scale, B, mean, var
	for i := range params {
		t := constOf(bn.In(1 + i))
		if t == nil || t.Len() != m {
			return false, nil
		}
		params[i] = t.Float64s()
	}
	eps := float64(bn.Float("epsilon"))
	scales := make([]float64, m)
	bias := make([]float64, m)
	if b != nil {
		bias = b.Float64s()
	}
	for k := 0; k < m; k++ {
		scales[k] = params[0][k] / math.Sqrt(params[3][k]+eps)
		bias[k] = (bias[k]-params[2][k])*scales[k] + params[1][k]
	}
	wv := c.constant(conv.Owner, conv.In(1).Name+"_bn", scaleRows(w, scales))
	bv := c.constant(conv.Owner, "bias_bn", ref.FromFloat64s(w.DType, []int{m}, bias))
	attrs := map[string]*ir.Attr{}
	for k, a := range conv.Attrs {
		attrs[k] = a
	}
	y, err := c.add(conv.Owner, "Conv", "", bn.Out(0).Name, attrs, conv.In(0), wv, bv)
	if err != nil {
		return false, err
	}
	return true, c.replace(bn.Out(0), y)
}

// scaleRows returns w with each of its len(scales) leading slices
// multiplied by its scale, rounded once to w's dtype. float32 weights,
// the common case, skip the generic element accessors (ResNet-50 has 25M
// of them).
func scaleRows(w *ir.Tensor, scales []float64) *ir.Tensor {
	per := w.Len() / max(len(scales), 1)
	if ws, ok := w.Data.([]float32); ok {
		out := make([]float32, len(ws))
		for k, sc := range scales {
			row := ws[k*per : (k+1)*per]
			for i, v := range row {
				out[k*per+i] = float32(float64(v) * sc)
			}
		}
		return ir.FromSlice(append([]int(nil), w.Shape...), out)
	}
	vals := w.Float64s()
	for i := range vals {
		vals[i] *= scales[i/per]
	}
	return ref.FromFloat64s(w.DType, w.Shape, vals)
}
