package aot

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/dlc-go/dlc/internal/atomicfile"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX TensorProto, read and written with the wire format directly: a
// compiled command links no protobuf reflection and no ONNX schema. Field
// numbers are those of onnx.proto.
const (
	tpDims       = 1
	tpDataType   = 2
	tpFloatData  = 4
	tpInt32Data  = 5
	tpStringData = 6
	tpInt64Data  = 7
	tpName       = 8
	tpRawData    = 9
	tpDoubleData = 10
	tpUint64Data = 11
	tpExternal   = 13
)

// decodeTensor parses a serialized TensorProto.
func decodeTensor(b []byte) (*ir.Tensor, string, error) {
	var (
		dims    []int
		dtype   ir.DType
		name    string
		raw     []byte
		hasRaw  bool
		floats  []float32
		doubles []float64
		i32s    []int32
		i64s    []int64
		u64s    []uint64
		strs    []string
	)
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, "", fmt.Errorf("bad TensorProto: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var err error
		switch {
		case num == tpDims:
			b, err = varints(b, typ, func(v uint64) { dims = append(dims, int(int64(v))) })
		case num == tpDataType && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, "", fmt.Errorf("bad TensorProto data_type")
			}
			dtype, b = ir.DType(v), b[n:]
		case num == tpName && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, "", fmt.Errorf("bad TensorProto name")
			}
			name, b = string(v), b[n:]
		case num == tpRawData && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, "", fmt.Errorf("bad TensorProto raw_data")
			}
			raw, hasRaw, b = v, true, b[n:]
		case num == tpFloatData:
			b, err = fixed32s(b, typ, func(v uint32) { floats = append(floats, math.Float32frombits(v)) })
		case num == tpDoubleData:
			b, err = fixed64s(b, typ, func(v uint64) { doubles = append(doubles, math.Float64frombits(v)) })
		case num == tpInt32Data:
			b, err = varints(b, typ, func(v uint64) { i32s = append(i32s, int32(v)) })
		case num == tpInt64Data:
			b, err = varints(b, typ, func(v uint64) { i64s = append(i64s, int64(v)) })
		case num == tpUint64Data:
			b, err = varints(b, typ, func(v uint64) { u64s = append(u64s, v) })
		case num == tpStringData && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, "", fmt.Errorf("bad TensorProto string_data")
			}
			strs, b = append(strs, string(v)), b[n:]
		case num == tpExternal:
			return nil, "", fmt.Errorf("tensors with external data are not supported by compiled models")
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, "", fmt.Errorf("bad TensorProto field %d", num)
			}
			b = b[n:]
		}
		if err != nil {
			return nil, "", err
		}
	}
	size, ok := ir.NumElements(dims)
	if !ok {
		return nil, "", fmt.Errorf("tensor %q: bad dims %v", name, dims)
	}
	t, err := ir.NewTensor(dtype, dims)
	if err != nil {
		return nil, "", fmt.Errorf("tensor %q: unsupported data type %d", name, int(dtype))
	}
	if dtype == ir.String {
		if len(strs) != size {
			return nil, "", fmt.Errorf("tensor %q: %d strings, %v needs %d", name, len(strs), dims, size)
		}
		copy(t.Data.([]string), strs)
		return t, name, nil
	}
	if hasRaw {
		if len(raw) != size*dtype.Size() {
			return nil, "", fmt.Errorf("tensor %q: raw_data has %d bytes, %s%v needs %d", name, len(raw), dtype, dims, size*dtype.Size())
		}
		if _, err := binary.Decode(raw, binary.LittleEndian, t.Data); err != nil {
			return nil, "", fmt.Errorf("tensor %q: %w", name, err)
		}
		return t, name, nil
	}
	var got int
	set := func(i int, f float64, k int64) {
		if i < size {
			switch d := t.Data.(type) {
			case []float32:
				d[i] = float32(f)
			case []float64:
				d[i] = f
			default:
				t.SetInt64At(i, k)
			}
		}
	}
	switch dtype {
	case ir.Float32:
		got = len(floats)
		for i, f := range floats {
			set(i, float64(f), 0)
		}
	case ir.Float64:
		got = len(doubles)
		for i, f := range doubles {
			set(i, f, 0)
		}
	case ir.Int64:
		got = len(i64s)
		for i, v := range i64s {
			set(i, 0, v)
		}
	case ir.Uint32, ir.Uint64:
		got = len(u64s)
		for i, v := range u64s {
			set(i, 0, int64(v))
		}
	case ir.Float16, ir.BFloat16:
		got = len(i32s)
		bits := t.Data.([]uint16)
		for i, v := range i32s {
			if i < size {
				bits[i] = uint16(v)
			}
		}
	default: // int32, int16, int8, uint16, uint8, bool: int32_data
		got = len(i32s)
		for i, v := range i32s {
			set(i, 0, int64(v))
		}
	}
	if got != size {
		return nil, "", fmt.Errorf("tensor %q: %d elements, %s%v needs %d", name, got, dtype, dims, size)
	}
	return t, name, nil
}

