package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// TensorFromProto decodes a TensorProto. dir is the folder that external
// data paths are relative to; "" refuses external data.
func TensorFromProto(tp *onnxpb.TensorProto, dir string) (*ir.Tensor, error) {
	dt := ir.DType(tp.GetDataType())
	if !dt.Supported() {
		return nil, fmt.Errorf("tensor %q: unsupported data type %s", tp.GetName(), onnxpb.TensorProto_DataType(dt))
	}
	shape := make([]int, len(tp.Dims))
	for i, d := range tp.Dims {
		if d < 0 {
			return nil, fmt.Errorf("tensor %q: negative dimension %d", tp.GetName(), d)
		}
		if d > math.MaxInt32*int64(1<<31) {
			return nil, fmt.Errorf("tensor %q: dimension %d is too large", tp.GetName(), d)
		}
		shape[i] = int(d)
	}
	n, err := ir.CheckAlloc(dt, shape)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", tp.GetName(), err)
	}
	// The data must be there before the tensor is allocated: a few bytes
	// of dims must not buy gigabytes of zeros.
	raw := tp.RawData
	external := tp.GetDataLocation() == onnxpb.TensorProto_EXTERNAL
	if external {
		if raw, err = readExternal(tp, dir); err != nil {
			return nil, err
		}
	}
	if raw != nil || external {
		if dt == ir.String {
			return nil, fmt.Errorf("tensor %q: string tensors cannot use raw_data", tp.GetName())
		}
		if len(raw) != n*dt.Size() {
			return nil, fmt.Errorf("tensor %q: raw data has %d bytes, shape %v of %s needs %d", tp.GetName(), len(raw), shape, dt, n*dt.Size())
		}
		t := ir.Zeros(dt, shape)
		decodeRaw(t, raw)
		return t, nil
	}
	if got, field := typedLen(tp, dt); got != n {
		return nil, fmt.Errorf("tensor %q: %s has %d values, shape %v needs %d", tp.GetName(), field, got, shape, n)
	}
	t := ir.Zeros(dt, shape)
	decodeTyped(t, tp)
	return t, nil
}

