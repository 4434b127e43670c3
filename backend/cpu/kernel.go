// Package cpu holds dlc's fast CPU kernels: for each supported op, a
// builder that looks at a node whose values all have static shapes and
// returns a kernel specialized for them, or nil when the node is outside
// what the fast path covers (a dtype, an attribute, a layout), in which
// case the runtime runs the reference kernel of backend/ref instead.
//
// # Contract
//
// A kernel instance belongs to one execution context (one arena): it may
// keep scratch buffers and pre-made closures, and Run is never called on
// it concurrently. Run must not allocate in steady state. Outputs arrive
// preallocated, with the node's static shapes; a kernel writes every
// element of them (their previous contents are garbage). Inputs are never
// modified, except that a kernel implementing InPlacer may be handed an
// output that shares its buffer with the named input.
package cpu

import (
	"fmt"
	"sort"
	"sync"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// Kernel computes a node's outputs into preallocated tensors.
type Kernel interface {
	Run(in, out []*ir.Tensor)
}

// InPlacer is implemented by kernels whose output Out may share its buffer
// with input In (same dtype and size): an elementwise op reading each
// element before writing it. The same value may also feed other inputs of
// the node (Add(x, x)); a kernel that reads those other inputs other than
// element by element must then return -1s (the planner does not check).
type InPlacer interface {
	InPlace() (out, in int)
}

// Env is what a builder may use: the thread pool kernels run on and a
// cache shared by every context of a session, for data prepared once from
// constant inputs (packed weights, folded scales).
type Env struct {
	Pool   *parallel.Pool
	Shared *Shared
	// Precision is the arithmetic of products with operands known only
	// at run time (gemm.Ctx.Precision): mixed-precision training sets it
	// to bf16 or fp16; products with constant weights stay float32.
	Precision gemm.Precision
}

// Builder returns a kernel for n, or nil if the fast path does not cover
// it. Constant inputs have n.Inputs[i].Init set; every value has a static
// shape (ir.Shape.Static).
type Builder func(n *ir.Node, env *Env) Kernel

var builders = map[string]Builder{}

// Register installs the builder for an op key (ir.OpKey(domain, name)). A
// duplicate panics at init.
func Register(key string, b Builder) {
	if _, dup := builders[key]; dup {
		panic(fmt.Sprintf("cpu: builder for %s registered twice", key))
	}
	builders[key] = b
}

// Build returns the fast kernel for n, or nil.
func Build(n *ir.Node, env *Env) Kernel {
	b := builders[ir.OpKey(n.Domain, n.Op)]
	if b == nil {
		return nil
	}
	return b(n, env)
}

// Keys lists the ops that have builders, sorted.
func Keys() []string {
	out := make([]string, 0, len(builders))
	for k := range builders {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Shared caches values derived from constants, keyed by whatever the
// builder chooses (typically the node and a layout name), so that several
// contexts of one session pack a weight once. Builders may run
// concurrently: each key is computed once, and different keys in parallel.
type Shared struct {
	mu sync.Mutex
	m  map[any]*sharedEntry
}

type sharedEntry struct {
	once sync.Once
	v    any
}

// NewShared returns an empty cache.
func NewShared() *Shared { return &Shared{m: map[any]*sharedEntry{}} }

// Get returns the cached value for key, computing it with make on first
// use; callers asking for the same key meanwhile wait for that one call.
func (s *Shared) Get(key any, make func() any) any {
	s.mu.Lock()
	e := s.m[key]
	if e == nil {
		e = &sharedEntry{}
		s.m[key] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.v = make() })
	return e.v
}
