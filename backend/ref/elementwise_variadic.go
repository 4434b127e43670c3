package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Variadic folds (Sum, Max, Min, Mean) and Where, all over the numpy
// broadcast of their inputs.

// foldBroadcast combines the broadcast elements of xs left to right with f.
func foldBroadcast[T any](xs [][]T, bc *bcast, f func(T, T) T) []T {
	out := make([]T, bc.n)
	for k := range out {
		acc := xs[0][bc.at(0, k)]
		for i := 1; i < len(xs); i++ {
			acc = f(acc, xs[i][bc.at(i, k)])
		}
		out[k] = acc
	}
	return out
}

// applyFold folds all inputs (same dtype, broadcast together) with fn.
func applyFold(ts []*ir.Tensor, fn binFn) (*ir.Tensor, error) {
	if err := sameDType(ts...); err != nil {
		return nil, err
	}
	bc, err := newBcast(mapSlice(ts, tensorShape)...)
	if err != nil {
		return nil, err
	}
	dt := ts[0].DType
	switch c := classOf(dt); {
	case c == floatClass && fn.F != nil:
		return FromFloat64s(dt, bc.shape, foldBroadcast(mapSlice(ts, asFloat64s), bc, fn.F)), nil
	case c == signedClass && fn.I != nil:
		return fromInt64s(dt, bc.shape, foldBroadcast(mapSlice(ts, asInt64s), bc, fn.I)), nil
	case c == unsignedClass && fn.U != nil:
		return fromUint64s(dt, bc.shape, foldBroadcast(mapSlice(ts, asUint64s), bc, fn.U)), nil
	}
	return nil, unsupportedDType(dt)
}

// inputs returns every input of a variadic node as a tensor.
func variadicInputs(in []ir.Data) ([]*ir.Tensor, error) {
	ts := make([]*ir.Tensor, len(in))
	for i := range in {
		if ts[i] = Tensor(in, i); ts[i] == nil {
			return nil, fmt.Errorf("input %d is missing", i)
		}
	}
	return ts, nil
}

func tensorShape(t *ir.Tensor) []int { return t.Shape }

func foldKernel(fn binFn) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		ts, err := variadicInputs(in)
		if err != nil {
			return nil, err
		}
		out, err := applyFold(ts, fn)
		if err != nil {
			return nil, err
		}
		return Outs(out), nil
	}
}

// meanKernel is Mean: the float sum of the inputs divided by their count.
func meanKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	ts, err := variadicInputs(in)
	if err != nil {
		return nil, err
	}
	if !ts[0].DType.IsFloat() {
		return nil, unsupportedDType(ts[0].DType)
	}
	if err := sameDType(ts...); err != nil {
		return nil, err
	}
	bc, err := newBcast(mapSlice(ts, tensorShape)...)
	if err != nil {
		return nil, err
	}
	// Sum in float64, then divide once: rounding to the dtype happens once.
	sum := foldBroadcast(mapSlice(ts, asFloat64s), bc, func(a, b float64) float64 { return a + b })
	cnt := float64(len(ts))
	return Outs(FromFloat64s(ts[0].DType, bc.shape, mapSlice(sum, func(v float64) float64 { return v / cnt }))), nil
}

// whereKernel is Where: X where the condition holds, else Y.
func whereKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	c, x, y := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	if c.DType != ir.Bool {
		return nil, fmt.Errorf("condition has dtype %s, want bool", c.DType)
	}
	if err := sameDType(x, y); err != nil {
		return nil, err
	}
	bc, err := newBcast(c.Shape, x.Shape, y.Shape)
	if err != nil {
		return nil, err
	}
	cond := ir.Values[bool](c)
	var data any
	switch xd := x.Data.(type) {
	case []float32:
		data = selectBroadcast(cond, xd, y.Data.([]float32), bc)
	case []float64:
		data = selectBroadcast(cond, xd, y.Data.([]float64), bc)
	case []uint16:
		data = selectBroadcast(cond, xd, y.Data.([]uint16), bc)
	case []int8:
		data = selectBroadcast(cond, xd, y.Data.([]int8), bc)
	case []uint8:
		data = selectBroadcast(cond, xd, y.Data.([]uint8), bc)
	case []int16:
		data = selectBroadcast(cond, xd, y.Data.([]int16), bc)
	case []int32:
		data = selectBroadcast(cond, xd, y.Data.([]int32), bc)
	case []int64:
		data = selectBroadcast(cond, xd, y.Data.([]int64), bc)
	case []uint32:
		data = selectBroadcast(cond, xd, y.Data.([]uint32), bc)
	case []uint64:
		data = selectBroadcast(cond, xd, y.Data.([]uint64), bc)
	case []bool:
		data = selectBroadcast(cond, xd, y.Data.([]bool), bc)
	case []string:
		data = selectBroadcast(cond, xd, y.Data.([]string), bc)
	default:
		return nil, unsupportedDType(x.DType)
	}
	// The data slice was built fresh, so it can be wrapped directly.
	return Outs(&ir.Tensor{DType: x.DType, Shape: bc.shape, Data: data}), nil
}

// selectBroadcast picks x or y per broadcast element by cond (input 0).
func selectBroadcast[T any](cond []bool, x, y []T, bc *bcast) []T {
	out := make([]T, bc.n)
	for k := range out {
		if cond[bc.at(0, k)] {
			out[k] = x[bc.at(1, k)]
		} else {
			out[k] = y[bc.at(2, k)]
		}
	}
	return out
}

func init() {
	Register("Sum", foldKernel(binFn{
		F: func(a, b float64) float64 { return a + b },
		I: func(a, b int64) int64 { return a + b },
		U: func(a, b uint64) uint64 { return a + b },
	}))
	// Go's max and min propagate NaN, as numpy's maximum and minimum do.
	Register("Max", foldKernel(binFn{
		F: func(a, b float64) float64 { return max(a, b) },
		I: func(a, b int64) int64 { return max(a, b) },
		U: func(a, b uint64) uint64 { return max(a, b) },
	}))
	Register("Min", foldKernel(binFn{
		F: func(a, b float64) float64 { return min(a, b) },
		I: func(a, b int64) int64 { return min(a, b) },
		U: func(a, b uint64) uint64 { return min(a, b) },
	}))
	Register("Mean", meanKernel)
	Register("Where", whereKernel)
}
