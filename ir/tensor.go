package ir

import (
	"fmt"
	"reflect"
	"sync/atomic"
)

// Data is anything a graph value can hold at run time: *Tensor, *Sequence
// or *Optional.
type Data interface{ isData() }

// Tensor is a dense, row-major tensor. Data holds a typed slice whose Go
// element type follows DType: []float32, []float64, []uint16 (float16 and
// bfloat16 bit patterns), []int8 ... []uint64, []bool or []string.
type Tensor struct {
	DType DType
	Shape []int
	Data  any
}

func (*Tensor) isData() {}

// Sequence is an ONNX sequence of tensors, all of type Elem's dtype.
type Sequence struct {
	Elem  Type
	Items []*Tensor
}

func (*Sequence) isData() {}

// Optional is an ONNX optional: Value is nil when it holds nothing.
type Optional struct {
	Elem  Type
	Value Data
}

func (*Optional) isData() {}

// maxTensorBytes bounds any single tensor allocation; see SetTensorLimit.
var maxTensorBytes atomic.Int64

func init() { maxTensorBytes.Store(16 << 30) }

// SetTensorLimit sets the largest tensor, in bytes, that NewTensor accepts.
func SetTensorLimit(bytes int64) { maxTensorBytes.Store(bytes) }

// TensorLimit returns the current limit set by SetTensorLimit.
func TensorLimit() int64 { return maxTensorBytes.Load() }

// AllocError reports a tensor whose size overflows or exceeds the limit.
type AllocError struct {
	DType DType
	Shape []int
	Why   string
}

func (e *AllocError) Error() string {
	return fmt.Sprintf("%s%v: %s", e.DType, e.Shape, e.Why)
}

// CheckAlloc returns the element count of a tensor of this dtype and shape,
// or an *AllocError if the size overflows int64 or exceeds the limit.
func CheckAlloc(dt DType, shape []int) (int, error) {
	n, ok := NumElements(shape)
	if !ok {
		return 0, &AllocError{dt, shape, "element count overflows int64 or has a negative dimension"}
	}
	size := dt.Size()
	if size == 0 {
		size = 16 // a string header
	}
	if int64(n) > maxTensorBytes.Load()/int64(size) {
		return 0, &AllocError{dt, shape, fmt.Sprintf("needs more than the %d-byte tensor limit", maxTensorBytes.Load())}
	}
	return n, nil
}

// NewTensor allocates a zeroed tensor, checking its size.
func NewTensor(dt DType, shape []int) (*Tensor, error) {
	n, err := CheckAlloc(dt, shape)
	if err != nil {
		return nil, err
	}
	data, err := makeSlice(dt, n)
	if err != nil {
		return nil, err
	}
	return &Tensor{DType: dt, Shape: append([]int{}, shape...), Data: data}, nil
}

// Zeros is NewTensor for kernels: shapes there come from validated nodes,
// so a failure panics with the *AllocError, which the runtime recovers into
// an error naming the node.
func Zeros(dt DType, shape []int) *Tensor {
	t, err := NewTensor(dt, shape)
	if err != nil {
		panic(err)
	}
	return t
}

func makeSlice(dt DType, n int) (any, error) {
	switch dt {
	case Float32:
		return make([]float32, n), nil
	case Float64:
		return make([]float64, n), nil
	case Float16, BFloat16, Uint16:
		return make([]uint16, n), nil
	case Int8:
		return make([]int8, n), nil
	case Uint8:
		return make([]uint8, n), nil
	case Int16:
		return make([]int16, n), nil
	case Int32:
		return make([]int32, n), nil
	case Int64:
		return make([]int64, n), nil
	case Uint32:
		return make([]uint32, n), nil
	case Uint64:
		return make([]uint64, n), nil
	case Bool:
		return make([]bool, n), nil
	case String:
		return make([]string, n), nil
	}
	return nil, fmt.Errorf("unsupported dtype %s", dt)
}

// Elem is the set of Go element types a tensor can hold.
type Elem interface {
	~float32 | ~float64 | ~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~int64 |
		~uint32 | ~uint64 | ~bool | ~string
}

