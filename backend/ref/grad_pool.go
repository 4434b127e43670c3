package ref

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Reference kernels of dlc.MaxPoolGrad and dlc.AveragePoolGrad
// (ir/ops_grad.go): each output gradient goes back over the same window
// taps the forward pooling kernel (pool.go) reads.

func init() {
	Register("dlc.MaxPoolGrad", poolGrad(func(_ *ir.Node, plane []float64, ts []tap, _ int, dy float64, dx []float64) {
		// The first maximum in window order, as maxPool picks it.
		best, at := 0.0, -1
		for _, t := range ts {
			if v := plane[t.in]; at < 0 || v > best {
				best, at = v, t.in
			}
		}
		if at >= 0 {
			dx[at] += dy
		}
	}))
	Register("dlc.AveragePoolGrad", poolGrad(func(n *ir.Node, _ []float64, ts []tap, padded int, dy float64, dx []float64) {
		div := len(ts)
		if n.Int("count_include_pad") != 0 {
			div = padded
		}
		for _, t := range ts {
			dx[t.in] += dy / float64(div)
		}
	}))
}

// windowGrad adds to dx (one input plane) the share of dy (one output
// element) that each tap of its window ts receives; plane is X's plane and
// padded the window's divisor with padding counted.
type windowGrad func(n *ir.Node, plane []float64, ts []tap, padded int, dy float64, dx []float64)

// poolGrad builds the kernel of a pooling gradient op with inputs X and dY.
func poolGrad(f windowGrad) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		p, err := newPooled(n, Tensor(in, 0))
		if err != nil {
			return nil, err
		}
		dy := Tensor(in, 1)
		if !slices.Equal(dy.Shape, p.outShape()) {
			return nil, fmt.Errorf("dY has shape %v, the pooled output is %v", dy.Shape, p.outShape())
		}
		ys := dy.Float64s()
		dx := make([]float64, len(p.xs))
		for pl := 0; pl < p.planes; pl++ {
			plane := p.xs[pl*p.inLen : (pl+1)*p.inLen]
			dxp := dx[pl*p.inLen : (pl+1)*p.inLen]
			for o, ts := range p.taps {
				if len(ts) == 0 {
					return nil, fmt.Errorf("output position %d: window covers no input element", o)
				}
				f(n, plane, ts, p.padded[o], ys[pl*p.outLen+o], dxp)
			}
		}
		return Outs(FromFloat64s(p.x.DType, p.x.Shape, dx)), nil
	}
}
