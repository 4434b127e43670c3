package runtime

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
)

// PlanInfo describes how a session runs inputs of one shape signature.
type PlanInfo struct {
	// Interpreted, when not empty, says why these shapes run on the
	// interpreter; the plan fields are then zero.
	Interpreted string
	// Passes is what the graph passes did (nil when none ran).
	Passes *passes.Report
	// InputShapes are the shapes planned for, by graph input.
	InputShapes map[string][]int
	// Steps counts the plan's steps: Fast on backend/cpu kernels, Ref on
	// reference kernels, Views that run nothing — views aliasing their
	// input, and the Concats (counted in Views too) whose inputs were
	// written by their producers straight into the output's buffer;
	// InPlace of the fast ones write over an input.
	Steps, Fast, Ref, Views, Concats, InPlace int
	// ArenaBytes is the arena of one execution context: the plan's peak.
	ArenaBytes int64
	// NaiveBytes is the sum of every step output, as if none were reused.
	NaiveBytes int64
	// LowerBoundBytes is the most bytes live at once over the steps.
	LowerBoundBytes int64
	// Buffers is the number of distinct arena buffers; Contexts the
	// execution contexts made so far (one per concurrent run).
	Buffers, Contexts int
	// StepList has one entry per step, in order.
	StepList []StepInfo
}

// StepInfo is one step of a plan.
type StepInfo struct {
	Node    string
	Op      string
	Kernel  string // "fast", "ref", "view" or "concat" (eliminated: runs nothing)
	InPlace bool
	// Bytes is the size of the step's outputs; Offset the arena offset of
	// its first output, -1 when it is not in the arena.
	Bytes, Offset int64
}

// Plan describes the plan for inputs of the given shapes, building it if no
// run has used them yet. Inputs left out of shapes take their declared
// shape, which must then be static (or their default's shape).
func (s *Session) Plan(shapes map[string][]int) (*PlanInfo, error) {
	g := s.Model.Graph
	ins := make([]*ir.Tensor, len(g.Inputs))
	info := &PlanInfo{InputShapes: map[string][]int{}, Passes: s.report}
	for name := range shapes {
		if !slices.ContainsFunc(g.Inputs, func(v *ir.Value) bool { return v.Name == name }) {
			return nil, fmt.Errorf("unknown input %q (the model's inputs are %s)", name, inputList(g))
		}
	}
	for i, v := range g.Inputs {
		shape, ok := shapes[v.Name]
		switch {
		case ok:
			if !v.Type.Shape.Accepts(shape) {
				return nil, fmt.Errorf("input %q: shape %v, want %s", v.Name, shape, v.Type.Shape)
			}
		case v.Init != nil:
			shape = v.Init.Shape
		default:
			if shape, ok = v.Type.Shape.Static(); !ok {
				return nil, fmt.Errorf("input %q has shape %s: give a concrete one", v.Name, v.Type.Shape)
			}
		}
		info.InputShapes[v.Name] = shape
		ins[i] = &ir.Tensor{DType: v.Type.DType, Shape: shape}
	}
	p := s.choose(ins)
	if p == nil {
		switch {
		case s.noPlan != nil:
			info.Interpreted = s.noPlan.Error()
		case s.static != nil && s.static.broken.Load():
			info.Interpreted = "a reference kernel contradicted the planned types"
		default:
			info.Interpreted = "no plan for these shapes"
			var q *plan
			if e := s.lookup(ins); e != nil {
				q = e.built()
			}
			if q != nil && q.interpreted != nil {
				info.Interpreted = q.interpreted.Error()
			} else if q != nil && q.broken.Load() {
				info.Interpreted = "a reference kernel contradicted the planned types"
			}
		}
		return info, nil
	}
	if p.passes != nil {
		info.Passes = p.passes
	}
	info.Steps = len(p.steps)
	info.ArenaBytes, info.NaiveBytes, info.LowerBoundBytes = p.mem.Arena, p.mem.Naive, p.mem.LowerBound
	info.Buffers, info.InPlace, info.Concats = p.mem.Buffers, p.mem.InPlace, p.mem.Concats
	p.ctxMu.Lock()
	info.Contexts = p.contexts
	p.ctxMu.Unlock()
	for _, st := range p.steps {
		switch st.kind {
		case stepFast:
			info.Fast++
		case stepRef:
			info.Ref++
		case stepView, stepConcat:
			info.Views++
		}
		si := StepInfo{Node: st.node.String(), Op: ir.OpKey(st.node.Domain, st.node.Op), Kernel: st.kind.String(),
			InPlace: st.inPlace >= 0, Offset: -1}
		for j, k := range st.out {
			if k < 0 {
				continue
			}
			si.Bytes += p.slots[k].bytes
			if r := &p.slots[p.slots[k].root]; si.Offset < 0 && j == 0 && r.kind == slotArena {
				si.Offset = r.offset + p.slots[k].within
			}
		}
		info.StepList = append(info.StepList, si)
	}
	return info, nil
}
