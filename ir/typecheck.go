package ir

import (
	"fmt"
	"slices"
	"strings"
)

// OpTypes is the ONNX type constraints of one op's inputs: which dtypes
// each input slot accepts and which slots must share one dtype (slots
// bound to the same type variable, like Add's A and B). The table for
// the default domain is generated from the ONNX schemas into
// gen_type_constraints.go; CheckTypes applies it.
type OpTypes struct {
	// Inputs holds one entry per input slot; when Variadic, the last one
	// also describes every further input.
	Inputs []TypeSlot
	// Vars are the op's type variables; TypeSlot.Var indexes them.
	Vars []TypeVar
	// Variadic: the last slot repeats. Heterogeneous: its repeats may
	// differ in dtype from one another (Loop, Scan carried values).
	Variadic, Heterogeneous bool
}

// TypeSlot is one input slot: its ONNX name and its type variable (an
// index into OpTypes.Vars; < 0 means the slot is not checked, e.g. it
// takes sequences or optionals).
type TypeSlot struct {
	Name string
	Var  int
}

// TypeVar is a type variable: its ONNX name ("T", or the literal type of
// an unnamed slot) and the dtypes it admits.
type TypeVar struct {
	Name   string
	DTypes []DType
}

// opTypes maps a registry key to its constraints; set by the generated
// table's init. An op absent from it is not checked.
var opTypes map[string]*OpTypes

// TypeConstraints returns the input type constraints of the op with
// registry key key, or nil when dlc does not check that op.
func TypeConstraints(key string) *OpTypes { return opTypes[key] }

// TypeConstraintKeys returns the keys of every op with type constraints.
func TypeConstraintKeys() []string {
	keys := make([]string, 0, len(opTypes))
	for k := range opTypes {
		keys = append(keys, k)
	}
	return keys
}

// slot returns the constraint of input i, or nil past the declared slots.
func (t *OpTypes) slot(i int) *TypeSlot {
	if i < len(t.Inputs) {
		return &t.Inputs[i]
	}
	if t.Variadic && len(t.Inputs) > 0 {
		return &t.Inputs[len(t.Inputs)-1]
	}
	return nil
}

// CheckTypes checks the dtypes of n's inputs against the op's ONNX type
// constraints, as ONNX Runtime does when it loads a model: every present
// tensor input whose dtype is known must be one its slot admits, and
// inputs bound to one type variable must agree. Inputs of unknown dtype
// and non-tensor values are not checked. Messages do not name the node;
// callers wrap them.
func CheckTypes(n *Node) error {
	if n.Def == nil {
		return nil
	}
	ts := opTypes[n.Def.Key()]
	if ts == nil {
		return nil
	}
	// first input seen per type variable, for the "same type" check.
	first := make([]int, len(ts.Vars))
	for i := range first {
		first[i] = -1
	}
	for i, v := range n.Inputs {
		if v == nil || v.Type.Kind != TensorKind || v.Type.DType == Undefined {
			continue
		}
		s := ts.slot(i)
		if s == nil || s.Var < 0 {
			continue
		}
		tv := &ts.Vars[s.Var]
		dt := v.Type.DType
		if !slices.Contains(tv.DTypes, dt) {
			return fmt.Errorf("input %d (%q) is %s, wants one of %s", i, s.Name, dt, dtypeList(tv.DTypes))
		}
		if ts.Heterogeneous && ts.Variadic && i >= len(ts.Inputs)-1 {
			continue // repeats of a heterogeneous slot are independent
		}
		j := first[s.Var]
		if j < 0 {
			first[s.Var] = i
			continue
		}
		if o := n.Inputs[j].Type.DType; o != dt {
			return fmt.Errorf("input %d (%q) is %s but input %d (%q) is %s: dtypes bound to %s differ",
				i, s.Name, dt, j, ts.slot(j).Name, o, tv.Name)
		}
	}
	return nil
}

func dtypeList(list []DType) string {
	s := make([]string, len(list))
	for i, d := range list {
		s[i] = d.String()
	}
	return strings.Join(s, ", ")
}
