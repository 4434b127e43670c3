package ref

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/dlc-go/dlc/ir"
)

// Reductions: ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceMax,
// ReduceMean, ReduceMin, ReduceProd, ReduceSum, ReduceSumSquare.
//
// Float tensors are reduced in float64 and rounded back. Integer tensors
// are reduced exactly in their own type's arithmetic (wrapping as C and
// numpy do) for Sum, Prod, Max, Min, L1 and SumSquare; Mean is the exact
// mean truncated toward zero (numpy's mean then astype), its sum held in
// 128 bits so that it cannot wrap; L2, LogSum and LogSumExp go through
// float64 and truncate.
// Over an empty set each op yields its identity: 0 for sums, 1 for Prod,
// the lowest (highest) value of the dtype for Max (Min), -inf for the
// logarithms of an empty sum, NaN for the mean of floats and 0 for the
// mean of integers.

var reduceOps = []string{"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
	"ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare"}

func init() {
	for _, op := range reduceOps {
		Register(op, func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
			return reduceKernel(op, n, in)
		})
	}
}

// reducePlan maps every input element to the output element it folds into.
type reducePlan struct {
	outShape []int
	outIdx   []int // per input element, in row-major order
	nOut     int
	count    int // elements per output element
}

// planReduce works out which axes fold and the output shape.
func planReduce(shape []int, axes []int64, keepdims, noop bool) (*reducePlan, error) {
	rank := len(shape)
	reduce := make([]bool, rank)
	if len(axes) == 0 && !noop {
		for i := range reduce {
			reduce[i] = true
		}
	}
	for _, a := range axes {
		ax, err := NormAxis(a, rank)
		if err != nil {
			return nil, fmt.Errorf("axes: %w", err)
		}
		reduce[ax] = true
	}
	keepShape := make([]int, rank)
	p := &reducePlan{outShape: []int{}, count: 1}
	for i, d := range shape {
		keepShape[i] = d
		if reduce[i] {
			keepShape[i] = 1
			p.count *= d
			if keepdims {
				p.outShape = append(p.outShape, 1)
			}
		} else {
			p.outShape = append(p.outShape, d)
		}
	}
	// Broadcasting the kept shape back over the input is exactly the map
	// from input elements to the elements they reduce into.
	p.outIdx = BroadcastIndex(keepShape, shape)
	p.nOut, _ = ir.NumElements(keepShape)
	return p, nil
}

func reduceKernel(op string, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	var axes []int64
	if a := Tensor(in, 1); a != nil {
		if !a.DType.IsInt() {
			return nil, fmt.Errorf("axes must be an integer tensor, got %s", a.DType)
		}
		axes = a.Int64s()
	}
	p, err := planReduce(x.Shape, axes, n.Int("keepdims") != 0, n.Int("noop_with_empty_axes") != 0)
	if err != nil {
		return nil, err
	}
	var out *ir.Tensor
	switch d := x.Data.(type) {
	case []int8:
		out = ir.FromSlice(p.outShape, reduceInts[int8, int64](op, d, p, math.MinInt8, math.MaxInt8))
	case []int16:
		out = ir.FromSlice(p.outShape, reduceInts[int16, int64](op, d, p, math.MinInt16, math.MaxInt16))
	case []int32:
		out = ir.FromSlice(p.outShape, reduceInts[int32, int64](op, d, p, math.MinInt32, math.MaxInt32))
	case []int64:
		out = ir.FromSlice(p.outShape, reduceInts[int64, int64](op, d, p, math.MinInt64, math.MaxInt64))
	case []uint8:
		out = ir.FromSlice(p.outShape, reduceInts[uint8, uint64](op, d, p, 0, math.MaxUint8))
	case []uint32:
		out = ir.FromSlice(p.outShape, reduceInts[uint32, uint64](op, d, p, 0, math.MaxUint32))
	case []uint64:
		out = ir.FromSlice(p.outShape, reduceInts[uint64, uint64](op, d, p, 0, math.MaxUint64))
	case []uint16:
		if x.DType == ir.Uint16 {
			out = ir.FromSlice(p.outShape, reduceInts[uint16, uint64](op, d, p, 0, math.MaxUint16))
		} else {
			out = FromFloat64s(x.DType, p.outShape, reduceFloats(op, x.Float64s(), p))
		}
	case []bool:
		if op != "ReduceMax" && op != "ReduceMin" {
			return nil, fmt.Errorf("%s does not take bool tensors", op)
		}
		out = ir.FromSlice(p.outShape, reduceBools(op == "ReduceMax", d, p))
	case []float32, []float64:
		out = FromFloat64s(x.DType, p.outShape, reduceFloats(op, x.Float64s(), p))
	default:
		return nil, fmt.Errorf("%s does not take %s tensors", op, x.DType)
	}
	return Outs(out), nil
}