// DTypeOf returns the dtype that holds Go type T; uint16 maps to Uint16
// (float16 and bfloat16 tensors are built with FromBits).
func DTypeOf[T Elem]() DType {
	var z T
	switch any(z).(type) {
	case float32:
		return Float32
	case float64:
		return Float64
	case int8:
		return Int8
	case uint8:
		return Uint8
	case int16:
		return Int16
	case uint16:
		return Uint16
	case int32:
		return Int32
	case int64:
		return Int64
	case uint32:
		return Uint32
	case uint64:
		return Uint64
	case bool:
		return Bool
	case string:
		return String
	}
	return Undefined
}

// FromSlice wraps data (not copied) as a tensor of the given shape.
func FromSlice[T Elem](shape []int, data []T) *Tensor {
	return &Tensor{DType: DTypeOf[T](), Shape: append([]int{}, shape...), Data: data}
}

// FromBits wraps float16 or bfloat16 bit patterns as a tensor.
func FromBits(dt DType, shape []int, bits []uint16) *Tensor {
	return &Tensor{DType: dt, Shape: append([]int{}, shape...), Data: bits}
}

// Scalar builds a rank-0 tensor.
func Scalar[T Elem](v T) *Tensor { return FromSlice(nil, []T{v}) }

// Values returns the typed slice of t; it panics if T does not match.
func Values[T Elem](t *Tensor) []T { return t.Data.([]T) }

// Len is the number of elements.
func (t *Tensor) Len() int {
	n, _ := NumElements(t.Shape)
	return n
}

// Rank is the number of dimensions.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Bytes is the size of the element data in bytes (strings count their bytes).
func (t *Tensor) Bytes() int64 {
	if t.DType == String {
		var n int64
		for _, s := range t.Data.([]string) {
			n += int64(len(s))
		}
		return n
	}
	return int64(t.Len()) * int64(t.DType.Size())
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := Zeros(t.DType, t.Shape)
	copyData(c.Data, t.Data)
	return c
}

// Reshaped returns a tensor sharing t's data with a new shape of equal size.
func (t *Tensor) Reshaped(shape []int) *Tensor {
	return &Tensor{DType: t.DType, Shape: append([]int{}, shape...), Data: t.Data}
}

// CopyFrom copies src's elements into t (same dtype and length).
func (t *Tensor) CopyFrom(src *Tensor) { copyData(t.Data, src.Data) }

func copyData(dst, src any) {
	switch d := dst.(type) {
	case []float32:
		copy(d, src.([]float32))
	case []float64:
		copy(d, src.([]float64))
	case []uint16:
		copy(d, src.([]uint16))
	case []int8:
		copy(d, src.([]int8))
	case []uint8:
		copy(d, src.([]uint8))
	case []int16:
		copy(d, src.([]int16))
	case []int32:
		copy(d, src.([]int32))
	case []int64:
		copy(d, src.([]int64))
	case []uint32:
		copy(d, src.([]uint32))
	case []uint64:
		copy(d, src.([]uint64))
	case []bool:
		copy(d, src.([]bool))
	case []string:
		copy(d, src.([]string))
	default:
		panic(fmt.Sprintf("copyData: unsupported %T", dst))
	}
}

// Strides returns row-major element strides for shape.
func Strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// Float64At reads element i of a numeric or bool tensor as float64.
func (t *Tensor) Float64At(i int) float64 {
	switch d := t.Data.(type) {
	case []float32:
		return float64(d[i])
	case []float64:
		return d[i]
	case []uint16:
		switch t.DType {
		case Float16:
			return float64(F16ToF32(d[i]))
		case BFloat16:
			return float64(BF16ToF32(d[i]))
		}
		return float64(d[i])
	case []int8:
		return float64(d[i])
	case []uint8:
		return float64(d[i])
	case []int16:
		return float64(d[i])
	case []int32:
		return float64(d[i])
	case []int64:
		return float64(d[i])
	case []uint32:
		return float64(d[i])
	case []uint64:
		return float64(d[i])
	case []bool:
		if d[i] {
			return 1
		}
		return 0
	}
	panic(fmt.Sprintf("Float64At: unsupported dtype %s", t.DType))
}

