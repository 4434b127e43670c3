package ref

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Elementwise kernels share one scheme: every dtype falls in a class that
// fixes the Go type the arithmetic runs in. Floats (float16, bfloat16,
// float32, float64) compute in float64 and round back once, which for
// + - * / and sqrt gives exactly the float32 result. Integers compute
// exactly in int64 (signed) or uint64 (unsigned) and wrap back to their
// width, which is two's-complement arithmetic in the original width.

// class is how an elementwise kernel computes on a dtype.
type class int

const (
	noClass       class = iota
	floatClass          // in float64, rounded back
	signedClass         // in int64, wrapped back
	unsignedClass       // in uint64, wrapped back
	boolClass
	stringClass
)

func classOf(dt ir.DType) class {
	switch {
	case dt.IsFloat():
		return floatClass
	case dt.IsSigned():
		return signedClass
	case dt.IsUnsigned():
		return unsignedClass
	case dt == ir.Bool:
		return boolClass
	case dt == ir.String:
		return stringClass
	}
	return noClass
}

// number is every Go type a numeric tensor holds (float16 and bfloat16
// bits excepted: they need decoding).
type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// convertSlice converts src into dst element by element as Go (and C)
// conversions do: integers wrap, floats truncate toward zero.
func convertSlice[D, S number](dst []D, src []S) {
	for i, x := range src {
		dst[i] = D(x)
	}
}

func widen[W, S number](src []S) []W {
	out := make([]W, len(src))
	convertSlice(out, src)
	return out
}

// asFloat64s returns the elements of a numeric or bool tensor as float64.
// The result may share t's storage: callers must not write to it.
func asFloat64s(t *ir.Tensor) []float64 {
	switch d := t.Data.(type) {
	case []float64:
		return d
	case []float32:
		return widen[float64](d)
	case []int32:
		return widen[float64](d)
	case []int64:
		return widen[float64](d)
	}
	return t.Float64s()
}

// asInt64s returns the elements of a signed integer or bool tensor as
// int64; callers must not write to the result.
func asInt64s(t *ir.Tensor) []int64 {
	switch d := t.Data.(type) {
	case []int64:
		return d
	case []int32:
		return widen[int64](d)
	case []int16:
		return widen[int64](d)
	case []int8:
		return widen[int64](d)
	}
	return t.Int64s()
}

// asUint64s returns the elements of an unsigned integer tensor as uint64;
// callers must not write to the result.
func asUint64s(t *ir.Tensor) []uint64 {
	switch d := t.Data.(type) {
	case []uint64:
		return d
	case []uint32:
		return widen[uint64](d)
	case []uint16:
		return widen[uint64](d)
	case []uint8:
		return widen[uint64](d)
	}
	out := make([]uint64, t.Len())
	for i := range out {
		out[i] = uint64(t.Int64At(i))
	}
	return out
}

// fromInt64s builds an integer tensor of dtype dt, wrapping each value to
// its width.
func fromInt64s(dt ir.DType, shape []int, v []int64) *ir.Tensor {
	t := ir.Zeros(dt, shape)
	switch d := t.Data.(type) {
	case []int64:
		copy(d, v)
	case []int32:
		convertSlice(d, v)
	case []int16:
		convertSlice(d, v)
	case []int8:
		convertSlice(d, v)
	default:
		for i, x := range v {
			t.SetInt64At(i, x)
		}
	}
	return t
}

// fromUint64s builds an unsigned tensor of dtype dt, wrapping each value.
func fromUint64s(dt ir.DType, shape []int, v []uint64) *ir.Tensor {
	t := ir.Zeros(dt, shape)
	switch d := t.Data.(type) {
	case []uint64:
		copy(d, v)
	case []uint32:
		convertSlice(d, v)
	case []uint16:
		convertSlice(d, v)
	case []uint8:
		convertSlice(d, v)
	default:
		for i, x := range v {
			t.SetInt64At(i, int64(x))
		}
	}
	return t
}

// bcast maps each element of a numpy-broadcast result to the elements of
// its inputs.
type bcast struct {
	shape []int
	n     int
	idx   [][]int // per input; nil where the input already has the result's shape
}

// newBcast broadcasts the given shapes. It fails on incompatible shapes
// and on a result too large to allocate.
func newBcast(shapes ...[]int) (*bcast, error) {
	out, err := ir.BroadcastDims(shapes...)
	if err != nil {
		return nil, err
	}
	n, err := ir.CheckAlloc(ir.Float64, out)
	if err != nil {
		return nil, err
	}
	b := &bcast{shape: out, n: n, idx: make([][]int, len(shapes))}
	for i, s := range shapes {
		if !slices.Equal(s, out) {
			b.idx[i] = BroadcastIndex(s, out)
		}
	}
	return b, nil
}

// at is the flat index into input i of result element k.
func (b *bcast) at(i, k int) int {
	if b.idx[i] == nil {
		return k
	}
	return b.idx[i][k]
}

// zipWith applies f to the broadcast pairs of x (input 0) and y (input 1).
func zipWith[T, U, R any](x []T, y []U, b *bcast, f func(T, U) R) []R {
	out := make([]R, b.n)
	for k := range out {
		out[k] = f(x[b.at(0, k)], y[b.at(1, k)])
	}
	return out
}

// mapSlice applies f to every element of x.
func mapSlice[T, R any](x []T, f func(T) R) []R {
	out := make([]R, len(x))
	for i, v := range x {
		out[i] = f(v)
	}
	return out
}

// sameDType checks that every present input has the dtype of the first.
func sameDType(ts ...*ir.Tensor) error {
	for _, t := range ts[1:] {
		if t != nil && t.DType != ts[0].DType {
			return fmt.Errorf("input dtypes %s and %s differ", ts[0].DType, t.DType)
		}
	}
	return nil
}

func unsupportedDType(dt ir.DType) error { return fmt.Errorf("unsupported input dtype %s", dt) }
