package ref

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Tensor plumbing shared by the control-flow and sequence kernels: take
// one slice of a tensor along an axis, stack slices on a new axis, and
// concatenate along an existing one. All copy whole contiguous runs.

// copyRun copies n elements of src starting at so into dst at do. Both
// tensors have the same dtype.
func copyRun(dst *ir.Tensor, do int, src *ir.Tensor, so, n int) {
	switch d := dst.Data.(type) {
	case []float32:
		copy(d[do:do+n], src.Data.([]float32)[so:so+n])
	case []float64:
		copy(d[do:do+n], src.Data.([]float64)[so:so+n])
	case []uint16:
		copy(d[do:do+n], src.Data.([]uint16)[so:so+n])
	case []int8:
		copy(d[do:do+n], src.Data.([]int8)[so:so+n])
	case []uint8:
		copy(d[do:do+n], src.Data.([]uint8)[so:so+n])
	case []int16:
		copy(d[do:do+n], src.Data.([]int16)[so:so+n])
	case []int32:
		copy(d[do:do+n], src.Data.([]int32)[so:so+n])
	case []int64:
		copy(d[do:do+n], src.Data.([]int64)[so:so+n])
	case []uint32:
		copy(d[do:do+n], src.Data.([]uint32)[so:so+n])
	case []uint64:
		copy(d[do:do+n], src.Data.([]uint64)[so:so+n])
	case []bool:
		copy(d[do:do+n], src.Data.([]bool)[so:so+n])
	case []string:
		copy(d[do:do+n], src.Data.([]string)[so:so+n])
	default:
		panic(fmt.Sprintf("copyRun: unsupported %T", dst.Data))
	}
}

func prod(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

// sliceAxis returns element idx of t along axis, with that axis removed.
func sliceAxis(t *ir.Tensor, axis, idx int) *ir.Tensor {
	shape := append(append([]int{}, t.Shape[:axis]...), t.Shape[axis+1:]...)
	out := ir.Zeros(t.DType, shape)
	outer, inner, n := prod(t.Shape[:axis]), prod(t.Shape[axis+1:]), t.Shape[axis]
	for o := 0; o < outer; o++ {
		copyRun(out, o*inner, t, (o*n+idx)*inner, inner)
	}
	return out
}

// concatAxis joins tensors of one dtype along an existing axis; all other
// dims must agree.
func concatAxis(parts []*ir.Tensor, axis int) (*ir.Tensor, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("nothing to concatenate")
	}
	first := parts[0]
	if axis < 0 || axis >= first.Rank() {
		return nil, fmt.Errorf("axis %d out of range for rank %d", axis, first.Rank())
	}
	total := 0
	for i, p := range parts {
		if p.DType != first.DType {
			return nil, fmt.Errorf("item %d has dtype %s, item 0 has %s", i, p.DType, first.DType)
		}
		if p.Rank() != first.Rank() {
			return nil, fmt.Errorf("item %d has shape %v, item 0 has %v", i, p.Shape, first.Shape)
		}
		for d := range p.Shape {
			if d != axis && p.Shape[d] != first.Shape[d] {
				return nil, fmt.Errorf("item %d has shape %v, item 0 has %v", i, p.Shape, first.Shape)
			}
		}
		total += p.Shape[axis]
	}
	shape := append([]int{}, first.Shape...)
	shape[axis] = total
	out := ir.Zeros(first.DType, shape)
	outer, inner := prod(shape[:axis]), prod(shape[axis+1:])
	off := 0
	for _, p := range parts {
		run := p.Shape[axis] * inner
		for o := 0; o < outer; o++ {
			copyRun(out, o*total*inner+off, p, o*run, run)
		}
		off += run
	}
	return out, nil
}

// stackAxis joins tensors of equal dtype and shape on a new axis.
func stackAxis(parts []*ir.Tensor, axis int) (*ir.Tensor, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("nothing to stack")
	}
	first := parts[0]
	if axis < 0 || axis > first.Rank() {
		return nil, fmt.Errorf("axis %d out of range for stacking rank-%d tensors", axis, first.Rank())
	}
	expanded := make([]*ir.Tensor, len(parts))
	for i, p := range parts {
		if p.DType != first.DType || !slices.Equal(p.Shape, first.Shape) {
			return nil, fmt.Errorf("item %d is %s, item 0 is %s: stacked items must match", i, p, first)
		}
		shape := append(append(append([]int{}, p.Shape[:axis]...), 1), p.Shape[axis:]...)
		expanded[i] = p.Reshaped(shape)
	}
	return concatAxis(expanded, axis)
}

// emptyStack builds the stack of zero items of declared type t on axis:
// the new axis has length 0 and the other dims come from t (unknown dims
// count as 0, which keeps the tensor empty either way).
func emptyStack(t ir.Type, axis int) *ir.Tensor {
	dt := t.DType
	if dt == ir.Undefined {
		dt = ir.Float32
	}
	var dims []int
	if t.Shape.Ranked {
		for _, d := range t.Shape.Dims {
			if d.Known() {
				dims = append(dims, int(d.Size))
			} else {
				dims = append(dims, 0)
			}
		}
	}
	if axis < 0 || axis > len(dims) {
		axis = 0
	}
	shape := append(append(append([]int{}, dims[:axis]...), 0), dims[axis:]...)
	return ir.Zeros(dt, shape)
}

// scalarBool reads a one-element bool (or numeric) tensor as a condition.
func scalarBool(t *ir.Tensor, what string) (bool, error) {
	if t.Len() != 1 {
		return false, fmt.Errorf("%s must have one element, has shape %v", what, t.Shape)
	}
	if b, ok := t.Data.([]bool); ok {
		return b[0], nil
	}
	return t.Float64At(0) != 0, nil
}

// scalarInt reads a one-element integer tensor.
func scalarInt(t *ir.Tensor, what string) (int64, error) {
	if t.Len() != 1 {
		return 0, fmt.Errorf("%s must have one element, has shape %v", what, t.Shape)
	}
	if !t.DType.IsInt() {
		return 0, fmt.Errorf("%s must be an integer, is %s", what, t.DType)
	}
	return t.Int64At(0), nil
}
