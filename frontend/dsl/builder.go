package dsl

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Mode selects how layers that differ between training and inference
// (BatchNorm, Dropout) are emitted.
type Mode int

const (
	// Eval emits the inference graph: BatchNorm uses running statistics,
	// Dropout is removed.
	Eval Mode = iota
	// Train emits the training graph: BatchNorm normalizes with batch
	// statistics and outputs updated running ones, Dropout reads a mask.
	Train
)

func (m Mode) String() string {
	if m == Train {
		return "train"
	}
	return "eval"
}

// Names of the graph's input, output and symbolic batch dim.
const (
	InputName  = "input"
	OutputName = "logits"
	BatchDim   = "batch"
)

// Builder is one graph under construction. Values belong to one Builder;
// layers reach it through the values they are applied to.
type Builder struct {
	g          *ir.Graph
	mode       Mode
	batch      int // 0: symbolic
	dtype      ir.DType
	store      *store
	counts     map[string]int // layers applied so far, per kind
	layerNames map[string]bool
	names      map[string]bool // value names in use
	layers     []LayerInfo
	masks      []Mask
	// updates are the Train graph's running-statistic outputs.
	updates []*ir.Value
	// aux are the Train graph's auxiliary loss outputs (scalars the
	// trainer adds to the loss: a VAE's KL term).
	aux []*ir.Value
	// nparams counts the parameter elements of the layer being applied.
	nparams int
	// outShape is the output's dims after the batch, once built.
	outShape []int
}

// Value is a tensor of the graph being built: the batch dim first, then
// Shape. Values are made by the builder, never by hand.
type Value struct {
	b     *Builder
	v     *ir.Value
	shape []int
	// seqFirst: the graph value is [steps, batch, ...] rather than batch
	// first (ToSequenceFirst); shape is still the dims besides the batch.
	// Only recurrent layers with SequenceFirst and ToBatchFirst take it.
	seqFirst bool
}

// Shape returns the dims after the batch dim.
func (x *Value) Shape() []int { return slices.Clone(x.shape) }

// IR returns the underlying graph value.
func (x *Value) IR() *ir.Value { return x.v }

// Builder returns the builder x belongs to.
func (x *Value) Builder() *Builder { return x.b }

// Mode reports which graph is being built; layers written outside this
// package use it to choose their training or inference form.
func (b *Builder) Mode() Mode { return b.mode }

// Graph returns the graph under construction, for layers written outside
// this package that add nodes themselves (with Builder.Op).
func (b *Builder) Graph() *ir.Graph { return b.g }

// DType is the float type of parameters and activations.
func (b *Builder) DType() ir.DType { return b.dtype }

func newBuilder(name string, mode Mode, batch int, dt ir.DType, st *store) *Builder {
	return &Builder{g: ir.NewGraph(name), mode: mode, batch: batch, dtype: dt, store: st,
		counts: map[string]int{}, layerNames: map[string]bool{}, names: map[string]bool{}}
}

// irType is the graph type of an activation with dims after the batch.
func (b *Builder) irType(shape []int) ir.Type {
	dims := make([]ir.Dim, 0, len(shape)+1)
	if b.batch > 0 {
		dims = append(dims, ir.Static(int64(b.batch)))
	} else {
		dims = append(dims, ir.Symbolic(BatchDim))
	}
	for _, d := range shape {
		dims = append(dims, ir.Static(int64(d)))
	}
	return ir.TensorType(b.dtype, ir.Shape{Ranked: true, Dims: dims})
}

// input adds a graph input with a batch dim, of dtype dt (Undefined:
// the model's float type).
func (b *Builder) input(name string, shape []int, dt ir.DType) *Value {
	b.names[name] = true
	t := b.irType(shape)
	if dt != ir.Undefined {
		t.DType = dt
	}
	return &Value{b: b, v: b.g.AddInput(name, t), shape: slices.Clone(shape)}
}

// begin starts applying a layer of the given kind and returns its name:
// the given one, or kind_N with N counting that kind's layers.
func (b *Builder) begin(kind, name string) string {
	b.counts[kind]++
	b.nparams = 0
	if name != "" {
		if b.layerNames[name] {
			fail(name, "name is used twice")
		}
		b.layerNames[name] = true
		return name
	}
	for {
		name = fmt.Sprintf("%s_%d", kind, b.counts[kind])
		if !b.layerNames[name] {
			b.layerNames[name] = true
			return name
		}
		b.counts[kind]++
	}
}

// end records a finished layer for the summary.
func (b *Builder) end(name, kind string, out *Value) {
	b.layers = append(b.layers, LayerInfo{Name: name, Kind: kind, Output: out.Shape(), SeqFirst: out.seqFirst, Params: b.nparams})
}

// fresh returns an unused value name made from base.
func (b *Builder) fresh(base string) string {
	name := base
	for i := 2; b.names[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	b.names[name] = true
	return name
}

// Op adds one node for layer (the name errors give), named after its
// output value out (made unique), and returns that output with dims shape
// after the batch, of the model's dtype. The shape is the layer's own
// account of the result; where the op's inference knows a dim too, they
// must agree. An op the IR rejects is a *LayerError panic.
func (b *Builder) Op(layer, op string, attrs map[string]*ir.Attr, out string, shape []int, in ...*ir.Value) *Value {
	name := b.fresh(out)
	n, err := b.g.AddNode(ir.NodeSpec{Op: op, Name: name, Inputs: in, Outputs: []string{name}, Attrs: attrs})
	if err != nil {
		fail(layer, "%v", err)
	}
	v := n.Outputs[0]
	want := b.irType(shape)
	if dt := v.Type.DType; dt != ir.Undefined && dt != b.dtype {
		fail(layer, "%s gives %s, the model computes in %s", op, dt, b.dtype)
	}
	if got := v.Type.Shape; got.Ranked {
		if got.Rank() != len(shape)+1 {
			fail(layer, "%s gives rank %d, the layer expects %s", op, got.Rank(), want.Shape)
		}
		for i, d := range got.Dims[1:] {
			if d.Known() && int(d.Size) != shape[i] {
				fail(layer, "%s gives shape %s, the layer expects %s", op, got, want.Shape)
			}
		}
	}
	v.Type = want
	return &Value{b: b, v: v, shape: slices.Clone(shape)}
}

// constInt64 adds an int64 initializer (a shape or axes operand).
func (b *Builder) constInt64(base string, vals ...int64) *ir.Value {
	return b.g.AddInit(b.fresh(base), ir.FromSlice([]int{len(vals)}, vals))
}

// output names v the graph output name and appends it to the outputs. A
// value that is not a node's output (the input itself) is copied by an
// Identity so that the output has its own name.
func (b *Builder) output(x *Value, name string) {
	v := x.v
	switch {
	case v.Name == name:
	case b.names[name]:
		fail("", "graph output name %q is taken by another value", name)
	case v.Producer == nil:
		v = b.Op("", "Identity", nil, name, x.shape, v).v
	default:
		v.Name = name
		b.names[name] = true
	}
	b.g.Outputs = append(b.g.Outputs, v)
}

// sameBuilder checks that values combined by a function belong to one
// graph.
func sameBuilder(layer string, xs ...*Value) *Builder {
	if len(xs) == 0 || xs[0] == nil {
		fail(layer, "no input value")
	}
	b := xs[0].b
	for _, x := range xs[1:] {
		if x == nil || x.b != b {
			fail(layer, "inputs come from different graphs")
		}
	}
	for _, x := range xs {
		checkBatchFirst(layer, x)
	}
	return b
}
