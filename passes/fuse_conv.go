package passes

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// fuseConvRules turn a float32 Conv and what follows it into one dlc.FusedConv:
// an Add of a constant per-channel bias, an Add of a tensor of the
// result's shape (a residual, input Z), then an activation. Each step is
// taken only when the value before it has no other reader.
var fuseConvRules = []rule{{"conv-bias-residual-act", "Conv", ruleFuseConv}}

func ruleFuseConv(c *rewriter, conv *ir.Node) (bool, error) {
	y := conv.Out(0)
	ydims, ok := staticShape(y)
	if !ok || len(ydims) < 3 || !isFloat32(conv.In(0)) || !isFloat32(conv.In(1)) {
		return false, nil
	}
	m := ydims[1]
	in := []*ir.Value{conv.In(0), conv.In(1), conv.In(2), nil}
	cur := y
	steps := 0
	// A constant bias per channel: [M] broadcast as [M,1,...] or [1,M,1,...].
	if u := c.soleUser(cur); is(u, "Add") && sameStaticType(u.Out(0), y) {
		k, _ := other(u, cur)
		if bias := channelBias(k, m, len(ydims)); bias != nil && (in[2] == nil || constOf(in[2]) != nil) {
			if in[2] != nil {
				sum := constOf(in[2]).Float64s()
				for i, v := range bias.Data.([]float32) {
					bias.Data.([]float32)[i] = float32(sum[i] + float64(v))
				}
			}
			in[2] = c.constant(conv.Owner, "conv_bias", bias)
			cur = u.Out(0)
			steps++
		}
	}
	if u := c.soleUser(cur); is(u, "Add") && sameStaticType(u.Out(0), y) {
		if z, _ := other(u, cur); z != cur && sameStaticType(z, y) {
			in[3] = z
			cur = u.Out(0)
			steps++
		}
	}
	act, out, ok := c.matchActivation(cur)
	if ok {
		cur = out
		steps++
	}
	if steps == 0 {
		return false, nil
	}
	attrs := map[string]*ir.Attr{}
	for k, a := range conv.Attrs {
		attrs[k] = a
	}
	act.attrs(attrs)
	for len(in) > 2 && in[len(in)-1] == nil {
		in = in[:len(in)-1]
	}
	fused, err := c.add(conv.Owner, "FusedConv", ir.FusedDomain, cur.Name, attrs, in...)
	if err != nil {
		return false, err
	}
	return true, c.replace(cur, fused)
}

// channelBias returns the float32 constant k as a bias vector [m] when it
// holds one value per channel of a rank-r NCHW result: shape [m,1,...,1]
// (r-1 dims) or [1,m,1,...,1] (r dims).
func channelBias(k *ir.Value, m, r int) *ir.Tensor {
	t := constOf(k)
	if t == nil || t.DType != ir.Float32 || t.Len() != m {
		return nil
	}
	want1 := slices.Repeat([]int{1}, r-1)
	want1[0] = m
	want2 := append([]int{1}, want1...)
	if !slices.Equal(t.Shape, want1) && !slices.Equal(t.Shape, want2) {
		return nil
	}
	return ir.FromSlice([]int{m}, slices.Clone(t.Data.([]float32)))
}
