package ir

import "fmt"

// TypeKind says what a graph value holds.
type TypeKind int

const (
	TensorKind TypeKind = iota
	SequenceKind
	OptionalKind
)

// Type is the static type of a graph value: a tensor with dtype and shape,
// a sequence of Elem, or an optional Elem. A zero DType on a tensor means the
// dtype is not yet inferred.
type Type struct {
	Kind  TypeKind
	DType DType
	Shape Shape
	Elem  *Type
}

// TensorType builds a tensor type.
func TensorType(dt DType, s Shape) Type { return Type{Kind: TensorKind, DType: dt, Shape: s} }

// SequenceOf builds a sequence type.
func SequenceOf(elem Type) Type { return Type{Kind: SequenceKind, Elem: &elem} }

// OptionalOf builds an optional type.
func OptionalOf(elem Type) Type { return Type{Kind: OptionalKind, Elem: &elem} }

func (t Type) String() string {
	switch t.Kind {
	case SequenceKind:
		return fmt.Sprintf("seq<%s>", t.Elem)
	case OptionalKind:
		return fmt.Sprintf("opt<%s>", t.Elem)
	}
	return t.DType.String() + t.Shape.String()
}

// Equal reports structurally identical types.
func (t Type) Equal(o Type) bool {
	if t.Kind != o.Kind {
		return false
	}
	if t.Kind == TensorKind {
		return t.DType == o.DType && t.Shape.Equal(o.Shape)
	}
	if t.Elem == nil || o.Elem == nil {
		return t.Elem == o.Elem
	}
	return t.Elem.Equal(*o.Elem)
}
