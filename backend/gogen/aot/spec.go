// Package aot is what models compiled by dlc compile (backend/gogen) link:
// it loads their embedded weights, builds their kernels — the same
// backend/cpu and backend/ref kernels the runtime would run — over one
// preplanned arena per execution context, and runs the generated step
// function. It holds no ONNX parser and no graph optimizer: the generated
// package carries the optimized, shape-specialized program as Go tables.
package aot

import (
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Spec is a compiled program, written out as a Go literal by
// backend/gogen.
type Spec struct {
	// Model names the model in error messages.
	Model string
	// ArenaBytes is the arena of one execution context.
	ArenaBytes int64
	Values     []Value
	Steps      []Step
	// Inputs index Values by the inputs a caller passes (graph inputs
	// with a default are constants); Outputs by graph output.
	Inputs, Outputs []int
	// Run calls the steps in order (generated straight-line code); nil
	// runs them in a loop.
	Run func(c *Context) error
}

// Kind says where a value's data lives.
type Kind uint8

const (
	Arena Kind = iota // at Offset in the arena
	Input             // the caller's tensor for input Index
	Const             // at Offset in the weights blob
	Alias             // the data of value Index under this value's shape
	Own               // a slice per context (strings: they hold pointers)
)

// Value is one tensor of the program. Dims holds, for each input dim
// that was symbolic in the model, its name ("" for fixed dims): those
// get a clearer error when a caller's shape differs. Init holds a
// constant that is not in the weights blob (strings).
type Value struct {
	Name   string
	DType  ir.DType
	Shape  []int
	Kind   Kind
	Offset int64
	Index  int
	Dims   []string
	Init   *ir.Tensor
}

// StepKind is how a step runs.
type StepKind uint8

const (
	Fast    StepKind = iota // the node's backend/cpu kernel
	Ref                     // its backend/ref kernel, outputs copied into place
	Nothing                 // a view or eliminated Concat: data already in place
)

// Step is one node: its op, attributes and argument values (-1 for an
// omitted optional). InPlace, when set, is {output, input}: the kernel
// writes that output over that input, as the memory plan assumed.
type Step struct {
	Name, Op, Domain string
	Attrs            map[string]*ir.Attr
	In, Out          []int
	Kind             StepKind
	InPlace          []int
}

// F32 and F64 are the floats of these bits: generated tables write NaN,
// infinities and -0 this way.
func F32(bits uint32) float32 { return math.Float32frombits(bits) }
func F64(bits uint64) float64 { return math.Float64frombits(bits) }
