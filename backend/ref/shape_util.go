package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Dtype-agnostic element movement shared by the shape and index kernels.
// Most of those ops are "output element k is input element idx[k]", so
// they compute an index map and let take do the copy for any dtype.

// take returns a tensor of src's dtype and the given shape whose element k
// is src's element idx[k].
func take(src *ir.Tensor, shape []int, idx []int) *ir.Tensor {
	out := ir.Zeros(src.DType, shape)
	switch s := src.Data.(type) {
	case []float32:
		takeInto(out.Data.([]float32), s, idx)
	case []float64:
		takeInto(out.Data.([]float64), s, idx)
	case []uint16:
		takeInto(out.Data.([]uint16), s, idx)
	case []int8:
		takeInto(out.Data.([]int8), s, idx)
	case []uint8:
		takeInto(out.Data.([]uint8), s, idx)
	case []int16:
		takeInto(out.Data.([]int16), s, idx)
	case []int32:
		takeInto(out.Data.([]int32), s, idx)
	case []int64:
		takeInto(out.Data.([]int64), s, idx)
	case []uint32:
		takeInto(out.Data.([]uint32), s, idx)
	case []uint64:
		takeInto(out.Data.([]uint64), s, idx)
	case []bool:
		takeInto(out.Data.([]bool), s, idx)
	case []string:
		takeInto(out.Data.([]string), s, idx)
	default:
		panic(fmt.Sprintf("take: unsupported %T", src.Data))
	}
	return out
}

func takeInto[T any](dst, src []T, idx []int) {
	for k, i := range idx {
		dst[k] = src[i]
	}
}

// put copies src's element k into dst's element idx[k] for every k; dst
// and src have the same dtype. Later writes win.
func put(dst, src *ir.Tensor, idx []int) {
	switch d := dst.Data.(type) {
	case []float32:
		putInto(d, src.Data.([]float32), idx)
	case []float64:
		putInto(d, src.Data.([]float64), idx)
	case []uint16:
		putInto(d, src.Data.([]uint16), idx)
	case []int8:
		putInto(d, src.Data.([]int8), idx)
	case []uint8:
		putInto(d, src.Data.([]uint8), idx)
	case []int16:
		putInto(d, src.Data.([]int16), idx)
	case []int32:
		putInto(d, src.Data.([]int32), idx)
	case []int64:
		putInto(d, src.Data.([]int64), idx)
	case []uint32:
		putInto(d, src.Data.([]uint32), idx)
	case []uint64:
		putInto(d, src.Data.([]uint64), idx)
	case []bool:
		putInto(d, src.Data.([]bool), idx)
	case []string:
		putInto(d, src.Data.([]string), idx)
	default:
		panic(fmt.Sprintf("put: unsupported %T", dst.Data))
	}
}

func putInto[T any](dst, src []T, idx []int) {
	for k, i := range idx {
		dst[i] = src[k]
	}
}

// filled returns a tensor of the given shape with every element equal to
// v's element 0.
func filled(v *ir.Tensor, shape []int) *ir.Tensor {
	return take(v, shape, make([]int, mustAlloc(v.DType, shape)))
}

// mustAlloc checks that a tensor of dt and shape may be allocated before a
// kernel builds an index map for it, panicking with the *ir.AllocError as
// ir.Zeros would; it returns the element count.
func mustAlloc(dt ir.DType, shape []int) int {
	n, err := ir.CheckAlloc(dt, shape)
	if err != nil {
		panic(err)
	}
	return n
}

// unravel writes the coordinates of flat index k of shape into coord.
func unravel(k int, shape, coord []int) {
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			coord[d] = k % shape[d]
			k /= shape[d]
		}
	}
}

// mapIndex builds the index map of an output of shape out: for every output
// coordinate, src returns the flat input index it reads.
func mapIndex(out []int, src func(coord []int) int) []int {
	n, ok := ir.NumElements(out)
	if !ok {
		panic(&ir.AllocError{DType: ir.Int64, Shape: out, Why: "element count overflows int64"})
	}
	idx := make([]int, n)
	coord := make([]int, len(out))
	for k := 0; k < n; k++ {
		idx[k] = src(coord)
		for d := len(out) - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < out[d] {
				break
			}
			coord[d] = 0
		}
	}
	return idx
}

// dims converts int64 dims, rejecting negatives.
func toDims(what string, v []int64) ([]int, error) {
	out := make([]int, len(v))
	for i, d := range v {
		if d < 0 {
			return nil, fmt.Errorf("%s: negative dimension %d", what, d)
		}
		out[i] = int(d)
	}
	return out, nil
}

// intInput reads input i, which must be present and an integer tensor, as
// int64s. A uint64 value above math.MaxInt64 is an error ("too large"):
// read as int64 it would wrap negative and pass for a from-the-end index
// or be reported as a negative dimension.
func intInput(in []ir.Data, i int, what string) ([]int64, error) {
	t := Tensor(in, i)
	if t == nil {
		return nil, fmt.Errorf("%s (input %d) is missing", what, i)
	}
	if !t.DType.IsInt() {
		return nil, fmt.Errorf("%s (input %d) is %s, want an integer tensor", what, i, t.DType)
	}
	vals := t.Int64s()
	if t.DType.IsUnsigned() {
		for _, v := range vals {
			if v < 0 {
				return nil, fmt.Errorf("%s (input %d): value %d is too large", what, i, uint64(v))
			}
		}
	}
	return vals, nil
}

// normAxes normalizes a list of axes for rank, rejecting out-of-range and
// repeated ones.
func normAxes(axes []int64, rank int) ([]int, error) {
	out := make([]int, len(axes))
	seen := map[int]bool{}
	for i, a := range axes {
		x, err := NormAxis(a, rank)
		if err != nil {
			return nil, err
		}
		if seen[x] {
			return nil, fmt.Errorf("axis %d repeated in %v", a, axes)
		}
		seen[x] = true
		out[i] = x
	}
	return out, nil
}

// identityIdx is 0, 1, ..., n-1.
func identityIdx(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
