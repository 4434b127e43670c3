package train

import (
	"fmt"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
)

// FromDSL makes a Model of a DSL model: its Train and Eval graphs (batch
// symbolic), its trainable parameters, running statistics and dropout
// masks, and their current values (shared with d until the trainer's
// first step: the trainer works on copies; Export writes them back).
func FromDSL(d *dsl.Model) (*Model, error) {
	trainG, err := d.Graph(dsl.Train, 0)
	if err != nil {
		return nil, err
	}
	evalG, err := d.Graph(dsl.Eval, 0)
	if err != nil {
		return nil, err
	}
	m := &Model{Train: trainG, Eval: evalG, Stats: map[string]string{}, Values: map[string]*ir.Tensor{}}
	for _, p := range d.Params() {
		m.Values[p.Name] = p.Value
		switch {
		case p.Trainable:
			m.Params = append(m.Params, p.Name)
		case p.Update != "":
			m.Stats[p.Name] = p.Update
		}
	}
	for _, p := range d.State() {
		m.Values[p.Name] = p.Value
		if p.Update != "" {
			m.Stats[p.Name] = p.Update
		}
	}
	for _, mk := range d.Masks() {
		m.Masks = append(m.Masks, Mask{Input: mk.Input, P: mk.P, Normal: mk.Normal})
	}
	m.Aux = d.AuxLosses()
	if len(m.Params) == 0 {
		return nil, fmt.Errorf("model %q has no trainable parameters", d.Name())
	}
	return m, nil
}

// ToDSL writes the trainer's current parameters and statistics into d
// (for export or further use of the DSL model); values the trainer added
// itself (a projection head) are left out.
func (t *Trainer) ToDSL(d *dsl.Model) error {
	for name := range t.m.Values {
		if _, err := d.Param(name); err != nil {
			continue // the trainer's own (a projection head)
		}
		if v := t.cur[name]; v != nil {
			if err := d.SetParam(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}
