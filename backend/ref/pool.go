package ref

import (
	"fmt"
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Pooling kernels: AveragePool, MaxPool, LpPool over N-D windows, their
// global forms, and MaxUnpool. Values are computed in float64 and rounded
// back to the input dtype (exact for MaxPool's int8/uint8 inputs).

func init() {
	Register("AveragePool", poolKernel(avgReduce))
	Register("MaxPool", maxPool)
	Register("LpPool", poolKernel(lpReduce))
	Register("GlobalAveragePool", globalPool(func(v []float64, _ *ir.Node) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}))
	Register("GlobalMaxPool", globalPool(func(v []float64, _ *ir.Node) float64 {
		m := math.Inf(-1)
		for _, x := range v {
			m = math.Max(m, x)
		}
		return m
	}))
	Register("GlobalLpPool", globalPool(func(v []float64, n *ir.Node) float64 {
		return lpNorm(v, float64(n.Int("p")))
	}))
	Register("MaxUnpool", maxUnpool)
}

// pooled is the setting of one pooling kernel call: the input as float64,
// its window geometry and taps.
type pooled struct {
	x      *ir.Tensor
	xs     []float64
	geom   ir.Window
	taps   [][]tap
	padded []int
	planes int // N*C
	inLen  int // elements of one input plane
	outLen int // elements of one output plane
}

func newPooled(n *ir.Node, x *ir.Tensor) (*pooled, error) {
	if err := spatialInput(x, "X"); err != nil {
		return nil, err
	}
	g, err := ir.WindowGeometry(n, x.Shape[2:], kernelShape(n, nil), n.Int("ceil_mode") != 0)
	if err != nil {
		return nil, err
	}
	taps, padded := windowTaps(g)
	return &pooled{x: x, xs: x.Float64s(), geom: g, taps: taps, padded: padded,
		planes: x.Shape[0] * x.Shape[1], inLen: numElems(g.In), outLen: numElems(g.Out)}, nil
}

func (p *pooled) outShape() []int { return append([]int{p.x.Shape[0], p.x.Shape[1]}, p.geom.Out...) }

// reducer folds the input values of one window; padded is the number of
// window positions inside the padded input.
type reducer func(n *ir.Node, vals []float64, padded int) float64

func avgReduce(n *ir.Node, vals []float64, padded int) float64 {
	s := 0.0
	for _, v := range vals {
		s += v
	}
	if n.Int("count_include_pad") != 0 {
		return s / float64(padded)
	}
	return s / float64(len(vals))
}

func lpReduce(n *ir.Node, vals []float64, _ int) float64 {
	return lpNorm(vals, float64(n.Int("p")))
}

func lpNorm(vals []float64, p float64) float64 {
	s := 0.0
	for _, v := range vals {
		s += math.Pow(math.Abs(v), p)
	}
	return math.Pow(s, 1/p)
}

// poolKernel builds a windowed pooling kernel from a reducer.
func poolKernel(red reducer) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		p, err := newPooled(n, Tensor(in, 0))
		if err != nil {
			return nil, err
		}
		out := make([]float64, p.planes*p.outLen)
		var vals []float64
		for pl := 0; pl < p.planes; pl++ {
			plane := p.xs[pl*p.inLen : (pl+1)*p.inLen]
			for o, ts := range p.taps {
				vals = vals[:0]
				for _, t := range ts {
					vals = append(vals, plane[t.in])
				}
				out[pl*p.outLen+o] = red(n, vals, p.padded[o])
			}
		}
		return Outs(FromFloat64s(p.x.DType, p.outShape(), out)), nil
	}
}

