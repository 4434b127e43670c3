// Package optim appends optimizer updates to an IR graph. A training step
// is one graph whose inputs are the parameters, their optimizer state, the
// batch and scalar hyper-parameters (learning rate, step number) and whose
// outputs are the loss, the new parameters and the new state; this
// package emits the part after the gradients. Learning rate and step are
// graph values so that a schedule changes them between runs without
// rebuilding; the other hyper-parameters are Go fields baked in as
// constants.
//
// # Semantics
//
// SGD, Adam and AdamW follow torch.optim (PyTorch 1.13) step for step;
// the tests hold them to numbers PyTorch produced (testdata/torch_ref.py).
// LAMB follows You et al. 2019, see LAMB. ClipGradNorm is
// torch.nn.utils.clip_grad_norm_ with the 2-norm.
package optim

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Optimizer appends the update of one parameter to a graph.
type Optimizer interface {
	// States declares the state tensors the optimizer keeps per
	// parameter, each shaped like the parameter, in the order Update
	// takes and returns them.
	States() []StateSpec
	// Update appends the nodes computing the parameter and state after
	// one step. fresh returns an unused value name for a base.
	Update(g *ir.Graph, p Param, h Hyper, fresh func(string) string) (Updated, error)
}

// StateSpec declares one per-parameter state tensor.
type StateSpec struct {
	// Suffix names the state after its parameter: "w" and "exp_avg" make
	// "w.exp_avg". Suffixes are PyTorch's state-dict keys.
	Suffix string
	// Init is the value of every element before the first step.
	Init float64
}

// Initial returns the state's value before the first step for a parameter
// of dtype dt and the given shape.
func (s StateSpec) Initial(dt ir.DType, shape []int) *ir.Tensor {
	t := ir.Zeros(dt, shape)
	if s.Init != 0 {
		for i := range t.Len() {
			t.SetFloat64At(i, s.Init)
		}
	}
	return t
}

// Param is what an update reads for one parameter.
type Param struct {
	Name  string      // base of new value names; the parameter's name
	Value *ir.Value   // the parameter, a float tensor
	Grad  *ir.Value   // its gradient: same dtype and shape
	State []*ir.Value // one per StateSpec, same dtype and shape
}

// Hyper holds the hyper-parameters that are graph values: scalars (shape
// []) of any float or integer dtype, converted to each parameter's dtype.
type Hyper struct {
	LR *ir.Value
	// Step is the number of the step being taken, counting from 1 (PyTorch
	// increments its step count before the update). Adam and LAMB use it
	// for bias correction, SGD to start its momentum buffer.
	Step *ir.Value
}

// Updated is a parameter and its state after one step.
type Updated struct {
	Value *ir.Value
	State []*ir.Value
}

// Apply appends the update of every parameter, in order.
func Apply(g *ir.Graph, o Optimizer, ps []Param, h Hyper, fresh func(string) string) ([]Updated, error) {
	out := make([]Updated, len(ps))
	for i, p := range ps {
		u, err := o.Update(g, p, h, fresh)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}

// start checks an update's inputs and returns an emitter for them with lr
// and step converted to the parameter's dtype.
func start(name string, g *ir.Graph, p Param, h Hyper, states int, fresh func(string) string) (e *emitter, lr, step *ir.Value, err error) {
	fail := func(format string, args ...any) (*emitter, *ir.Value, *ir.Value, error) {
		return nil, nil, nil, fmt.Errorf("%s: parameter %q: %s", name, p.Name, fmt.Sprintf(format, args...))
	}
	if p.Value == nil || p.Grad == nil {
		return fail("value or gradient is missing")
	}
	vt := p.Value.Type
	if vt.Kind != ir.TensorKind || !vt.DType.IsFloat() {
		return fail("value %q is %s, want a float tensor", p.Value.Name, vt)
	}
	if !p.Grad.Type.Equal(vt) {
		return fail("gradient %q is %s, value is %s", p.Grad.Name, p.Grad.Type, vt)
	}
	if len(p.State) != states {
		return fail("%d state values, the optimizer keeps %d", len(p.State), states)
	}
	for i, s := range p.State {
		if s == nil || !s.Type.Equal(vt) {
			return fail("state %d is %v, want %s", i, s, vt)
		}
	}
	for _, hv := range []struct {
		role string
		v    *ir.Value
	}{{"learning rate", h.LR}, {"step", h.Step}} {
		if hv.v == nil {
			return fail("%s value is missing", hv.role)
		}
		t := hv.v.Type
		if t.Kind != ir.TensorKind || t.Shape.Rank() != 0 || !(t.DType.IsFloat() || t.DType.IsInt()) {
			return fail("%s %q is %s, want a numeric scalar", hv.role, hv.v.Name, t)
		}
	}
	if fresh == nil {
		return fail("no name generator (fresh is nil)")
	}
	e = &emitter{g: g, fresh: fresh, base: p.Name, dt: vt.DType}
	return e, e.to(h.LR), e.to(h.Step), nil
}

// finish checks that the update kept the parameter's type and wraps any
// error with the optimizer and parameter.
func (e *emitter) finish(name string, p Param, u Updated) (Updated, error) {
	if e.err != nil {
		return Updated{}, fmt.Errorf("%s: parameter %q: %w", name, p.Name, e.err)
	}
	for _, v := range append([]*ir.Value{u.Value}, u.State...) {
		if !v.Type.Equal(p.Value.Type) {
			return Updated{}, fmt.Errorf("%s: parameter %q: update %q is %s, want %s", name, p.Name, v.Name, v.Type, p.Value.Type)
		}
	}
	return u, nil
}