// reduceFloats folds float64 values group by group.
func reduceFloats(op string, vals []float64, p *reducePlan) []float64 {
	acc := make([]float64, p.nOut)
	init := 0.0
	switch op {
	case "ReduceProd":
		init = 1
	case "ReduceMax", "ReduceLogSumExp":
		init = math.Inf(-1)
	case "ReduceMin":
		init = math.Inf(1)
	}
	for i := range acc {
		acc[i] = init
	}
	var peak []float64 // per-group maximum: LogSumExp subtracts it for stability
	if op == "ReduceLogSumExp" {
		peak = reduceFloats("ReduceMax", vals, p)
		for i := range acc {
			acc[i] = 0
		}
	}
	for i, v := range vals {
		o := p.outIdx[i]
		switch op {
		case "ReduceSum", "ReduceMean", "ReduceLogSum":
			acc[o] += v
		case "ReduceL1":
			acc[o] += math.Abs(v)
		case "ReduceL2", "ReduceSumSquare":
			acc[o] += v * v
		case "ReduceProd":
			acc[o] *= v
		case "ReduceMax":
			if v > acc[o] || math.IsNaN(v) {
				acc[o] = v
			}
		case "ReduceMin":
			if v < acc[o] || math.IsNaN(v) {
				acc[o] = v
			}
		case "ReduceLogSumExp":
			if !math.IsInf(peak[o], 0) {
				acc[o] += math.Exp(v - peak[o])
			}
		}
	}
	for o := range acc {
		switch op {
		case "ReduceMean":
			acc[o] /= float64(p.count) // 0/0 = NaN over an empty set
		case "ReduceL2":
			acc[o] = math.Sqrt(acc[o])
		case "ReduceLogSum":
			acc[o] = math.Log(acc[o])
		case "ReduceLogSumExp":
			if math.IsInf(peak[o], 0) { // empty set, all -inf, or some +inf
				acc[o] = peak[o]
			} else {
				acc[o] = peak[o] + math.Log(acc[o])
			}
		}
	}
	return acc
}

type reduceInteger interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// reduceInts folds integers exactly: A is int64 for signed T and uint64
// for unsigned T, so sums wrap the way T's own arithmetic does once cast
// back. lo and hi are T's range: the identities of Max and Min.
func reduceInts[T reduceInteger, A int64 | uint64](op string, src []T, p *reducePlan, lo, hi T) []T {
	switch op {
	case "ReduceL2", "ReduceLogSum", "ReduceLogSumExp":
		vals := make([]float64, len(src))
		for i, v := range src {
			vals[i] = float64(v)
		}
		res := reduceFloats(op, vals, p)
		out := make([]T, len(res))
		for i, v := range res {
			out[i] = T(math.Trunc(math.Max(math.Min(v, float64(hi)), float64(lo))))
		}
		return out
	case "ReduceMean":
		return meanInts(src, p, lo < 0)
	}
	acc := make([]A, p.nOut)
	for i := range acc {
		switch op {
		case "ReduceProd":
			acc[i] = 1
		case "ReduceMax":
			acc[i] = A(lo)
		case "ReduceMin":
			acc[i] = A(hi)
		}
	}
	for i, t := range src {
		v, o := A(t), p.outIdx[i]
		switch op {
		case "ReduceSum":
			acc[o] += v
		case "ReduceL1":
			if v < 0 {
				v = -v
			}
			acc[o] += v
		case "ReduceSumSquare":
			acc[o] += v * v
		case "ReduceProd":
			acc[o] *= v
		case "ReduceMax":
			acc[o] = max(acc[o], v)
		case "ReduceMin":
			acc[o] = min(acc[o], v)
		}
	}
	out := make([]T, p.nOut)
	for o, v := range acc {
		out[o] = T(v)
	}
	return out
}

// wide is a 128-bit two's-complement integer: a sum of up to 2^64 values
// of 64 bits cannot overflow it.
type wide struct{ hi, lo uint64 }

// add adds v, sign-extended when signed.
func (w *wide) add(v uint64, signed bool) {
	ext := uint64(0)
	if signed && int64(v) < 0 {
		ext = math.MaxUint64
	}
	var c uint64
	w.lo, c = bits.Add64(w.lo, v, 0)
	w.hi, _ = bits.Add64(w.hi, ext, c)
}

// neg negates w in place.
func (w *wide) neg() {
	var b uint64
	w.lo, b = bits.Sub64(0, w.lo, 0)
	w.hi, _ = bits.Sub64(0, w.hi, b)
}

// meanInts is ReduceMean over integers: the exact sum (in 128 bits)
// divided by the count, truncated toward zero; 0 over an empty set. The
// mean lies within T's range, so the quotient fits T.
func meanInts[T reduceInteger](src []T, p *reducePlan, signed bool) []T {
	acc := make([]wide, p.nOut)
	for i, v := range src {
		acc[p.outIdx[i]].add(uint64(v), signed) // sign-extends a signed T
	}
	out := make([]T, p.nOut)
	if p.count == 0 {
		return out
	}
	n := uint64(p.count)
	for o, w := range acc {
		negative := signed && int64(w.hi) < 0
		if negative {
			w.neg() // divide the magnitude: truncation toward zero
		}
		// |sum| <= n*(2^64-1), so the quotient |sum|/n fits 64 bits and
		// hi < n; hi%n only guards Div64 against its overflow panic.
		q, _ := bits.Div64(w.hi%n, w.lo, n)
		if negative {
			q = -q
		}
		out[o] = T(q)
	}
	return out
}

// reduceBools is Max (any) or Min (all) over bools.
func reduceBools(isMax bool, src []bool, p *reducePlan) []bool {
	out := make([]bool, p.nOut)
	for i := range out {
		out[i] = !isMax // identities: false for any, true for all
	}
	for i, v := range src {
		o := p.outIdx[i]
		if isMax {
			out[o] = out[o] || v
		} else {
			out[o] = out[o] && v
		}
	}
	return out
}