// maxPool also produces the optional Indices output: the flat index of each
// maximum in X, with the spatial part in column-major order when
// storage_order is 1. The first maximum in window order wins ties.
func maxPool(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	p, err := newPooled(n, Tensor(in, 0))
	if err != nil {
		return nil, err
	}
	shape := p.outShape()
	y := ir.Zeros(p.x.DType, shape)
	idx := ir.Zeros(ir.Int64, shape)
	colMajor := n.Int("storage_order") == 1
	for pl := 0; pl < p.planes; pl++ {
		plane := p.xs[pl*p.inLen : (pl+1)*p.inLen]
		for o, ts := range p.taps {
			best, at := math.Inf(-1), -1
			for _, t := range ts {
				if v := plane[t.in]; at < 0 || v > best {
					best, at = v, t.in
				}
			}
			if at < 0 {
				return nil, fmt.Errorf("output position %d: window covers no input element", o)
			}
			if colMajor {
				at = colMajorOffset(at, p.geom.In)
			}
			y.SetFloat64At(pl*p.outLen+o, best)
			idx.Data.([]int64)[pl*p.outLen+o] = int64(pl*p.inLen + at)
		}
	}
	return Outs(y, idx), nil
}

// colMajorOffset converts a row-major flat offset within shape into the
// column-major one.
func colMajorOffset(rowMajor int, shape []int) int {
	off, stride := 0, 1
	rs := ir.Strides(shape)
	for d := range shape {
		c := (rowMajor / rs[d]) % shape[d]
		off += c * stride
		stride *= shape[d]
	}
	return off
}

// globalPool builds a kernel that folds each [N, C] plane over all its
// spatial elements into one value.
func globalPool(fold func(vals []float64, n *ir.Node) float64) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		x := Tensor(in, 0)
		if x.Rank() < 2 {
			return nil, fmt.Errorf("X must have rank >= 2, got shape %v", x.Shape)
		}
		planes := x.Shape[0] * x.Shape[1]
		shape := append([]int{}, x.Shape...)
		for i := 2; i < len(shape); i++ {
			shape[i] = 1
		}
		xs := x.Float64s()
		out := make([]float64, planes)
		if planes > 0 {
			inLen := len(xs) / planes
			for pl := range out {
				out[pl] = fold(xs[pl*inLen:(pl+1)*inLen], n)
			}
		}
		return Outs(FromFloat64s(x.DType, shape, out)), nil
	}
}

// maxUnpool scatters X into zeros of the pre-pool shape at the flat
// indices I (as MaxPool's Indices output gives them).
func maxUnpool(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, ind := Tensor(in, 0), Tensor(in, 1)
	if err := spatialInput(x, "X"); err != nil {
		return nil, err
	}
	if !slices.Equal(x.Shape, ind.Shape) {
		return nil, fmt.Errorf("I has shape %v, want X's shape %v", ind.Shape, x.Shape)
	}
	sp, err := ir.MaxUnpoolShape(n, x.Shape[2:])
	if err != nil {
		return nil, err
	}
	// I indexes the pre-pool shape; an explicit output_shape only places
	// the same coordinates in a larger (padded at the end) tensor.
	pre := append([]int{x.Shape[0], x.Shape[1]}, sp...)
	shape := pre
	if os := Tensor(in, 2); os != nil {
		shape = nil
		for _, d := range os.Int64s() {
			shape = append(shape, int(d))
		}
		if len(shape) != x.Rank() {
			return nil, fmt.Errorf("output_shape %v must have X's rank %d", shape, x.Rank())
		}
		for d := range shape {
			if shape[d] < pre[d] {
				return nil, fmt.Errorf("output_shape %v is smaller than the pooled input's shape %v", shape, pre)
			}
		}
	}
	y := ir.Zeros(x.DType, shape)
	preStrides, outStrides := ir.Strides(pre), ir.Strides(shape)
	total := numElems(pre)
	for i := 0; i < x.Len(); i++ {
		j := ind.Int64At(i)
		if j < 0 || j >= int64(total) {
			return nil, fmt.Errorf("index I[%d] = %d out of range for the pooled input's shape %v", i, j, pre)
		}
		off := 0
		for d := range pre {
			off += (int(j) / preStrides[d] % pre[d]) * outStrides[d]
		}
		y.SetFloat64At(off, x.Float64At(i))
	}
	return Outs(y), nil
}
