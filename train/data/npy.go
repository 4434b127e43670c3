package data

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"

	"github.com/dlc-go/dlc/frontend/npy"
	"github.com/dlc-go/dlc/ir"
)

// NPYOptions checks what LoadNPY reads.
type NPYOptions struct {
	// SampleShape, when set, is the shape every sample must have.
	SampleShape []int
	// NumClasses, when > 0, bounds class labels to [0, NumClasses); when 0
	// it is max(label)+1.
	NumClasses int
}

// LoadNPY reads a features array of shape [N, ...] and a labels array whose
// first dimension is also N. Integer labels of shape [N] are class indices;
// floating-point labels are regression targets of shape labels.shape[1:].
// Features of any numeric dtype are converted to float32; integer
// features (token ids, as int64 [N, T]) must be within ±2^24, where the
// conversion is exact.
func LoadNPY(features, labels string, opt NPYOptions) (*Memory, error) {
	ft, err := readNPY(features)
	if err != nil {
		return nil, err
	}
	if len(ft.Shape) < 2 {
		return nil, fmt.Errorf("%s: shape %s; features need a sample dimension and at least one more", features, dimString(ft.Shape))
	}
	if opt.SampleShape != nil && !slices.Equal(ft.Shape[1:], opt.SampleShape) {
		return nil, fmt.Errorf("%s: record shape %s, expected %s", features, dimString(ft.Shape[1:]), dimString(opt.SampleShape))
	}
	lt, err := readNPY(labels)
	if err != nil {
		return nil, err
	}
	if len(lt.Shape) == 0 || lt.Shape[0] != ft.Shape[0] {
		n := "no"
		if len(lt.Shape) > 0 {
			n = fmt.Sprint(lt.Shape[0])
		}
		return nil, fmt.Errorf("features file %s has %d records but labels file %s has %s", features, ft.Shape[0], labels, n)
	}
	x, err := toFloat32(features, ft)
	if err != nil {
		return nil, err
	}
	if lt.DType.IsFloat() {
		y, err := toFloat32(labels, lt)
		if err != nil {
			return nil, err
		}
		return NewRegression(features, x, ft.Shape[1:], y, lt.Shape[1:])
	}
	if len(lt.Shape) != 1 {
		return nil, fmt.Errorf("%s: record shape %s, expected scalar class labels (shape [N])", labels, dimString(lt.Shape[1:]))
	}
	if !lt.DType.IsInt() {
		return nil, fmt.Errorf("%s: labels of dtype %s are neither integer classes nor float targets", labels, lt.DType)
	}
	classes := lt.Int64s()
	m, err := NewClassification(labels, x, ft.Shape[1:], classes, opt.NumClasses)
	if err != nil {
		return nil, err
	}
	m.Name = features
	return m, nil
}

// readNPY reads a .npy file, naming the path when it does not exist.
func readNPY(path string) (*ir.Tensor, error) {
	t, err := npy.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: file does not exist", path)
	}
	return t, err
}

// maxExactInt is the largest integer magnitude below which float32
// holds every integer exactly (2^24).
const maxExactInt = 1 << 24

// toFloat32 converts a numeric tensor to float32 values. Integers must
// convert exactly (|v| <= 2^24): integer features are often token ids,
// which a rounded value would silently change.
func toFloat32(path string, t *ir.Tensor) ([]float32, error) {
	if d, ok := t.Data.([]float32); ok {
		return d, nil
	}
	if !t.DType.IsNumeric() {
		return nil, fmt.Errorf("%s: dtype %s is not numeric", path, t.DType)
	}
	exact := t.DType.IsInt()
	out := make([]float32, t.Len())
	for i := range out {
		v := t.Float64At(i)
		if exact && math.Abs(v) > maxExactInt {
			return nil, fmt.Errorf("%s: element %d is %.0f, beyond the integers float32 holds exactly (±%d)", path, i, v, maxExactInt)
		}
		out[i] = float32(v)
	}
	return out, nil
}
