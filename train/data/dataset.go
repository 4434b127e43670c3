package data

import (
	"fmt"
	"slices"
)

// Dataset is an indexable, read-only set of samples with a fixed feature
// shape and one label per sample. Implementations are safe for concurrent
// Fill calls.
type Dataset interface {
	// Len is the number of samples.
	Len() int
	// SampleShape is the shape of one sample's features. Callers must not
	// modify the returned slice.
	SampleShape() []int
	// Labels describes the labels.
	Labels() LabelSpec
	// Fill copies samples idx[0], idx[1], ... into the caller's buffers:
	// the features of idx[k] go to x[k*S:(k+1)*S], with S the number of
	// elements of SampleShape. For classification the class index goes to
	// classes[k] and targets is ignored (may be nil); for regression the
	// target goes to targets[k*T:(k+1)*T], with T the element count of
	// LabelSpec.Shape, and classes is ignored. Indices must lie in
	// [0, Len) and the buffers must be long enough; Fill panics otherwise,
	// as these are programming errors, not bad data. Fill does not
	// allocate.
	Fill(idx []int, x []float32, classes []int64, targets []float32)
}

// LabelSpec describes the labels of a Dataset.
type LabelSpec struct {
	// Regression is true when labels are float32 targets, false when they
	// are int64 class indices.
	Regression bool
	// NumClasses bounds class indices: every label lies in
	// [0, NumClasses). Zero for regression.
	NumClasses int
	// Shape is the shape of one regression target ([] for a scalar, [k]
	// for k outputs). Nil for classification.
	Shape []int
}

// Size is the number of float32 values per regression target, 0 for
// classification.
func (s LabelSpec) Size() int {
	if !s.Regression {
		return 0
	}
	return numel(s.Shape)
}

// Memory is a data set held in RAM, sample-major: sample i's features are
// X[i*S:(i+1)*S]. It is what the readers return.
type Memory struct {
	// Name names the source (usually the file) in error messages.
	Name  string
	X     []float32
	Shape []int
	Spec  LabelSpec
	// Classes holds one class index per sample (classification).
	Classes []int64
	// Targets holds Spec.Size() values per sample (regression).
	Targets []float32
}

// NewClassification wraps features and class labels. numClasses may be 0,
// in which case it is max(classes)+1. It checks that len(x) is a multiple of
// the sample size matching len(classes) and that every class lies in
// [0, numClasses).
func NewClassification(name string, x []float32, sampleShape []int, classes []int64, numClasses int) (*Memory, error) {
	if err := checkFeatures(name, x, sampleShape, len(classes)); err != nil {
		return nil, err
	}
	if numClasses <= 0 {
		for _, c := range classes {
			numClasses = max(numClasses, int(c)+1)
		}
	}
	for i, c := range classes {
		if c < 0 || c >= int64(numClasses) {
			return nil, fmt.Errorf("%s: record %d: class %d outside [0, %d)", name, i, c, numClasses)
		}
	}
	return &Memory{
		Name: name, X: x, Shape: slices.Clone(sampleShape),
		Spec:    LabelSpec{NumClasses: numClasses},
		Classes: classes,
	}, nil
}

// NewRegression wraps features and float32 targets of shape targetShape per
// sample.
func NewRegression(name string, x []float32, sampleShape []int, targets []float32, targetShape []int) (*Memory, error) {
	t := numel(targetShape)
	if t <= 0 || len(targets)%t != 0 {
		return nil, fmt.Errorf("%s: %d target values do not divide into records of shape %s", name, len(targets), dimString(targetShape))
	}
	n := len(targets) / t
	if err := checkFeatures(name, x, sampleShape, n); err != nil {
		return nil, err
	}
	return &Memory{
		Name: name, X: x, Shape: slices.Clone(sampleShape),
		Spec:    LabelSpec{Regression: true, Shape: append([]int{}, targetShape...)},
		Targets: targets,
	}, nil
}

func checkFeatures(name string, x []float32, sampleShape []int, n int) error {
	s := numel(sampleShape)
	if s <= 0 {
		return fmt.Errorf("%s: sample shape %s is empty", name, dimString(sampleShape))
	}
	if len(x) != n*s {
		return fmt.Errorf("%s: %d labels need %d feature values of shape %s, have %d", name, n, n*s, dimString(sampleShape), len(x))
	}
	return nil
}

// Len implements Dataset.
func (m *Memory) Len() int {
	if m.Spec.Regression {
		return len(m.Targets) / m.Spec.Size()
	}
	return len(m.Classes)
}

// SampleShape implements Dataset.
func (m *Memory) SampleShape() []int { return m.Shape }

// Labels implements Dataset.
func (m *Memory) Labels() LabelSpec { return m.Spec }

// Fill implements Dataset.
func (m *Memory) Fill(idx []int, x []float32, classes []int64, targets []float32) {
	s := numel(m.Shape)
	t := m.Spec.Size()
	for k, i := range idx {
		copy(x[k*s:(k+1)*s], m.X[i*s:(i+1)*s])
		if m.Spec.Regression {
			copy(targets[k*t:(k+1)*t], m.Targets[i*t:(i+1)*t])
		} else {
			classes[k] = m.Classes[i]
		}
	}
}

// numel is the element count of a shape; the empty shape is a scalar.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// dimString formats a shape as 28x28 (or "scalar" for []).
func dimString(shape []int) string {
	if len(shape) == 0 {
		return "scalar"
	}
	s := ""
	for i, d := range shape {
		if i > 0 {
			s += "x"
		}
		s += fmt.Sprint(d)
	}
	return s
}
