package optim

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// ClipGradNorm is torch.nn.utils.clip_grad_norm_ with the 2-norm: it
// appends the global norm n = sqrt(Σ_i ||grads[i]||²) and returns every
// gradient multiplied by min(1, maxNorm/(n + 1e-6)), so gradients change
// only when the norm exceeds maxNorm. The norm is accumulated in the dtype
// of grads[0] (the others are cast to it) and returned as a scalar of that
// dtype, for logging.
func ClipGradNorm(g *ir.Graph, grads []*ir.Value, maxNorm float64, fresh func(string) string) (clipped []*ir.Value, norm *ir.Value, err error) {
	const name = "ClipGradNorm"
	if len(grads) == 0 {
		return nil, nil, fmt.Errorf("%s: no gradients", name)
	}
	if maxNorm <= 0 {
		return nil, nil, fmt.Errorf("%s: max norm is %v, must be positive", name, maxNorm)
	}
	if fresh == nil {
		return nil, nil, fmt.Errorf("%s: no name generator (fresh is nil)", name)
	}
	for i, gr := range grads {
		if gr == nil || gr.Type.Kind != ir.TensorKind || !gr.Type.DType.IsFloat() {
			return nil, nil, fmt.Errorf("%s: gradient %d is %v, want a float tensor", name, i, gr)
		}
	}
	e := &emitter{g: g, fresh: fresh, base: "clip", dt: grads[0].Type.DType}
	var sq *ir.Value
	for _, gr := range grads {
		s := e.to(e.op("ReduceSumSquare", map[string]*ir.Attr{"keepdims": ir.IntAttr(0)}, gr))
		if sq == nil {
			sq = s
		} else {
			sq = e.add(sq, s)
		}
	}
	norm = e.op("Sqrt", nil, sq)
	coef := e.div(e.scalar(maxNorm), e.add(norm, e.scalar(1e-6)))
	coef = e.op("Min", nil, coef, e.scalar(1))
	clipped = make([]*ir.Value, len(grads))
	for i, gr := range grads {
		c := coef
		if dt := gr.Type.DType; dt != e.dt {
			c = e.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(dt))}, coef)
		}
		clipped[i] = e.mul(gr, c)
	}
	if e.err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, e.err)
	}
	return clipped, norm, nil
}
