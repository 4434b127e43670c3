package ref

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Reference kernel of dlc.ResizeGrad (ir/grad_resize.go), the input
// gradient of Resize: the adjoint of resize, axis by axis in reverse
// order, with the taps resize samples (resize_sample.go), so the two
// cannot disagree on coordinates or weights.

func init() {
	Register("dlc.ResizeGrad", resizeGradKernel)
}

// resizeGradKernel reads X (for its shape and dtype), dY and Resize's
// roi, scales and sizes (inputs 2 to 4).
func resizeGradKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, dy := Tensor(in, 0), Tensor(in, 1)
	if !x.DType.IsFloat() || dy.DType != x.DType {
		return nil, fmt.Errorf("X is %s and dY %s: both must be the same float type", x.DType, dy.DType)
	}
	var roi, scales []float64
	var sizes []int64
	if t := resizeInput(in, 2); t != nil {
		roi = t.Float64s()
	}
	if t := resizeInput(in, 3); t != nil {
		scales = t.Float64s()
	}
	if t := resizeInput(in, 4); t != nil {
		sizes = t.Int64s()
	}
	o := resizeOptsOf(n)
	axes, dims, err := resizePlan(x.DType, x.Shape, roi, scales, sizes, o)
	if err != nil {
		return nil, err
	}
	shape := make([]int, len(dims))
	for i, d := range dims {
		shape[i] = d.out
	}
	if !slices.Equal(dy.Shape, shape) {
		return nil, fmt.Errorf("dY has shape %v, the Resize of X %v gives %v", dy.Shape, x.Shape, shape)
	}
	vals := dy.Float64s()
	for i := len(axes) - 1; i >= 0; i-- {
		ax := axes[i]
		if vals, err = resampleAxisAdjoint(vals, shape, ax, dims[ax], o); err != nil {
			return nil, err
		}
		shape[ax] = dims[ax].in
	}
	return Outs(FromFloat64s(x.DType, x.Shape, vals)), nil
}

// resampleAxisAdjoint is the transpose of resampleAxis: grad (of shape,
// with d.out elements along ax) spread back to d.in elements along ax.
// Extrapolated outputs read no input and send nothing back.
func resampleAxisAdjoint(grad []float64, shape []int, ax int, d resizeAxis, o resizeOpts) ([]float64, error) {
	outer, inner := 1, 1
	for i := 0; i < ax; i++ {
		outer *= shape[i]
	}
	for i := ax + 1; i < len(shape); i++ {
		inner *= shape[i]
	}
	taps := make([][]resizeTap, d.out)
	for k := range taps {
		var err error
		if taps[k], err = resizeTaps(k, d, o); err != nil {
			return nil, err
		}
	}
	out := make([]float64, outer*d.in*inner)
	for a := 0; a < outer; a++ {
		src := grad[a*d.out*inner : (a+1)*d.out*inner]
		dst := out[a*d.in*inner : (a+1)*d.in*inner]
		for k, tk := range taps {
			row := src[k*inner : (k+1)*inner]
			for _, t := range tk {
				d := dst[t.idx*inner : (t.idx+1)*inner]
				for i, g := range row {
					d[i] += t.w * g
				}
			}
		}
	}
	return out, nil
}
