package runtime

import (
	"errors"
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Program is a plan laid bare for code generation (backend/gogen): every
// value with its dtype, static shape and place, every step with its node,
// kernel kind and arguments. It is what a session runs for one input-shape
// signature, so code emitted from it computes what the session computes,
// with the same kernels, in the same order, over the same arena layout.
type Program struct {
	// Model is the optimized model the plan was built from; Steps' nodes
	// are its graph's nodes. Read-only.
	Model *ir.Model
	// Values are the plan's slots, Steps its steps, in order.
	Values []ProgramValue
	Steps  []ProgramStep
	// Inputs index Values by graph input (those with a default included:
	// see ValueConst); Outputs by graph output.
	Inputs, Outputs []int
	// ArenaBytes is the size of one execution context's arena.
	ArenaBytes int64
	// Align is the alignment of the arena and of every offset in it.
	Align int64
}

// ValueKind says where a program value's data lives.
type ValueKind uint8

const (
	// ValueArena: at Offset in the arena.
	ValueArena ValueKind = iota
	// ValueInput: the caller's tensor for graph input Input.
	ValueInput
	// ValueConst: a constant, Value.Init (also a graph input's default:
	// compiled code treats defaults as constants, as the plan does).
	ValueConst
	// ValueAlias: the data of value Root under another shape (a view of
	// an input, a constant or a ValueOwn). Aliases inside the arena are
	// ValueArena with their own offset instead.
	ValueAlias
	// ValueOwn: a slice of its own per execution context (strings, which
	// hold pointers and so cannot live in the byte arena).
	ValueOwn
)

func (k ValueKind) String() string {
	return [...]string{"arena", "input", "const", "alias", "own"}[k]
}

// ProgramValue is one value of a program.
type ProgramValue struct {
	Value *ir.Value
	DType ir.DType
	Shape []int
	Kind  ValueKind
	// Offset is the byte offset in the arena (ValueArena).
	Offset int64
	// Input is the graph input index (ValueInput); Root the value whose
	// data this one shares (ValueAlias).
	Input, Root int
}

// StepKind is how a program step runs.
type StepKind uint8

const (
	StepFast    StepKind = iota // the backend/cpu kernel of the node
	StepRef                     // the backend/ref kernel, outputs copied into place
	StepNothing                 // a view or an eliminated Concat: the data is already in place
)

func (k StepKind) String() string { return [...]string{"fast", "ref", "nothing"}[k] }

// ProgramStep is one step: In and Out index Values (-1 for an omitted
// optional). When InPlace ≥ 0, output InPlace shares the buffer of input
// InPlaceIn, which the kernel must agree to (cpu.InPlacer).
type ProgramStep struct {
	Node               *ir.Node
	Kind               StepKind
	In, Out            []int
	InPlace, InPlaceIn int
}

// ErrNotCompilable wraps the reasons a model has no program: it needs the
// interpreter (subgraphs, sequences, optionals, unknown shapes).
var ErrNotCompilable = errors.New("not compilable")

// Program returns the program the session runs for inputs of the given
// shapes (filled in as Plan does). The session must have been made with
// passes at the level the program should have; Options.Reference is
// refused.
func (s *Session) Program(shapes map[string][]int) (*Program, error) {
	info, err := s.Plan(shapes)
	if err != nil {
		return nil, err
	}
	if info.Interpreted != "" {
		return nil, fmt.Errorf("%w: %s", ErrNotCompilable, info.Interpreted)
	}
	g := s.Model.Graph
	ins := make([]*ir.Tensor, len(g.Inputs))
	for i, v := range g.Inputs {
		ins[i] = &ir.Tensor{DType: v.Type.DType, Shape: info.InputShapes[v.Name]}
	}
	p := s.choose(ins)
	if p == nil {
		return nil, fmt.Errorf("%w: no plan for these shapes", ErrNotCompilable)
	}
	return p.program()
}

func (p *plan) program() (*Program, error) {
	pr := &Program{Model: p.model, Inputs: p.inputs, Outputs: p.outputs, ArenaBytes: p.mem.Arena, Align: arenaAlign}
	pr.Values = make([]ProgramValue, len(p.slots))
	for k := range p.slots {
		sl := &p.slots[k]
		root := &p.slots[sl.root]
		v := ProgramValue{Value: sl.v, DType: sl.dtype, Shape: sl.shape, Input: -1, Root: -1}
		switch {
		case root.kind == slotArena:
			v.Kind, v.Offset = ValueArena, root.offset+sl.within
		case sl.kind == slotInput && sl.v.Init != nil:
			v.Kind = ValueConst
		case sl.kind == slotInput:
			v.Kind, v.Input = ValueInput, sl.input
		case sl.kind == slotInit:
			v.Kind = ValueConst
		case sl.kind == slotOwn:
			v.Kind = ValueOwn
		default:
			v.Kind, v.Root = ValueAlias, sl.root
		}
		pr.Values[k] = v
	}
	for _, st := range p.steps {
		ps := ProgramStep{Node: st.node, In: slices.Clone(st.in), Out: slices.Clone(st.out), InPlace: st.inPlace, InPlaceIn: st.inPlaceIn}
		switch st.kind {
		case stepFast:
			ps.Kind = StepFast
		case stepRef:
			ps.Kind = StepRef
		default:
			ps.Kind = StepNothing
		}
		pr.Steps = append(pr.Steps, ps)
	}
	return pr, nil
}
