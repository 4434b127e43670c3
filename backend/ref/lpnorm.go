package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("LpNormalization", lpNormKernel) }

// lpNormKernel divides every 1-D slice of the input along axis by its Lp
// norm: the sum of |x| for p=1, sqrt of the sum of x² for p=2. A slice
// whose norm is 0 (all zeros) stays 0 rather than becoming NaN, as
// onnxruntime does; the spec does not say.
func lpNormKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if !x.DType.IsFloat() {
		return nil, fmt.Errorf("input dtype %s: LpNormalization needs a float type", x.DType)
	}
	p := n.Int("p")
	if p != 1 && p != 2 {
		return nil, fmt.Errorf("p = %d: only 1 and 2 are defined", p)
	}
	if x.Rank() == 0 {
		return nil, fmt.Errorf("input is a scalar: it has no axis to normalize along")
	}
	axis, err := NormAxis(n.Int("axis"), x.Rank())
	if err != nil {
		return nil, err
	}
	// The slice along axis of element (outer, inner) is
	// outer*dim*inner + k*inner + inner, k in [0, dim).
	dim := x.Shape[axis]
	inner := numElems(x.Shape[axis+1:])
	outer := numElems(x.Shape[:axis])
	xs := x.Float64s()
	ys := make([]float64, len(xs))
	for o := range outer {
		for i := range inner {
			base := o*dim*inner + i
			norm := 0.0
			for k := range dim {
				v := xs[base+k*inner]
				if p == 1 {
					norm += math.Abs(v)
				} else {
					norm += v * v
				}
			}
			if p == 2 {
				norm = math.Sqrt(norm)
			}
			if norm == 0 {
				continue
			}
			for k := range dim {
				ys[base+k*inner] = xs[base+k*inner] / norm
			}
		}
	}
	return Outs(FromFloat64s(x.DType, x.Shape, ys)), nil
}
