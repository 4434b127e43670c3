package ir

import (
	"fmt"
	"sort"
	"sync"
)

// DefaultDomain is ONNX's main operator domain ("" and "ai.onnx" are the same).
const DefaultDomain = ""

// TrainingDomain holds ONNX's preview training operators.
const TrainingDomain = "ai.onnx.preview.training"

// OpDef declares an operator once: its signature, attribute schema, type
// and shape inference and the opsets of its domain that the importer
// accepts. The canonical IR form of every op is its newest ONNX form; the
// importer rewrites older forms into it. Gradient rules (train) and kernel
// selection (backends) key on the same OpDef. Input type constraints
// (which dtypes each input admits) live apart, in a table generated from
// the ONNX schemas: gen_type_constraints.go, checked by CheckTypes.
type OpDef struct {
	Name   string
	Domain string
	// Since is the first opset of Domain in which the op exists.
	Since int
	// Version is the ONNX version whose form (inputs, outputs,
	// attributes, meaning) the IR uses: the op's newest version up to the
	// newest opset dlc imports that changed its form. Later versions that
	// only widened it (new types, optional features whose absence keeps
	// the old behaviour) are handled by the exporter (frontend/onnx
	// opExtensions), which declares the smallest opset every node needs.
	Version int
	// Inputs and outputs: counts in [Min, Max]; Max < 0 means variadic.
	MinInputs, MaxInputs   int
	MinOutputs, MaxOutputs int
	Attrs                  []AttrDef
	// Infer sets the output types of n from its inputs and attributes. It
	// may leave dims or whole shapes unknown, but must set dtypes where
	// they follow from the inputs. Nil leaves outputs untyped.
	Infer func(n *Node) error
	// Doc is a one-line meaning of the op in terms of its inputs.
	Doc string
	// Grad is the gradient rule (see GradFunc); nil where no rule is
	// written yet. train/autodiff applies the rules.
	Grad GradFunc
	// NotDifferentiable marks ops that have no gradient by nature.
	NotDifferentiable bool
}

// Attr returns the schema entry for an attribute name, or nil.
func (d *OpDef) Attr(name string) *AttrDef {
	for i := range d.Attrs {
		if d.Attrs[i].Name == name {
			return &d.Attrs[i]
		}
	}
	return nil
}

// Key is the registry key of the op: its name, prefixed by a non-default
// domain.
func (d *OpDef) Key() string { return OpKey(d.Domain, d.Name) }

// OpKey builds the registry key of op name in domain.
func OpKey(domain, name string) string {
	if domain == "" || domain == "ai.onnx" {
		return name
	}
	return domain + "." + name
}

var (
	registryMu sync.RWMutex
	registry   = map[string]*OpDef{}
)

// Register adds op declarations to the registry; a duplicate is a
// programming error and panics at init.
func Register(defs ...*OpDef) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, d := range defs {
		if d.Since == 0 {
			d.Since = 1
		}
		if _, dup := registry[d.Key()]; dup {
			panic(fmt.Sprintf("ir: op %s registered twice", d.Key()))
		}
		registry[d.Key()] = d
	}
}

// LookupOp returns the declaration of op name in domain, or nil.
func LookupOp(domain, name string) *OpDef {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return registry[OpKey(domain, name)]
}

// Ops returns every registered op, sorted by key.
func Ops() []*OpDef {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]*OpDef, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}
