// Package ref holds dlc's reference kernels: a plain, readable pure-Go
// implementation of every operator in the IR registry. They define what each
// op means. Fast kernels are tested against them and constant folding runs
// them, so clarity beats speed here.
//
// # Contract
//
// A kernel receives the node (validated when it was built) and its input
// data in slot order, nil for omitted optional inputs. It returns one Data
// per node output slot (nil for omitted outputs). Kernels never modify their
// inputs: an output may alias an input only if it is returned unchanged.
package ref

import (
	"fmt"
	"sort"

	"github.com/dlc-go/dlc/ir"
)

// Ctx is what a kernel may ask of the runtime that calls it.
type Ctx interface {
	// RunGraph executes a subgraph of the node with the given inputs. The
	// subgraph reads values of enclosing graphs from the caller's scope.
	RunGraph(g *ir.Graph, inputs []ir.Data) ([]ir.Data, error)
}

// Kernel computes a node's outputs from its inputs.
type Kernel func(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error)

var kernels = map[string]Kernel{}

// Register installs the kernel of an op, keyed like ir.OpKey(domain, name).
// A duplicate is a programming error and panics at init.
func Register(key string, k Kernel) {
	if _, dup := kernels[key]; dup {
		panic(fmt.Sprintf("ref: kernel %s registered twice", key))
	}
	kernels[key] = k
}

// Lookup returns the kernel for an op key, or nil.
func Lookup(key string) Kernel { return kernels[key] }

// Keys lists the ops that have kernels, sorted.
func Keys() []string {
	out := make([]string, 0, len(kernels))
	for k := range kernels {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Tensor returns input i as a tensor, or nil when it is absent. A
// non-tensor in that slot panics: node validation rules it out.
func Tensor(in []ir.Data, i int) *ir.Tensor {
	if i >= len(in) || in[i] == nil {
		return nil
	}
	return in[i].(*ir.Tensor)
}

// Outs is a small helper to return tensors as kernel outputs.
func Outs(ts ...*ir.Tensor) []ir.Data {
	out := make([]ir.Data, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = t
		}
	}
	return out
}
