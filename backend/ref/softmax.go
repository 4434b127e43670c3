package ref

import (
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Softmax, LogSoftmax and Hardmax along one axis (opset-13 form).

func init() {
	Register("Softmax", softmaxKernel(softmaxRow))
	Register("LogSoftmax", softmaxKernel(logSoftmaxRow))
	Register("Hardmax", softmaxKernel(hardmaxRow))
}

// softmaxSplit views shape as [outer, n, inner] around axis.
func softmaxSplit(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, shape[axis], inner
}

// softmaxKernel applies row to every 1-D slice of X along the node's axis,
// computing in float64. row reads x and writes y, both of length n.
func softmaxKernel(row func(x, y []float64)) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		x := Tensor(in, 0)
		if x.Rank() == 0 {
			// A scalar is a single-element row.
			y := make([]float64, 1)
			row(x.Float64s(), y)
			return Outs(FromFloat64s(x.DType, nil, y)), nil
		}
		axis, err := NormAxis(n.Int("axis"), x.Rank())
		if err != nil {
			return nil, err
		}
		outer, size, inner := softmaxSplit(x.Shape, axis)
		xs := x.Float64s()
		ys := make([]float64, len(xs))
		xr, yr := make([]float64, size), make([]float64, size)
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				base := o*size*inner + i
				for k := range size {
					xr[k] = xs[base+k*inner]
				}
				row(xr, yr)
				for k := range size {
					ys[base+k*inner] = yr[k]
				}
			}
		}
		return Outs(FromFloat64s(x.DType, x.Shape, ys)), nil
	}
}

// softmaxRow subtracts the maximum first so exp cannot overflow.
func softmaxRow(x, y []float64) {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	sum := 0.0
	for k, v := range x {
		y[k] = math.Exp(v - m)
		sum += y[k]
	}
	for k := range y {
		y[k] /= sum
	}
}

func logSoftmaxRow(x, y []float64) {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	sum := 0.0
	for _, v := range x {
		sum += math.Exp(v - m)
	}
	lse := m + math.Log(sum)
	for k, v := range x {
		y[k] = v - lse
	}
}

// hardmaxRow marks the first maximum (NaN never wins).
func hardmaxRow(x, y []float64) {
	best := 0
	for k, v := range x {
		y[k] = 0
		if v > x[best] {
			best = k
		}
	}
	if len(x) > 0 {
		y[best] = 1
	}
}
