package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
)

// IDXType is the element type code of an IDX file (the third magic byte).
// See the format description at http://yann.lecun.com/exdb/mnist/.
type IDXType byte

// The IDX element types.
const (
	IDXUbyte  IDXType = 0x08
	IDXSbyte  IDXType = 0x09
	IDXShort  IDXType = 0x0B
	IDXInt    IDXType = 0x0C
	IDXFloat  IDXType = 0x0D
	IDXDouble IDXType = 0x0E
)

// Size is the element size in bytes, 0 for an unknown type.
func (t IDXType) Size() int {
	switch t {
	case IDXUbyte, IDXSbyte:
		return 1
	case IDXShort:
		return 2
	case IDXInt, IDXFloat:
		return 4
	case IDXDouble:
		return 8
	}
	return 0
}

// IsFloat reports whether the type holds floating-point values.
func (t IDXType) IsFloat() bool { return t == IDXFloat || t == IDXDouble }

func (t IDXType) String() string {
	switch t {
	case IDXUbyte:
		return "ubyte"
	case IDXSbyte:
		return "sbyte"
	case IDXShort:
		return "short"
	case IDXInt:
		return "int"
	case IDXFloat:
		return "float"
	case IDXDouble:
		return "double"
	}
	return fmt.Sprintf("IDXType(0x%02x)", byte(t))
}

// IDXArray is the contents of one IDX file: Dims[0] records of shape
// Dims[1:].
type IDXArray struct {
	Path string
	Type IDXType
	Dims []int
	data []byte // big-endian payload, exactly Len()*Type.Size() bytes
}

// Len is the number of elements.
func (a *IDXArray) Len() int { return numel(a.Dims) }

// Records is the number of records, Dims[0].
func (a *IDXArray) Records() int { return a.Dims[0] }

// RecordShape is the shape of one record, Dims[1:].
func (a *IDXArray) RecordShape() []int { return a.Dims[1:] }

// ReadIDX reads an IDX file, gzip-compressed or plain.
func ReadIDX(path string) (*IDXArray, error) {
	src, err := openData(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var head [4]byte
	if n, _ := io.ReadFull(src, head[:]); n < 4 {
		return nil, fmt.Errorf("%s: truncated IDX header: %d of 4 magic bytes", path, n)
	}
	t := IDXType(head[2])
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("%s: not an IDX file: magic bytes % x, want 00 00 <type> <rank>", path, head[:])
	}
	if t.Size() == 0 {
		return nil, fmt.Errorf("%s: IDX element type 0x%02x is not ubyte (08), sbyte (09), short (0b), int (0c), float (0d) or double (0e)", path, head[2])
	}
	rank := int(head[3])
	if rank == 0 {
		return nil, fmt.Errorf("%s: IDX rank is 0; it needs at least the record dimension", path)
	}
	dimBytes := make([]byte, 4*rank)
	if n, _ := io.ReadFull(src, dimBytes); n < len(dimBytes) {
		return nil, fmt.Errorf("%s: truncated IDX header: %d of %d dimension bytes", path, n, len(dimBytes))
	}
	dims := make([]int, rank)
	need := int64(t.Size())
	for i := range dims {
		d := binary.BigEndian.Uint32(dimBytes[4*i:])
		dims[i] = int(d)
		// Each dimension is < 2^32, so the product overflows int64 only
		// after several; stop before it does.
		if d != 0 && need > math.MaxInt64/int64(d) {
			return nil, fmt.Errorf("%s: IDX dimensions %v are too large", path, dims[:i+1])
		}
		need *= int64(d)
	}
	a := &IDXArray{Path: path, Type: t, Dims: dims}
	if src.size >= 0 && src.size-int64(4+4*rank) < need {
		return nil, a.sizeError(need, src.size-int64(4+4*rank))
	}
	buf, err := readAtMost(src, need)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if int64(len(buf)) != need {
		return nil, a.sizeError(need, int64(len(buf)))
	}
	a.data = buf
	return a, nil
}

func (a *IDXArray) sizeError(need, have int64) error {
	if have > need {
		return fmt.Errorf("%s: header declares %d records of %s %s (%d data bytes) but more data follows", a.Path, a.Dims[0], dimString(a.Dims[1:]), a.Type, need)
	}
	return fmt.Errorf("%s: truncated: header declares %d records of %s %s (%d data bytes), file has %d", a.Path, a.Dims[0], dimString(a.Dims[1:]), a.Type, need, have)
}

// At returns element i as float64 (exact for every IDX type).
func (a *IDXArray) At(i int) float64 {
	be := binary.BigEndian
	switch a.Type {
	case IDXUbyte:
		return float64(a.data[i])
	case IDXSbyte:
		return float64(int8(a.data[i]))
	case IDXShort:
		return float64(int16(be.Uint16(a.data[2*i:])))
	case IDXInt:
		return float64(int32(be.Uint32(a.data[4*i:])))
	case IDXFloat:
		return float64(math.Float32frombits(be.Uint32(a.data[4*i:])))
	default:
		return math.Float64frombits(be.Uint64(a.data[8*i:]))
	}
}

// Float32s converts every element to float32.
func (a *IDXArray) Float32s() []float32 {
	out := make([]float32, a.Len())
	if a.Type == IDXUbyte {
		for i, b := range a.data {
			out[i] = float32(b)
		}
		return out
	}
	for i := range out {
		out[i] = float32(a.At(i))
	}
	return out
}

// IDXOptions checks what LoadIDX reads.
type IDXOptions struct {
	// SampleShape, when set, is the record shape the images file must
	// have (e.g. 28x28).
	SampleShape []int
	// NumClasses, when > 0, is the number of classes; labels must lie in
	// [0, NumClasses). When 0 it is max(label)+1.
	NumClasses int
}

// LoadIDX reads an images file and a labels file with the same number of
// records. Integer labels are class indices; float or double labels are
// regression targets of the labels file's record shape. Features keep
// their stored values (bytes stay 0..255; see Normalize).
func LoadIDX(images, labels string, opt IDXOptions) (*Memory, error) {
	img, err := ReadIDX(images)
	if err != nil {
		return nil, err
	}
	if opt.SampleShape != nil && !slices.Equal(img.RecordShape(), opt.SampleShape) {
		return nil, fmt.Errorf("%s: record shape %s, expected %s", images, dimString(img.RecordShape()), dimString(opt.SampleShape))
	}
	if len(img.RecordShape()) == 0 {
		return nil, fmt.Errorf("%s: records are scalars (rank-1 IDX file); an images file needs rank 2 or more", images)
	}
	lab, err := ReadIDX(labels)
	if err != nil {
		return nil, err
	}
	if img.Records() != lab.Records() {
		return nil, fmt.Errorf("images file %s has %d records but labels file %s has %d", images, img.Records(), labels, lab.Records())
	}
	x := img.Float32s()
	if lab.Type.IsFloat() {
		return NewRegression(images, x, img.RecordShape(), lab.Float32s(), lab.RecordShape())
	}
	if len(lab.RecordShape()) != 0 {
		return nil, fmt.Errorf("%s: record shape %s, expected scalar class labels (a rank-1 IDX file)", labels, dimString(lab.RecordShape()))
	}
	classes := make([]int64, lab.Len())
	for i := range classes {
		classes[i] = int64(lab.At(i))
	}
	m, err := NewClassification(labels, x, img.RecordShape(), classes, opt.NumClasses)
	if err != nil {
		return nil, err
	}
	m.Name = images
	return m, nil
}