// SetFloat64At writes element i of a numeric or bool tensor, converting v
// as a C cast would (truncation toward zero for integers); float targets
// are rounded once, to nearest even.
func (t *Tensor) SetFloat64At(i int, v float64) {
	switch d := t.Data.(type) {
	case []float32:
		d[i] = float32(v)
	case []float64:
		d[i] = v
	case []uint16:
		switch t.DType {
		case Float16:
			d[i] = F64ToF16(v)
		case BFloat16:
			d[i] = F64ToBF16(v)
		default:
			d[i] = uint16(v)
		}
	case []int8:
		d[i] = int8(v)
	case []uint8:
		d[i] = uint8(v)
	case []int16:
		d[i] = int16(v)
	case []int32:
		d[i] = int32(v)
	case []int64:
		d[i] = int64(v)
	case []uint32:
		d[i] = uint32(v)
	case []uint64:
		d[i] = uint64(v)
	case []bool:
		d[i] = v != 0
	default:
		panic(fmt.Sprintf("SetFloat64At: unsupported dtype %s", t.DType))
	}
}

// Int64At reads element i of an integer or bool tensor exactly.
func (t *Tensor) Int64At(i int) int64 {
	switch d := t.Data.(type) {
	case []int8:
		return int64(d[i])
	case []uint8:
		return int64(d[i])
	case []int16:
		return int64(d[i])
	case []uint16:
		if t.DType == Uint16 {
			return int64(d[i])
		}
	case []int32:
		return int64(d[i])
	case []int64:
		return d[i]
	case []uint32:
		return int64(d[i])
	case []uint64:
		return int64(d[i])
	case []bool:
		if d[i] {
			return 1
		}
		return 0
	}
	return int64(t.Float64At(i))
}

// SetInt64At writes element i from an int64, wrapping as a C cast would.
func (t *Tensor) SetInt64At(i int, v int64) {
	switch d := t.Data.(type) {
	case []int8:
		d[i] = int8(v)
	case []uint8:
		d[i] = uint8(v)
	case []int16:
		d[i] = int16(v)
	case []int32:
		d[i] = int32(v)
	case []int64:
		d[i] = v
	case []uint32:
		d[i] = uint32(v)
	case []uint64:
		d[i] = uint64(v)
	case []uint16:
		if t.DType == Uint16 {
			d[i] = uint16(v)
			return
		}
		t.SetFloat64At(i, float64(v))
	default:
		t.SetFloat64At(i, float64(v))
	}
}

// Int64s returns the elements of an integer tensor as int64 (a copy).
func (t *Tensor) Int64s() []int64 {
	out := make([]int64, t.Len())
	for i := range out {
		out[i] = t.Int64At(i)
	}
	return out
}

// Float64s returns the elements of a numeric tensor as float64 (a copy).
func (t *Tensor) Float64s() []float64 {
	out := make([]float64, t.Len())
	for i := range out {
		out[i] = t.Float64At(i)
	}
	return out
}

// String is a short description: dtype and shape.
func (t *Tensor) String() string { return fmt.Sprintf("%s%v", t.DType, t.Shape) }

// Check reports a tensor whose Data does not fit its DType and Shape: the
// wrong Go slice type, or a length other than the shape's element count.
// Tensors built by this package always pass; the runtime checks tensors
// that callers build by hand.
func (t *Tensor) Check() error {
	want, err := makeSlice(t.DType, 0)
	if err != nil {
		return err
	}
	if reflect.TypeOf(t.Data) != reflect.TypeOf(want) {
		return fmt.Errorf("dtype %s needs data of type %T, has %T", t.DType, want, t.Data)
	}
	n, ok := NumElements(t.Shape)
	if !ok {
		return fmt.Errorf("shape %v overflows or has a negative dimension", t.Shape)
	}
	if l := reflect.ValueOf(t.Data).Len(); l != n {
		return fmt.Errorf("shape %v holds %d elements but data has %d", t.Shape, n, l)
	}
	return nil
}