func varints(b []byte, typ protowire.Type, add func(uint64)) ([]byte, error) {
	switch typ {
	case protowire.VarintType:
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, fmt.Errorf("bad TensorProto varint")
		}
		add(v)
		return b[n:], nil
	case protowire.BytesType:
		p, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, fmt.Errorf("bad TensorProto packed field")
		}
		for len(p) > 0 {
			v, m := protowire.ConsumeVarint(p)
			if m < 0 {
				return nil, fmt.Errorf("bad TensorProto packed varint")
			}
			add(v)
			p = p[m:]
		}
		return b[n:], nil
	}
	return nil, fmt.Errorf("bad TensorProto wire type %d", typ)
}

func fixed32s(b []byte, typ protowire.Type, add func(uint32)) ([]byte, error) {
	switch typ {
	case protowire.Fixed32Type:
		v, n := protowire.ConsumeFixed32(b)
		if n < 0 {
			return nil, fmt.Errorf("bad TensorProto fixed32")
		}
		add(v)
		return b[n:], nil
	case protowire.BytesType:
		p, n := protowire.ConsumeBytes(b)
		if n < 0 || len(p)%4 != 0 {
			return nil, fmt.Errorf("bad TensorProto packed fixed32")
		}
		for i := 0; i < len(p); i += 4 {
			add(binary.LittleEndian.Uint32(p[i:]))
		}
		return b[n:], nil
	}
	return nil, fmt.Errorf("bad TensorProto wire type %d", typ)
}

func fixed64s(b []byte, typ protowire.Type, add func(uint64)) ([]byte, error) {
	switch typ {
	case protowire.Fixed64Type:
		v, n := protowire.ConsumeFixed64(b)
		if n < 0 {
			return nil, fmt.Errorf("bad TensorProto fixed64")
		}
		add(v)
		return b[n:], nil
	case protowire.BytesType:
		p, n := protowire.ConsumeBytes(b)
		if n < 0 || len(p)%8 != 0 {
			return nil, fmt.Errorf("bad TensorProto packed fixed64")
		}
		for i := 0; i < len(p); i += 8 {
			add(binary.LittleEndian.Uint64(p[i:]))
		}
		return b[n:], nil
	}
	return nil, fmt.Errorf("bad TensorProto wire type %d", typ)
}

// encodeTensor serializes t as a TensorProto with raw_data.
func encodeTensor(t *ir.Tensor, name string) ([]byte, error) {
	var b []byte
	for _, d := range t.Shape {
		b = protowire.AppendTag(b, tpDims, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(d)))
	}
	b = protowire.AppendTag(b, tpDataType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.DType))
	b = protowire.AppendTag(b, tpName, protowire.BytesType)
	b = protowire.AppendString(b, name)
	if strs, ok := t.Data.([]string); ok {
		for _, s := range strs {
			b = protowire.AppendTag(b, tpStringData, protowire.BytesType)
			b = protowire.AppendString(b, s)
		}
		return b, nil
	}
	raw, err := binary.Append(nil, binary.LittleEndian, t.Data)
	if err != nil {
		return nil, err
	}
	b = protowire.AppendTag(b, tpRawData, protowire.BytesType)
	return protowire.AppendBytes(b, raw), nil
}

// ReadTensorFile reads a tensor from an ONNX TensorProto (.pb) or NumPy
// (.npy) file, as dlc run does.
func ReadTensorFile(path string) (*ir.Tensor, error) { return readTensor(path) }

// WriteTensorFile writes t as a TensorProto named name, atomically.
func WriteTensorFile(path string, t *ir.Tensor, name string) error {
	b, err := encodeTensor(t, name)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, b, 0o644)
}
