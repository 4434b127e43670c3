package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Linear quantization kernels and the requantization helpers that the
// integer conv and matmul kernels share. Rounding is half to even and
// results saturate to the range of the quantized type, as ONNX defines.

func init() {
	Register("QuantizeLinear", quantizeLinear)
	Register("DequantizeLinear", dequantizeLinear)
	Register("DynamicQuantizeLinear", dynamicQuantizeLinear)
}

// quantRange is the representable range of a quantized integer dtype.
func quantRange(dt ir.DType) (lo, hi int64, err error) {
	switch dt {
	case ir.Uint8:
		return 0, math.MaxUint8, nil
	case ir.Int8:
		return math.MinInt8, math.MaxInt8, nil
	case ir.Uint16:
		return 0, math.MaxUint16, nil
	case ir.Int16:
		return math.MinInt16, math.MaxInt16, nil
	case ir.Int32:
		return math.MinInt32, math.MaxInt32, nil
	}
	return 0, 0, fmt.Errorf("unsupported quantized type %s", dt)
}

// saturate rounds v half to even, adds zp and clamps to [lo, hi]. NaN maps
// to zp's clamp, never to an undefined conversion.
func saturate(v float64, zp, lo, hi int64) int64 {
	r := math.RoundToEven(v)
	switch {
	case math.IsNaN(r):
		r = 0
	case r > float64(hi-zp):
		return hi
	case r < float64(lo-zp):
		return lo
	}
	return min(max(int64(r)+zp, lo), hi)
}

// paramIndex maps every element of a tensor of shape x to the element of a
// quantization parameter (scale or zero point) of shape p: a scalar or
// 1-element tensor is per tensor; a 1-D tensor of x's size along axis is
// per axis; with blockSize > 0, p has x's rank and covers blocks of
// blockSize elements along axis.
func paramIndex(x, p []int, axis int64, blockSize int64) ([]int, error) {
	n := numElems(x)
	idx := make([]int, n)
	if numElems(p) == 1 && len(p) <= 1 && blockSize == 0 {
		return idx, nil
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("parameter of shape %v for a scalar input", p)
	}
	a, err := NormAxis(axis, len(x))
	if err != nil {
		return nil, err
	}
	xs := ir.Strides(x)
	if blockSize <= 0 {
		if len(p) != 1 || p[0] != x[a] {
			return nil, fmt.Errorf("per-axis parameter has shape %v, want [%d] (axis %d of input %v)", p, x[a], a, x)
		}
		for i := range idx {
			idx[i] = (i / xs[a]) % x[a]
		}
		return idx, nil
	}
	if len(p) != len(x) {
		return nil, fmt.Errorf("blocked parameter has shape %v, want rank %d like input %v", p, len(x), x)
	}
	for d := range x {
		want := x[d]
		if d == a {
			want = int((int64(x[d]) + blockSize - 1) / blockSize)
		}
		if p[d] != want {
			return nil, fmt.Errorf("blocked parameter has shape %v, want dim %d = %d (input %v, block_size %d)", p, d, want, x, blockSize)
		}
	}
	ps := ir.Strides(p)
	for i := range idx {
		off := 0
		for d := range x {
			c := (i / xs[d]) % x[d]
			if d == a {
				c /= int(blockSize)
			}
			off += c * ps[d]
		}
		idx[i] = off
	}
	return idx, nil
}

// zeroPoints returns the zero point values (or a single 0 when absent) and
// its dtype (def when absent).
func zeroPoints(zp *ir.Tensor, def ir.DType) ([]int64, []int, ir.DType) {
	if zp == nil {
		return []int64{0}, nil, def
	}
	return zp.Int64s(), zp.Shape, zp.DType
}

// quantizeLinear computes saturate(round(x / y_scale) + y_zero_point).
// float32 inputs divide in float32, as ONNX's reference does, so ties land
// where it puts them.
func quantizeLinear(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, scale, zpT := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	outDT := ir.Uint8
	if od := n.Int("output_dtype"); od != 0 {
		outDT = ir.DType(od)
	}
	zps, zpShape, outDT := zeroPoints(zpT, outDT)
	lo, hi, err := quantRange(outDT)
	if err != nil {
		return nil, err
	}
	axis, block := n.Int("axis"), n.Int("block_size")
	si, err := paramIndex(x.Shape, scale.Shape, axis, block)
	if err != nil {
		return nil, fmt.Errorf("y_scale: %w", err)
	}
	zi := make([]int, x.Len())
	if zpT != nil {
		if zi, err = paramIndex(x.Shape, zpShape, axis, block); err != nil {
			return nil, fmt.Errorf("y_zero_point: %w", err)
		}
	}
	ss := scale.Float64s()
	y := ir.Zeros(outDT, x.Shape)
	for i := range si {
		var q float64
		if x.DType == ir.Float64 || x.DType.IsInt() {
			q = x.Float64At(i) / ss[si[i]]
		} else {
			q = float64(float32(x.Float64At(i)) / float32(ss[si[i]]))
		}
		y.SetInt64At(i, saturate(q, zps[zi[i]], lo, hi))
	}
	return Outs(y), nil
}

// dequantizeLinear computes (x - x_zero_point) * x_scale in the scale's
// dtype (or output_dtype).
func dequantizeLinear(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, scale, zpT := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	if !x.DType.IsInt() {
		return nil, fmt.Errorf("x has unsupported dtype %s", x.DType)
	}
	outDT := scale.DType
	if od := n.Int("output_dtype"); od != 0 {
		outDT = ir.DType(od)
	}
	zps, zpShape, _ := zeroPoints(zpT, x.DType)
	axis, block := n.Int("axis"), n.Int("block_size")
	si, err := paramIndex(x.Shape, scale.Shape, axis, block)
	if err != nil {
		return nil, fmt.Errorf("x_scale: %w", err)
	}
	zi := make([]int, x.Len())
	if zpT != nil {
		if zi, err = paramIndex(x.Shape, zpShape, axis, block); err != nil {
			return nil, fmt.Errorf("x_zero_point: %w", err)
		}
	}
	ss := scale.Float64s()
	y := ir.Zeros(outDT, x.Shape)
	for i := range si {
		d := x.Int64At(i) - zps[zi[i]]
		if outDT == ir.Float64 {
			y.SetFloat64At(i, float64(d)*ss[si[i]])
		} else {
			y.SetFloat64At(i, float64(float32(d)*float32(ss[si[i]])))
		}
	}
	return Outs(y), nil
}

// dynamicQuantizeLinear quantizes float32 x to uint8 with
// scale = (max(0, max x) - min(0, min x)) / 255 and
// zero point = saturate(round(-min(0, min x) / scale)). All arithmetic is
// float32, as ONNX defines it. An all-zero x gets scale 0 and zero point 0.
func dynamicQuantizeLinear(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if !x.DType.IsFloat() {
		return nil, fmt.Errorf("x has unsupported dtype %s", x.DType)
	}
	var lo, hi float32
	for i := 0; i < x.Len(); i++ {
		v := float32(x.Float64At(i))
		lo, hi = min(lo, v), max(hi, v)
	}
	scale := (hi - lo) / 255
	var zp int64
	y := ir.Zeros(ir.Uint8, x.Shape)
	if scale != 0 {
		zp = saturate(float64(0-lo/scale), 0, 0, 255)
		for i := 0; i < x.Len(); i++ {
			y.SetInt64At(i, saturate(float64(float32(x.Float64At(i))/scale), zp, 0, 255))
		}
	}
	return Outs(y, ir.Scalar(scale), ir.Scalar(uint8(zp))), nil
}
