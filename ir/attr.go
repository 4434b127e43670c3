package ir

import "fmt"

// AttrKind is the kind of an attribute value, as in ONNX AttributeProto.
type AttrKind int

const (
	AttrUndefined AttrKind = iota
	AttrFloat
	AttrInt
	AttrString
	AttrTensor
	AttrGraph
	AttrFloats
	AttrInts
	AttrStrings
	AttrTensors
	AttrGraphs
	AttrType
	AttrTypes
)

var attrKindNames = [...]string{"undefined", "float", "int", "string", "tensor", "graph",
	"floats", "ints", "strings", "tensors", "graphs", "type", "types"}

func (k AttrKind) String() string {
	if int(k) < len(attrKindNames) {
		return attrKindNames[k]
	}
	return fmt.Sprintf("attrkind(%d)", int(k))
}

// Attr is one attribute value; only the field of its Kind is meaningful.
// Floats are float32 because ONNX stores them so, which keeps export exact.
type Attr struct {
	Kind    AttrKind
	F       float32
	I       int64
	S       string
	T       *Tensor
	G       *Graph
	Floats  []float32
	Ints    []int64
	Strings []string
	Tensors []*Tensor
	Graphs  []*Graph
	Type    *Type
	Types   []Type
}

// Convenience constructors for attribute values.
func IntAttr(v int64) *Attr         { return &Attr{Kind: AttrInt, I: v} }
func FloatAttr(v float32) *Attr     { return &Attr{Kind: AttrFloat, F: v} }
func StringAttr(v string) *Attr     { return &Attr{Kind: AttrString, S: v} }
func IntsAttr(v ...int64) *Attr     { return &Attr{Kind: AttrInts, Ints: v} }
func FloatsAttr(v ...float32) *Attr { return &Attr{Kind: AttrFloats, Floats: v} }
func StringsAttr(v ...string) *Attr { return &Attr{Kind: AttrStrings, Strings: v} }
func TensorAttr(t *Tensor) *Attr    { return &Attr{Kind: AttrTensor, T: t} }
func GraphAttr(g *Graph) *Attr      { return &Attr{Kind: AttrGraph, G: g} }

// AttrDef declares one attribute of an op: its kind and its default, which
// node accessors return when the attribute is absent. Required attributes
// have no default.
type AttrDef struct {
	Name     string
	Kind     AttrKind
	Required bool
	Default  *Attr
}

// Attribute schema helpers used by op declarations.
func OptInt(name string, def int64) AttrDef {
	return AttrDef{Name: name, Kind: AttrInt, Default: IntAttr(def)}
}
func OptFloat(name string, def float32) AttrDef {
	return AttrDef{Name: name, Kind: AttrFloat, Default: FloatAttr(def)}
}
func OptString(name, def string) AttrDef {
	return AttrDef{Name: name, Kind: AttrString, Default: StringAttr(def)}
}

// OptAttr declares an optional attribute with no default (absent means
// "not given", which the op's meaning defines).
func OptAttr(name string, kind AttrKind) AttrDef { return AttrDef{Name: name, Kind: kind} }

// ReqAttr declares a required attribute.
func ReqAttr(name string, kind AttrKind) AttrDef {
	return AttrDef{Name: name, Kind: kind, Required: true}
}
