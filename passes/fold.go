package passes

import (
	"fmt"

	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// Constant folding: a pure node whose inputs are all constants is run once
// with its reference kernel and its outputs become initializers (same
// values, same names, so no reader changes). Shape and Size fold from
// declared shapes alone when the dims they report are known.

// maxFoldElems bounds what folding may create: a node whose result has
// more elements than this and than all its inputs together is left to run
// time, so that folding never inflates a model (ConstantOfShape, Expand,
// Tile of small constants).
const maxFoldElems = 1 << 16

// fold runs constant folding over g and its subgraphs, in order, so that a
// chain of constant nodes folds in one sweep.
func fold(g *ir.Graph) (bool, error) {
	changed := false
	for _, sub := range graphsOf(g) {
		for _, n := range append([]*ir.Node(nil), sub.Nodes...) {
			// Inputs folded just before may sharpen n's type (a Reshape
			// whose shape became constant), which later folds read.
			_ = ir.ReinferNode(n)
			outs := foldNode(n)
			if outs == nil {
				continue
			}
			// A kernel result that contradicts inference is left for the
			// run to report (the runtime's CheckTypes names it).
			if sub.FoldNode(n, outs) == nil {
				changed = true
			}
		}
	}
	return changed, nil
}

// foldNode returns n's outputs computed at compile time, or nil when n
// cannot or should not be folded.
func foldNode(n *ir.Node) []*ir.Tensor {
	if !pure(n) {
		return nil
	}
	for _, v := range n.Outputs {
		if v != nil && v.Type.Kind != ir.TensorKind {
			return nil
		}
	}
	switch {
	case is(n, "Shape"):
		return foldShape(n)
	case is(n, "Size"):
		if dims, ok := staticShape(n.In(0)); ok {
			size, _ := ir.NumElements(dims)
			return []*ir.Tensor{ir.Scalar(int64(size))}
		}
		return nil
	}
	inElems := 0
	in := make([]ir.Data, len(n.Inputs))
	for i, v := range n.Inputs {
		if v == nil {
			continue
		}
		t := constOf(v)
		if t == nil {
			return nil
		}
		in[i] = t
		inElems += t.Len()
	}
	// A result inference already knows to be too big is not computed
	// just to be thrown away (ConstantOfShape of a GiB costs seconds).
	for _, v := range n.Outputs {
		if dims, ok := staticShape(v); ok && !is(n, "Constant") {
			if size, ok := ir.NumElements(dims); !ok || (size > maxFoldElems && size > inElems) {
				return nil
			}
		}
	}
	k := ref.Lookup(ir.OpKey(n.Domain, n.Op))
	if k == nil {
		return nil
	}
	out, err := runKernel(k, n, in)
	if err != nil || len(out) != len(n.Outputs) {
		return nil // the run-time error is the model's to report
	}
	ts := make([]*ir.Tensor, len(out))
	for i, d := range out {
		if n.Outputs[i] == nil {
			continue
		}
		t, ok := d.(*ir.Tensor)
		if !ok {
			return nil
		}
		if !is(n, "Constant") && t.Len() > maxFoldElems && t.Len() > inElems {
			return nil
		}
		ts[i] = t
	}
	return ts
}

// runKernel runs a reference kernel, turning a panic on odd constants
// into an error: folding must not crash on a model that would only fail
// when run.
func runKernel(k ref.Kernel, n *ir.Node, in []ir.Data) (out []ir.Data, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("kernel panicked: %v", r)
		}
	}()
	return k(nil, n, in)
}

// foldShape folds Shape when the dims in [start, end) are known.
func foldShape(n *ir.Node) []*ir.Tensor {
	s := n.In(0).Type.Shape
	if !s.Ranked {
		return nil
	}
	r := len(s.Dims)
	clamp := func(i int64) int {
		if i < 0 {
			i += int64(r)
		}
		return int(min(max(i, 0), int64(r)))
	}
	start, end := clamp(n.Int("start")), r
	if n.Has("end") {
		end = clamp(n.Int("end"))
	}
	dims := []int{}
	for i := start; i < end; i++ {
		if !s.Dims[i].Known() {
			return nil
		}
		dims = append(dims, int(s.Dims[i].Size))
	}
	return []*ir.Tensor{int64Tensor(dims)}
}
