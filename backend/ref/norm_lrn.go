package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("LRN", lrnKernel) }

// lrnKernel: Y[n,c,..] = X[n,c,..] / (bias + alpha/size * S)^beta where S
// sums X[n,i,..]^2 over channels i in [c-floor((size-1)/2), c+ceil((size-1)/2)]
// clipped to the valid channels.
func lrnKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if x.Rank() < 2 {
		return nil, fmt.Errorf("X has shape %v, want rank >= 2 (N x C x ...)", x.Shape)
	}
	size := int(n.Int("size"))
	if size <= 0 {
		return nil, fmt.Errorf("size %d must be positive", size)
	}
	alpha, beta, bias := float64(n.Float("alpha")), float64(n.Float("beta")), float64(n.Float("bias"))
	outer, c, inner := softmaxSplit(x.Shape, 1)
	lo, hi := (size-1)/2, size/2 // floor and ceil of (size-1)/2
	xs := x.Float64s()
	ys := make([]float64, len(xs))
	for o := range outer {
		for ch := range c {
			for i := range inner {
				s := 0.0
				for j := max(0, ch-lo); j <= min(c-1, ch+hi); j++ {
					v := xs[(o*c+j)*inner+i]
					s += v * v
				}
				k := (o*c+ch)*inner + i
				ys[k] = xs[k] / math.Pow(bias+alpha/float64(size)*s, beta)
			}
		}
	}
	return Outs(FromFloat64s(x.DType, x.Shape, ys)), nil
}
