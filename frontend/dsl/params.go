package dsl

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Param is a named tensor of a model: a learnable parameter
// ("<layer>.weight", "<layer>.bias") or a piece of state such as a
// BatchNorm running statistic.
type Param struct {
	Name  string
	Layer string
	// Value holds the current values, in the model's dtype. A trainer may
	// update it in place; SetParam replaces it.
	Value *ir.Tensor
	// Trainable is false for frozen parameters and for state.
	Trainable bool
	// Update, for state only, names the Train graph output that carries
	// its new value after a step; the trainer copies it back.
	Update string
}

// store holds a model's parameters and state across the graphs built from
// its definition. While open, missing tensors are created and initialized;
// once closed (after Build), a definition asking for a tensor it did not
// ask for at Build is an error.
type store struct {
	seed   uint64
	dtype  ir.DType
	open   bool
	params []*Param
	state  []*Param
	byName map[string]*Param
}

func newStore(seed uint64, dt ir.DType) *store {
	return &store{seed: seed, dtype: dt, open: true, byName: map[string]*Param{}}
}

// tensorSpec describes a tensor a layer needs.
type tensorSpec struct {
	layer, suffix string
	shape         []int
	init          Initializer
	fanIn, fanOut int
	state         bool
	update        string // state only: its Train graph output
}

// get returns the tensor for spec, creating it while the store is open.
func (s *store) get(spec tensorSpec) *Param {
	name := spec.layer + "." + spec.suffix
	if p := s.byName[name]; p != nil {
		if !slices.Equal(p.Value.Shape, spec.shape) {
			fail(spec.layer, "%s has shape %v, the layer needs %v", name, p.Value.Shape, spec.shape)
		}
		return p
	}
	if !s.open {
		fail(spec.layer, "%s was not created when the model was built (does the definition build different layers each time?)", name)
	}
	n, ok := ir.NumElements(spec.shape)
	if !ok {
		fail(spec.layer, "%s: shape %v is too large", name, spec.shape)
	}
	vals := make([]float64, n)
	spec.init.Fill(streamFor(s.seed, name), vals, spec.fanIn, spec.fanOut)
	t, err := ir.NewTensor(s.dtype, spec.shape)
	if err != nil {
		fail(spec.layer, "%s: %v", name, err)
	}
	for i, v := range vals {
		t.SetFloat64At(i, v)
	}
	p := &Param{Name: name, Layer: spec.layer, Value: t, Trainable: !spec.state, Update: spec.update}
	s.byName[name] = p
	if spec.state {
		s.state = append(s.state, p)
	} else {
		s.params = append(s.params, p)
	}
	return p
}

// tensor adds the tensor of spec to the graph as an initializer holding a
// copy of its current value.
func (b *Builder) tensor(spec tensorSpec) *ir.Value {
	if spec.init.fill == nil {
		fail(spec.layer, "%s.%s has no initializer", spec.layer, spec.suffix)
	}
	p := b.store.get(spec)
	if !spec.state {
		b.nparams += p.Value.Len()
	}
	if b.names[p.Name] {
		fail(spec.layer, "%s is used twice in one graph", p.Name)
	}
	b.names[p.Name] = true
	return b.g.AddInit(p.Name, p.Value.Clone())
}

// param adds a learnable parameter of layer.
func (b *Builder) param(layer, suffix string, shape []int, init Initializer, fanIn, fanOut int) *ir.Value {
	return b.tensor(tensorSpec{layer: layer, suffix: suffix, shape: shape, init: init, fanIn: fanIn, fanOut: fanOut})
}

// stateTensor adds a non-learnable state tensor of layer whose Train
// graph update is the output "<name>:new".
func (b *Builder) stateTensor(layer, suffix string, shape []int, init Initializer) *ir.Value {
	update := fmt.Sprintf("%s.%s:new", layer, suffix)
	return b.tensor(tensorSpec{layer: layer, suffix: suffix, shape: shape, init: init, state: true, update: update})
}
