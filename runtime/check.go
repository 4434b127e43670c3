package runtime

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// checkInput compares run-time data with the declared type of an input.
func checkInput(v *ir.Value, d ir.Data) error {
	want := v.Type
	switch x := d.(type) {
	case *ir.Tensor:
		if x == nil {
			return fmt.Errorf("input %q: nil tensor", v.Name)
		}
		if want.Kind != ir.TensorKind {
			return fmt.Errorf("input %q: got a tensor, want %s", v.Name, want)
		}
		if want.DType != ir.Undefined && x.DType != want.DType {
			return fmt.Errorf("input %q: dtype %s, want %s", v.Name, x.DType, want.DType)
		}
		if !want.Shape.Accepts(x.Shape) {
			return fmt.Errorf("input %q: shape %v, want %s", v.Name, x.Shape, want.Shape)
		}
		if err := x.Check(); err != nil {
			return fmt.Errorf("input %q: %w", v.Name, err)
		}
	case *ir.Sequence:
		if x == nil || want.Kind != ir.SequenceKind {
			return fmt.Errorf("input %q: got a sequence (%v), want %s", v.Name, x != nil, want)
		}
		for i, t := range x.Items {
			if t == nil {
				return fmt.Errorf("input %q: item %d is nil", v.Name, i)
			}
			if err := t.Check(); err != nil {
				return fmt.Errorf("input %q: item %d: %w", v.Name, i, err)
			}
		}
	case *ir.Optional:
		if x == nil || want.Kind != ir.OptionalKind {
			return fmt.Errorf("input %q: got an optional (%v), want %s", v.Name, x != nil, want)
		}
	}
	return nil
}

// checkType reports where data contradicts the inferred type of v.
// Unknown parts of the type (dtype, rank, dims) accept anything.
func checkType(v *ir.Value, d ir.Data) error {
	want := v.Type
	switch x := d.(type) {
	case *ir.Tensor:
		if x == nil {
			return fmt.Errorf("input %q: nil tensor", v.Name)
		}
		if want.Kind != ir.TensorKind {
			return fmt.Errorf("inferred %s, kernel produced a tensor %s", want, x)
		}
		if want.DType != ir.Undefined && want.DType != x.DType {
			return fmt.Errorf("inferred %s, kernel produced %s", want, x)
		}
		if !want.Shape.Accepts(x.Shape) {
			return fmt.Errorf("inferred %s, kernel produced %s", want, x)
		}
	case *ir.Sequence:
		if want.Kind != ir.SequenceKind && !(want.Kind == ir.TensorKind && want.DType == ir.Undefined) {
			return fmt.Errorf("inferred %s, kernel produced a sequence", want)
		}
	case *ir.Optional:
		if want.Kind != ir.OptionalKind && !(want.Kind == ir.TensorKind && want.DType == ir.Undefined) {
			return fmt.Errorf("inferred %s, kernel produced an optional", want)
		}
	}
	return nil
}

// dataLen returns the length of t's element slice if its Go type matches
// t.DType, or -1. Unlike ir.Tensor.Check it does not allocate, so RunInto
// can validate tensors on every call.
func dataLen(t *ir.Tensor) int {
	ok, n := false, -1
	switch d := t.Data.(type) {
	case []float32:
		ok, n = t.DType == ir.Float32, len(d)
	case []float64:
		ok, n = t.DType == ir.Float64, len(d)
	case []uint16:
		ok, n = t.DType == ir.Float16 || t.DType == ir.BFloat16 || t.DType == ir.Uint16, len(d)
	case []int8:
		ok, n = t.DType == ir.Int8, len(d)
	case []uint8:
		ok, n = t.DType == ir.Uint8, len(d)
	case []int16:
		ok, n = t.DType == ir.Int16, len(d)
	case []int32:
		ok, n = t.DType == ir.Int32, len(d)
	case []int64:
		ok, n = t.DType == ir.Int64, len(d)
	case []uint32:
		ok, n = t.DType == ir.Uint32, len(d)
	case []uint64:
		ok, n = t.DType == ir.Uint64, len(d)
	case []bool:
		ok, n = t.DType == ir.Bool, len(d)
	case []string:
		ok, n = t.DType == ir.String, len(d)
	}
	if !ok {
		return -1
	}
	return n
}

// checkTensorFast validates a RunInto tensor without allocating on
// success: non-nil, Data matching DType, and as many elements as Shape.
func checkTensorFast(t *ir.Tensor) bool {
	if t == nil {
		return false
	}
	n, ok := ir.NumElements(t.Shape)
	return ok && dataLen(t) == n
}
