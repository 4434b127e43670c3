package gogen

import (
	"encoding/binary"
	"fmt"

	"github.com/dlc-go/dlc/backend/gogen/aot"
	"github.com/dlc-go/dlc/internal/arena"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// Lower turns a runtime program into the tables a compiled package
// carries (with no Run: aot then runs the steps in a loop) and the
// weights blob, every constant at an arena.Align-aligned offset. Generate
// writes the same spec as Go; tests run it in process.
func Lower(p *runtime.Program, model string, dimNames map[string][]string) (*aot.Spec, []byte, error) {
	s := &aot.Spec{Model: model, ArenaBytes: p.ArenaBytes}
	var blob []byte
	inputIndex := map[int]int{}
	for _, k := range p.Inputs {
		if p.Values[k].Kind == runtime.ValueInput {
			inputIndex[k] = len(s.Inputs)
			s.Inputs = append(s.Inputs, k)
		}
	}
	s.Outputs = append(s.Outputs, p.Outputs...)
	for k, v := range p.Values {
		av := aot.Value{Name: v.Value.Name, DType: v.DType, Shape: v.Shape}
		switch v.Kind {
		case runtime.ValueArena:
			av.Kind, av.Offset = aot.Arena, v.Offset
		case runtime.ValueInput:
			av.Kind, av.Index = aot.Input, inputIndex[k]
			if dims := dimNames[v.Value.Name]; len(dims) == len(v.Shape) {
				for _, d := range dims {
					if d != "" {
						av.Dims = dims
						break
					}
				}
			}
		case runtime.ValueConst:
			av.Kind = aot.Const
			t := v.Value.Init
			switch {
			case t != nil && t.DType == ir.String:
				av.Init = t // written inline: strings hold pointers
			case t == nil || !arena.Holds(t.DType):
				return nil, nil, fmt.Errorf("constant %q: a %s tensor cannot be compiled", v.Value.Name, v.DType)
			default:
				av.Offset = arena.AlignUp(int64(len(blob)))
				blob = append(blob, make([]byte, av.Offset-int64(len(blob)))...)
				var err error
				if blob, err = binary.Append(blob, binary.LittleEndian, t.Data); err != nil {
					return nil, nil, fmt.Errorf("constant %q: %w", v.Value.Name, err)
				}
			}
		case runtime.ValueAlias:
			av.Kind, av.Index = aot.Alias, v.Root
		case runtime.ValueOwn:
			av.Kind = aot.Own
		}
		s.Values = append(s.Values, av)
	}
	for _, st := range p.Steps {
		n := st.Node
		as := aot.Step{Name: n.Name, Op: n.Op, Domain: n.Domain, Attrs: n.Attrs, In: st.In, Out: st.Out}
		switch st.Kind {
		case runtime.StepFast:
			as.Kind = aot.Fast
		case runtime.StepRef:
			as.Kind = aot.Ref
		default:
			as.Kind = aot.Nothing
		}
		if st.InPlace >= 0 {
			as.InPlace = []int{st.InPlace, st.InPlaceIn}
		}
		s.Steps = append(s.Steps, as)
	}
	return s, blob, nil
}
