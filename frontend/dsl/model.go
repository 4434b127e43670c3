package dsl

import (
	"errors"
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
)

// Def defines a model: its input shape (after the batch dim) and the
// function from its input to its output. The function must build the
// same layers every time it runs; Model.Graph runs it again per graph.
type Def struct {
	Name  string
	Input []int
	// DType is the float type of parameters and activations; zero means
	// Float32.
	DType ir.DType
	// InputDType is the type of the input: zero means DType; Int64 (or
	// Int32) makes it token ids for Embedding.
	InputDType ir.DType
	Fn         func(x *Value) *Value
}

// New returns the definition of a model computed by fn.
func New(name string, input []int, fn func(x *Value) *Value) Def {
	return Def{Name: name, Input: slices.Clone(input), Fn: fn}
}

// Sequential returns the definition of a model that applies layers in
// order. Build it with Def.Build.
func Sequential(name string, input []int, layers ...Layer) Def {
	layers = slices.Clone(layers)
	return New(name, input, func(x *Value) *Value {
		for i, l := range layers {
			if l == nil {
				fail("", "layer %d of %d is nil", i+1, len(layers))
			}
			x = l.Apply(x)
		}
		return x
	})
}

// Model is a built definition with the current values of its parameters
// and state. Its methods are not safe for concurrent use.
type Model struct {
	def    Def
	seed   uint64
	store  *store
	layers []LayerInfo
	masks  []Mask
	output []int
	aux    []string
}

// Build checks the definition by building its Train and Eval graphs and
// creates its parameters and state, initialized from seed. A shape or
// setting that does not fit is an error naming the layer.
func (d Def) Build(seed uint64) (*Model, error) {
	if d.DType == ir.Undefined {
		d.DType = ir.Float32
	}
	if d.DType != ir.Float32 && d.DType != ir.Float64 {
		return nil, fmt.Errorf("model %q: dtype %s is not float32 or float64", d.Name, d.DType)
	}
	switch d.InputDType {
	case ir.Undefined, d.DType, ir.Int64, ir.Int32:
	default:
		return nil, fmt.Errorf("model %q: input dtype %s is not the model's %s, int64 or int32", d.Name, d.InputDType, d.DType)
	}
	if d.Fn == nil {
		return nil, fmt.Errorf("model %q: no definition function", d.Name)
	}
	for _, n := range d.Input {
		if n < 1 {
			return nil, fmt.Errorf("model %q: input shape %v has a dim below 1", d.Name, d.Input)
		}
	}
	m := &Model{def: d, seed: seed, store: newStore(seed, d.DType)}
	b, err := m.build(Train, 0)
	if err != nil {
		return nil, err
	}
	m.store.open = false
	m.layers, m.masks, m.output = b.layers, b.masks, b.outShape
	for _, a := range b.aux {
		m.aux = append(m.aux, a.Name)
	}
	if _, err := m.build(Eval, 0); err != nil {
		return nil, err
	}
	return m, nil
}

// build runs the definition into a fresh graph.
func (m *Model) build(mode Mode, batch int) (b *Builder, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("model %q (%s graph): %w", m.def.Name, mode, err)
		}
	}()
	defer catch(&err)
	b = newBuilder(m.def.Name, mode, batch, m.def.DType, m.store)
	y := m.def.Fn(b.input(InputName, m.def.Input, m.def.InputDType))
	if y == nil || y.b != b {
		return nil, errors.New("the definition returned no value of its own graph")
	}
	checkBatchFirst("", y)
	b.output(y, OutputName)
	for _, u := range b.updates {
		b.g.Outputs = append(b.g.Outputs, u)
	}
	b.g.Outputs = append(b.g.Outputs, b.aux...)
	b.outShape = y.Shape()
	if err := ir.Verify(b.g); err != nil {
		return nil, err
	}
	return b, nil
}

// Graph emits the model's graph for mode, with a fixed batch size, or a
// symbolic batch dim "batch" when batch is 0. Its first input is "input"
// [batch, Input...]; in Train mode the Dropout masks follow (Masks). Its
// first output is "logits"; in Train mode the updated state follows
// (Param.Update of each State entry, in State order). Parameters and state
// are initializers holding copies of the current values: a trainer that
// differentiates with respect to the trainable parameters turns those
// initializers into graph inputs itself.
func (m *Model) Graph(mode Mode, batch int) (*ir.Model, error) {
	if batch < 0 {
		return nil, fmt.Errorf("model %q: negative batch size %d", m.def.Name, batch)
	}
	b, err := m.build(mode, batch)
	if err != nil {
		return nil, err
	}
	return &ir.Model{Graph: b.g, Opsets: map[string]int64{"": onnx.MaxOpset},
		ProducerName: "dlc", Doc: fmt.Sprintf("%s (%s graph, built by frontend/dsl)", m.def.Name, mode)}, nil
}

// Export writes the Eval graph, with a symbolic batch dim and the current
// parameter values, as an ONNX file.
func (m *Model) Export(path string) error {
	g, err := m.Graph(Eval, 0)
	if err != nil {
		return err
	}
	return onnx.Save(g, path)
}

// Name returns the definition's name.
func (m *Model) Name() string { return m.def.Name }

// Def returns the definition the model was built from.
func (m *Model) Def() Def { return m.def }

// Seed returns the seed the initial values came from.
func (m *Model) Seed() uint64 { return m.seed }

// DType returns the float type of parameters and activations.
func (m *Model) DType() ir.DType { return m.def.DType }

// InputDType returns the input's type: the float type, or an integer
// type for token ids.
func (m *Model) InputDType() ir.DType {
	if m.def.InputDType == ir.Undefined {
		return m.def.DType
	}
	return m.def.InputDType
}

// InputShape returns the input dims after the batch dim.
func (m *Model) InputShape() []int { return slices.Clone(m.def.Input) }

// OutputShape returns the output dims after the batch dim.
func (m *Model) OutputShape() []int { return slices.Clone(m.output) }

// Layers describes the layers of the Train graph, in order.
func (m *Model) Layers() []LayerInfo { return slices.Clone(m.layers) }

// AuxLosses names the Train graph's auxiliary loss outputs, scalars a
// trainer adds to its loss (GaussianSample's KL term), after the logits
// and the updated state.
func (m *Model) AuxLosses() []string { return slices.Clone(m.aux) }

// Masks lists the Dropout masks the Train graph takes as inputs.
func (m *Model) Masks() []Mask { return slices.Clone(m.masks) }

// Params lists the learnable parameters, trainable or frozen, in the
// order layers created them. The entries are the model's own: writing a
// Value's elements changes the model.
func (m *Model) Params() []*Param { return slices.Clone(m.store.params) }

// TrainableParams lists the parameters that are not frozen.
func (m *Model) TrainableParams() []*Param {
	var out []*Param
	for _, p := range m.store.params {
		if p.Trainable {
			out = append(out, p)
		}
	}
	return out
}

// State lists the non-learnable tensors (BatchNorm running statistics)
// with the Train graph outputs that update them.
func (m *Model) State() []*Param { return slices.Clone(m.store.state) }

// NumParams counts the elements of all learnable parameters, frozen ones
// included and state excluded, as PyTorch's
// sum(p.numel() for p in model.parameters()) does.
func (m *Model) NumParams() int {
	n := 0
	for _, p := range m.store.params {
		n += p.Value.Len()
	}
	return n
}

// NumTrainable counts the elements of the parameters that are not frozen.
func (m *Model) NumTrainable() int {
	n := 0
	for _, p := range m.TrainableParams() {
		n += p.Value.Len()
	}
	return n
}
