package ir

import (
	"fmt"
	"sort"
)

// Attribute accessors. Each returns the node's value if set, else the
// default declared in the op's schema. Asking for an attribute the schema
// does not declare is a programming error and panics.

func (n *Node) attr(name string, kind AttrKind) *Attr {
	if a := n.Attrs[name]; a != nil {
		return a
	}
	ad := n.Def.Attr(name)
	if ad == nil {
		panic(fmt.Sprintf("%s: attribute %q not in schema", n, name))
	}
	if ad.Kind != kind {
		panic(fmt.Sprintf("%s: attribute %q is %s, read as %s", n, name, ad.Kind, kind))
	}
	return ad.Default
}

// Has reports whether the attribute is set on the node.
func (n *Node) Has(name string) bool { return n.Attrs[name] != nil }

// Int returns an int attribute (0 if absent with no default).
func (n *Node) Int(name string) int64 {
	if a := n.attr(name, AttrInt); a != nil {
		return a.I
	}
	return 0
}

// Float returns a float attribute (0 if absent with no default).
func (n *Node) Float(name string) float32 {
	if a := n.attr(name, AttrFloat); a != nil {
		return a.F
	}
	return 0
}

// Str returns a string attribute ("" if absent with no default).
func (n *Node) Str(name string) string {
	if a := n.attr(name, AttrString); a != nil {
		return a.S
	}
	return ""
}

// Ints returns an ints attribute (nil if absent with no default).
func (n *Node) Ints(name string) []int64 {
	if a := n.attr(name, AttrInts); a != nil {
		return a.Ints
	}
	return nil
}

// Floats returns a floats attribute (nil if absent with no default).
func (n *Node) Floats(name string) []float32 {
	if a := n.attr(name, AttrFloats); a != nil {
		return a.Floats
	}
	return nil
}

// Strings returns a strings attribute (nil if absent with no default).
func (n *Node) Strings(name string) []string {
	if a := n.attr(name, AttrStrings); a != nil {
		return a.Strings
	}
	return nil
}

// TensorAttr returns a tensor attribute (nil if absent).
func (n *Node) TensorAttr(name string) *Tensor {
	if a := n.attr(name, AttrTensor); a != nil {
		return a.T
	}
	return nil
}

// GraphAttr returns a graph attribute (nil if absent).
func (n *Node) GraphAttr(name string) *Graph {
	if a := n.attr(name, AttrGraph); a != nil {
		return a.G
	}
	return nil
}

// AttrNames returns the names of the attributes set on n, sorted.
func (n *Node) AttrNames() []string {
	names := make([]string, 0, len(n.Attrs))
	for k := range n.Attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
