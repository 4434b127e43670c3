package ir

import "fmt"

// DType is the element type of a tensor. The numbering is ONNX's
// TensorProto.DataType, so conversion at the frontend is a plain cast.
type DType int32

const (
	Undefined  DType = 0
	Float32    DType = 1
	Uint8      DType = 2
	Int8       DType = 3
	Uint16     DType = 4
	Int16      DType = 5
	Int32      DType = 6
	Int64      DType = 7
	String     DType = 8
	Bool       DType = 9
	Float16    DType = 10
	Float64    DType = 11
	Uint32     DType = 12
	Uint64     DType = 13
	Complex64  DType = 14
	Complex128 DType = 15
	BFloat16   DType = 16
)

var dtypeNames = map[DType]string{
	Undefined: "undefined", Float32: "f32", Uint8: "u8", Int8: "i8", Uint16: "u16",
	Int16: "i16", Int32: "i32", Int64: "i64", String: "string", Bool: "bool",
	Float16: "f16", Float64: "f64", Uint32: "u32", Uint64: "u64",
	Complex64: "c64", Complex128: "c128", BFloat16: "bf16",
}

// String returns the short name used by the IR text form (f32, i64, ...).
func (d DType) String() string {
	if s, ok := dtypeNames[d]; ok {
		return s
	}
	return fmt.Sprintf("dtype(%d)", int32(d))
}

// ParseDType is the inverse of DType.String.
func ParseDType(s string) (DType, bool) {
	for d, n := range dtypeNames {
		if n == s {
			return d, true
		}
	}
	return Undefined, false
}

// Supported reports whether dlc can hold tensors of this dtype.
func (d DType) Supported() bool {
	switch d {
	case Undefined, Complex64, Complex128:
		return false
	}
	_, ok := dtypeNames[d]
	return ok
}

// Size is the number of bytes of one element; 0 for strings.
func (d DType) Size() int {
	switch d {
	case Bool, Int8, Uint8:
		return 1
	case Int16, Uint16, Float16, BFloat16:
		return 2
	case Int32, Uint32, Float32:
		return 4
	case Int64, Uint64, Float64, Complex64:
		return 8
	case Complex128:
		return 16
	}
	return 0
}

// IsFloat reports float16, bfloat16, float32 and float64.
func (d DType) IsFloat() bool {
	return d == Float32 || d == Float64 || d == Float16 || d == BFloat16
}

// IsInt reports the signed and unsigned integer types.
func (d DType) IsInt() bool { return d.IsSigned() || d.IsUnsigned() }

// IsSigned reports the signed integer types.
func (d DType) IsSigned() bool { return d == Int8 || d == Int16 || d == Int32 || d == Int64 }

// IsUnsigned reports the unsigned integer types.
func (d DType) IsUnsigned() bool {
	return d == Uint8 || d == Uint16 || d == Uint32 || d == Uint64
}

// IsNumeric reports every type with arithmetic: integers and floats.
func (d DType) IsNumeric() bool { return d.IsFloat() || d.IsInt() }