func decodeRaw(t *ir.Tensor, raw []byte) {
	le := binary.LittleEndian
	switch d := t.Data.(type) {
	case []float32:
		for i := range d {
			d[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case []float64:
		for i := range d {
			d[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
	case []uint16:
		for i := range d {
			d[i] = le.Uint16(raw[2*i:])
		}
	case []int8:
		for i := range d {
			d[i] = int8(raw[i])
		}
	case []uint8:
		copy(d, raw)
	case []int16:
		for i := range d {
			d[i] = int16(le.Uint16(raw[2*i:]))
		}
	case []int32:
		for i := range d {
			d[i] = int32(le.Uint32(raw[4*i:]))
		}
	case []int64:
		for i := range d {
			d[i] = int64(le.Uint64(raw[8*i:]))
		}
	case []uint32:
		for i := range d {
			d[i] = le.Uint32(raw[4*i:])
		}
	case []uint64:
		for i := range d {
			d[i] = le.Uint64(raw[8*i:])
		}
	case []bool:
		for i := range d {
			d[i] = raw[i] != 0
		}
	}
}

// typedLen is the number of values in the typed field that holds dt, and
// the field's name.
func typedLen(tp *onnxpb.TensorProto, dt ir.DType) (int, string) {
	switch dt {
	case ir.Float32:
		return len(tp.FloatData), "float_data"
	case ir.Float64:
		return len(tp.DoubleData), "double_data"
	case ir.Int64:
		return len(tp.Int64Data), "int64_data"
	case ir.Uint32, ir.Uint64:
		return len(tp.Uint64Data), "uint64_data"
	case ir.String:
		return len(tp.StringData), "string_data"
	}
	return len(tp.Int32Data), "int32_data" // every type of 32 bits or fewer
}

// decodeTyped copies the typed field that holds t's dtype into t; its
// length was checked against t's shape by typedLen.
func decodeTyped(t *ir.Tensor, tp *onnxpb.TensorProto) {
	switch d := t.Data.(type) {
	case []float32:
		copy(d, tp.FloatData)
	case []float64:
		copy(d, tp.DoubleData)
	case []int64:
		copy(d, tp.Int64Data)
	case []uint32:
		for i, v := range tp.Uint64Data {
			d[i] = uint32(v)
		}
	case []uint64:
		copy(d, tp.Uint64Data)
	case []string:
		for i, s := range tp.StringData {
			d[i] = string(s)
		}
	case []uint16:
		for i, v := range tp.Int32Data {
			d[i] = uint16(v) // uint16, or float16/bfloat16 bits
		}
	default: // int32_data carries every other type of 32 bits or fewer
		for i, v := range tp.Int32Data {
			t.SetInt64At(i, int64(v))
		}
	}
}

// readExternal reads the bytes of a tensor stored outside the model file.
// The location must stay inside dir: ".." or absolute paths are refused.
func readExternal(tp *onnxpb.TensorProto, dir string) ([]byte, error) {
	var loc string
	offset, length := int64(0), int64(-1)
	for _, kv := range tp.ExternalData {
		var err error
		switch kv.GetKey() {
		case "location":
			loc = kv.GetValue()
		case "offset":
			offset, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		case "length":
			length, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		}
		if err != nil {
			return nil, fmt.Errorf("tensor %q: external_data %s: %w", tp.GetName(), kv.GetKey(), err)
		}
	}
	if loc == "" {
		return nil, fmt.Errorf("tensor %q: external data without a location", tp.GetName())
	}
	if dir == "" {
		return nil, fmt.Errorf("tensor %q: external data %q but the model has no folder", tp.GetName(), loc)
	}
	clean := filepath.Clean(filepath.FromSlash(loc))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("tensor %q: external data path %q is outside the model folder", tp.GetName(), loc)
	}
	path := filepath.Join(dir, clean)
	if real, err := filepath.EvalSymlinks(path); err == nil {
		base, _ := filepath.EvalSymlinks(dir)
		if rel, err := filepath.Rel(base, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("tensor %q: external data path %q resolves outside the model folder", tp.GetName(), loc)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: external data: %w", tp.GetName(), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("tensor %q: external data: %w", tp.GetName(), err)
	}
	if length < 0 {
		length = st.Size() - offset
	}
	if offset < 0 || length < 0 || offset > st.Size() || length > st.Size()-offset {
		return nil, fmt.Errorf("tensor %q: external data %q: offset %d length %d outside its %d bytes", tp.GetName(), loc, offset, length, st.Size())
	}
	if length > ir.TensorLimit() {
		return nil, fmt.Errorf("tensor %q: external data of %d bytes exceeds the tensor limit", tp.GetName(), length)
	}
	buf := make([]byte, length)
	if _, err := f.ReadAt(buf, offset); err != nil {
		return nil, fmt.Errorf("tensor %q: external data: %w", tp.GetName(), err)
	}
	return buf, nil
}

// TensorToProto encodes a tensor: numbers as raw_data, strings as
// string_data.
func TensorToProto(t *ir.Tensor, name string) *onnxpb.TensorProto {
	tp := &onnxpb.TensorProto{DataType: ptr(int32(t.DType))}
	if name != "" {
		tp.Name = &name
	}
	tp.Dims = make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		tp.Dims[i] = int64(d)
	}
	if t.DType == ir.String {
		for _, s := range t.Data.([]string) {
			tp.StringData = append(tp.StringData, []byte(s))
		}
		return tp
	}
	tp.RawData = encodeRaw(t)
	return tp
}

func encodeRaw(t *ir.Tensor) []byte {
	le := binary.LittleEndian
	n := t.Len()
	buf := make([]byte, n*t.DType.Size())
	switch d := t.Data.(type) {
	case []float32:
		for i, v := range d[:n] {
			le.PutUint32(buf[4*i:], math.Float32bits(v))
		}
	case []float64:
		for i, v := range d[:n] {
			le.PutUint64(buf[8*i:], math.Float64bits(v))
		}
	case []uint16:
		for i, v := range d[:n] {
			le.PutUint16(buf[2*i:], v)
		}
	case []int8:
		for i, v := range d[:n] {
			buf[i] = byte(v)
		}
	case []uint8:
		copy(buf, d)
	case []int16:
		for i, v := range d[:n] {
			le.PutUint16(buf[2*i:], uint16(v))
		}
	case []int32:
		for i, v := range d[:n] {
			le.PutUint32(buf[4*i:], uint32(v))
		}
	case []int64:
		for i, v := range d[:n] {
			le.PutUint64(buf[8*i:], uint64(v))
		}
	case []uint32:
		for i, v := range d[:n] {
			le.PutUint32(buf[4*i:], v)
		}
	case []uint64:
		for i, v := range d[:n] {
			le.PutUint64(buf[8*i:], v)
		}
	case []bool:
		for i, v := range d[:n] {
			if v {
				buf[i] = 1
			}
		}
	}
	return buf
}

func ptr[T any](v T) *T { return &v }

// checkSparse validates the layout of a sparse tensor before it is
// expanded: values and indices present, integer indices, and one flat
// index or one coordinate row per value. Shapes that do not add up would
// otherwise index past the end of the indices.
func checkSparse(sp *onnxpb.SparseTensorProto) error {
	if sp == nil || sp.Values == nil || sp.Indices == nil {
		return fmt.Errorf("sparse tensor: values or indices missing")
	}
	name := sp.Values.GetName()
	if dt := ir.DType(sp.Indices.GetDataType()); !dt.IsInt() {
		return fmt.Errorf("sparse tensor %q: indices are %s, want int64", name, onnxpb.TensorProto_DataType(dt))
	}
	nnz, ok1 := dimsProduct(sp.Values.Dims)
	idx := sp.Indices.Dims
	if _, ok2 := dimsProduct(idx); !ok1 || !ok2 {
		return nil // TensorFromProto reports bad dims
	}
	switch {
	case len(idx) == 1 && idx[0] == nnz:
	case len(idx) == 2 && idx[0] == nnz && idx[1] == int64(len(sp.Dims)):
	default:
		return fmt.Errorf("sparse tensor %q: indices of shape %v do not fit %d values of dims %v", name, idx, nnz, sp.Dims)
	}
	return nil
}

// dimsProduct multiplies dims, failing on a negative dim or overflow.
func dimsProduct(dims []int64) (int64, bool) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 || (d > 0 && n > math.MaxInt64/d) {
			return 0, false
		}
		n *= d
	}
	return n, true
}
