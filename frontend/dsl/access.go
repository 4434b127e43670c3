package dsl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dlc-go/dlc/ir"
)

// Param returns the current value of the parameter or state tensor called
// name. The tensor is the model's own.
func (m *Model) Param(name string) (*ir.Tensor, error) {
	p := m.store.byName[name]
	if p == nil {
		return nil, fmt.Errorf("model %q has no parameter %q", m.def.Name, name)
	}
	return p.Value, nil
}

// SetParam replaces the value of the parameter or state tensor called
// name with a copy of t, converted to the model's dtype. The shape must
// match.
func (m *Model) SetParam(name string, t *ir.Tensor) error {
	p := m.store.byName[name]
	switch {
	case p == nil:
		return fmt.Errorf("model %q has no parameter %q", m.def.Name, name)
	case t == nil || !t.DType.IsFloat():
		return fmt.Errorf("parameter %q: the new value must be a float tensor", name)
	case !slices.Equal(t.Shape, p.Value.Shape):
		return fmt.Errorf("parameter %q has shape %v, the new value %v", name, p.Value.Shape, t.Shape)
	}
	v := ir.Zeros(m.def.DType, t.Shape)
	for i := range v.Len() {
		v.SetFloat64At(i, t.Float64At(i))
	}
	p.Value = v
	return nil
}

// Freeze marks parameters as not trainable. A pattern is a parameter name
// ("conv2d_1.weight"), a layer name ("conv2d_1", all its parameters), or
// a prefix ending in "*" ("conv*"). A pattern that matches no parameter
// is an error, and nothing is changed.
func (m *Model) Freeze(patterns ...string) error { return m.setTrainable(false, patterns) }

// Unfreeze marks parameters as trainable again; patterns as for Freeze.
func (m *Model) Unfreeze(patterns ...string) error { return m.setTrainable(true, patterns) }

func (m *Model) setTrainable(on bool, patterns []string) error {
	var hit []*Param
	for _, pat := range patterns {
		n := 0
		for _, p := range m.store.params {
			if matches(pat, p) {
				hit = append(hit, p)
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("model %q: no parameter matches %q", m.def.Name, pat)
		}
	}
	for _, p := range hit {
		p.Trainable = on
	}
	return nil
}

func matches(pat string, p *Param) bool {
	if prefix, ok := strings.CutSuffix(pat, "*"); ok {
		return strings.HasPrefix(p.Name, prefix)
	}
	return p.Name == pat || p.Layer == pat
}
