// Package npy reads and writes NumPy .npy files (format versions 1-3,
// little-endian, C order), the array format dlc accepts next to ONNX
// TensorProto files.
package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/dlc-go/dlc/ir"
)

var magic = []byte("\x93NUMPY")

var descrs = map[string]ir.DType{
	"<f4": ir.Float32, "<f8": ir.Float64, "<f2": ir.Float16,
	"|i1": ir.Int8, "|u1": ir.Uint8, "<i2": ir.Int16, "<u2": ir.Uint16,
	"<i4": ir.Int32, "<u4": ir.Uint32, "<i8": ir.Int64, "<u8": ir.Uint64,
	"|b1": ir.Bool,
}

var (
	descrRe = regexp.MustCompile(`'descr':\s*'([^']+)'`)
	orderRe = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	shapeRe = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
)

// ReadFile reads a .npy file into a tensor.
func ReadFile(path string) (*ir.Tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Decode parses the bytes of a .npy file.
func Decode(b []byte) (*ir.Tensor, error) {
	if len(b) < 10 || !bytes.Equal(b[:6], magic) {
		return nil, fmt.Errorf("not a .npy file")
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fmt.Errorf("truncated .npy header")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:])), 12
	default:
		return nil, fmt.Errorf(".npy format version %d is not supported", b[6])
	}
	if start+hlen > len(b) {
		return nil, fmt.Errorf("truncated .npy header")
	}
	header := string(b[start : start+hlen])
	data := b[start+hlen:]
	m := descrRe.FindStringSubmatch(header)
	if m == nil {
		return nil, fmt.Errorf(".npy header has no descr")
	}
	dt, ok := descrs[m[1]]
	if !ok {
		return nil, fmt.Errorf(".npy dtype %q is not supported", m[1])
	}
	if o := orderRe.FindStringSubmatch(header); o != nil && o[1] == "True" {
		return nil, fmt.Errorf(".npy arrays in Fortran order are not supported")
	}
	s := shapeRe.FindStringSubmatch(header)
	if s == nil {
		return nil, fmt.Errorf(".npy header has no shape")
	}
	var shape []int
	for _, part := range strings.Split(s[1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := strconv.Atoi(part)
		if err != nil || d < 0 {
			return nil, fmt.Errorf(".npy shape %q is malformed", s[1])
		}
		shape = append(shape, d)
	}
	n, err := ir.CheckAlloc(dt, shape)
	if err != nil {
		return nil, err
	}
	if len(data) != n*dt.Size() {
		return nil, fmt.Errorf(".npy data has %d bytes, shape %v of %s needs %d", len(data), shape, dt, n*dt.Size())
	}
	t := ir.Zeros(dt, shape)
	le := binary.LittleEndian
	for i := 0; i < n; i++ {
		switch d := t.Data.(type) {
		case []float32:
			d[i] = math.Float32frombits(le.Uint32(data[4*i:]))
		case []float64:
			d[i] = math.Float64frombits(le.Uint64(data[8*i:]))
		case []uint16:
			d[i] = le.Uint16(data[2*i:])
		case []int8:
			d[i] = int8(data[i])
		case []uint8:
			d[i] = data[i]
		case []int16:
			d[i] = int16(le.Uint16(data[2*i:]))
		case []int32:
			d[i] = int32(le.Uint32(data[4*i:]))
		case []uint32:
			d[i] = le.Uint32(data[4*i:])
		case []int64:
			d[i] = int64(le.Uint64(data[8*i:]))
		case []uint64:
			d[i] = le.Uint64(data[8*i:])
		case []bool:
			d[i] = data[i] != 0
		}
	}
	return t, nil
}

// Encode writes a tensor as a version-1 .npy file.
func Encode(t *ir.Tensor) ([]byte, error) {
	descr := ""
	for k, v := range descrs {
		if v == t.DType {
			descr = k
		}
	}
	if descr == "" {
		return nil, fmt.Errorf("dtype %s cannot be written as .npy", t.DType)
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := strings.Join(dims, ", ")
	if len(t.Shape) == 1 {
		shape += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shape)
	// Pad so the data starts on a 64-byte boundary, ending in a newline.
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	var buf bytes.Buffer
	buf.Write(magic)
	buf.Write([]byte{1, 0})
	binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	n := t.Len()
	tmp := make([]byte, 8)
	le := binary.LittleEndian
	for i := 0; i < n; i++ {
		switch d := t.Data.(type) {
		case []float32:
			le.PutUint32(tmp, math.Float32bits(d[i]))
			buf.Write(tmp[:4])
		case []float64:
			le.PutUint64(tmp, math.Float64bits(d[i]))
			buf.Write(tmp[:8])
		case []bool:
			if d[i] {
				buf.WriteByte(1)
			} else {
				buf.WriteByte(0)
			}
		default:
			size := t.DType.Size()
			le.PutUint64(tmp, uint64(t.Int64At(i)))
			if bits, ok := d.([]uint16); ok {
				le.PutUint64(tmp, uint64(bits[i]))
			}
			buf.Write(tmp[:size])
		}
	}
	return buf.Bytes(), nil
}
