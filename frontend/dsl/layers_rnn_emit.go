package dsl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dlc-go/dlc/ir"
)

// rnnEmitter adds the nodes of one recurrent layer. Many of its values
// are not batch first ([steps, batch, features], [dirs, batch, hidden]),
// so unlike Builder.Op it types each output from dims in which a negative
// entry -k stands for the batch dim times k (-1: the batch dim itself).
// The op's own inference must agree wherever it knows a dim.
type rnnEmitter struct {
	b      *Builder
	layer  string
	consts map[string]*ir.Value
}

func newRNNEmitter(b *Builder, layer string) *rnnEmitter {
	return &rnnEmitter{b: b, layer: layer, consts: map[string]*ir.Value{}}
}

// typ is the graph type of dims (see rnnEmitter).
func (e *rnnEmitter) typ(dims []int) ir.Type {
	ds := make([]ir.Dim, len(dims))
	for i, d := range dims {
		switch {
		case d >= 0:
			ds[i] = ir.Static(int64(d))
		case e.b.batch > 0:
			ds[i] = ir.Static(int64(-d * e.b.batch))
		case d == -1:
			ds[i] = ir.Symbolic(BatchDim)
		default:
			ds[i] = ir.Unknown()
		}
	}
	return ir.TensorType(e.b.dtype, ir.Shape{Ranked: true, Dims: ds})
}

// node adds one op whose outputs have the given dims (nil: the output is
// omitted) and returns its outputs (the node's own slice).
func (e *rnnEmitter) node(op string, attrs map[string]*ir.Attr, shapes [][]int, in ...*ir.Value) []*ir.Value {
	outs := make([]string, len(shapes))
	first := ""
	for i, s := range shapes {
		if s != nil {
			outs[i] = e.b.fresh(e.layer + "/" + strings.ToLower(op))
			if first == "" {
				first = outs[i]
			}
		}
	}
	n, err := e.b.g.AddNode(ir.NodeSpec{Op: op, Name: first, Inputs: in, Outputs: outs, Attrs: attrs})
	if err != nil {
		fail(e.layer, "%v", err)
	}
	for i, v := range n.Outputs {
		if v == nil {
			continue
		}
		want := e.typ(shapes[i])
		if err := agree(v.Type, want); err != nil {
			fail(e.layer, "%s output %d: %v", op, i, err)
		}
		v.Type = want
	}
	return n.Outputs
}

// agree reports a conflict between an inferred type and the emitter's.
func agree(got, want ir.Type) error {
	if got.DType != ir.Undefined && got.DType != want.DType {
		return fmt.Errorf("dtype %s, the layer computes in %s", got.DType, want.DType)
	}
	if !got.Shape.Ranked {
		return nil
	}
	if got.Shape.Rank() != want.Shape.Rank() {
		return fmt.Errorf("shape %s, the layer expects %s", got.Shape, want.Shape)
	}
	for i, d := range got.Shape.Dims {
		w := want.Shape.Dims[i]
		if d.Known() && w.Known() && d.Size != w.Size {
			return fmt.Errorf("shape %s, the layer expects %s", got.Shape, want.Shape)
		}
	}
	return nil
}

// op adds a one-output op.
func (e *rnnEmitter) op(op string, attrs map[string]*ir.Attr, shape []int, in ...*ir.Value) *ir.Value {
	return e.node(op, attrs, [][]int{shape}, in...)[0]
}

// ints is an int64 constant (a shape or split operand), one initializer
// per distinct value.
func (e *rnnEmitter) ints(vals ...int64) *ir.Value {
	key := fmt.Sprint(vals)
	if v := e.consts[key]; v != nil {
		return v
	}
	v := e.b.constInt64(e.layer+"/const", vals...)
	e.consts[key] = v
	return v
}

func (e *rnnEmitter) reshape(x *ir.Value, target []int64, shape []int) *ir.Value {
	return e.op("Reshape", nil, shape, x, e.ints(target...))
}

func (e *rnnEmitter) transpose(x *ir.Value, perm []int64, shape []int) *ir.Value {
	return e.op("Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(perm...)}, shape, x)
}

// split cuts x (dims shape) along axis into parts of the given sizes.
func (e *rnnEmitter) split(x *ir.Value, shape []int, axis int, sizes ...int) []*ir.Value {
	if len(sizes) == 1 {
		return []*ir.Value{x}
	}
	shapes := make([][]int, len(sizes))
	sz := make([]int64, len(sizes))
	for i, s := range sizes {
		shapes[i] = append([]int{}, shape...)
		shapes[i][axis] = s
		sz[i] = int64(s)
	}
	outs := e.node("Split", map[string]*ir.Attr{"axis": ir.IntAttr(int64(axis))}, shapes, x, e.ints(sz...))
	return slices.Clone(outs) // callers may replace entries; the node's own slice must stay

}

// gemm is a·bᵀ (+ c when c is not nil), of dims shape.
func (e *rnnEmitter) gemm(a, b, c *ir.Value, shape []int) *ir.Value {
	ins := []*ir.Value{a, b}
	if c != nil {
		ins = append(ins, c)
	}
	return e.op("Gemm", map[string]*ir.Attr{"transB": ir.IntAttr(1)}, shape, ins...)
}

func (e *rnnEmitter) concat(axis int, shape []int, xs ...*ir.Value) *ir.Value {
	if len(xs) == 1 {
		return xs[0]
	}
	return e.op("Concat", map[string]*ir.Attr{"axis": ir.IntAttr(int64(axis))}, shape, xs...)
}
