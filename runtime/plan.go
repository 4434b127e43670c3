package runtime

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/dlc-go/dlc/backend/cpu"
	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
)

// plan is the compiled form of a graph whose values all have static
// shapes: a flat step list over dense value slots, with a memory plan.
// The plan itself is read-only once built; run-time state lives in
// execution contexts (exec.go).
type plan struct {
	s      *Session
	model  *ir.Model
	passes *passes.Report
	slots  []slot
	steps  []step
	// inputs and outputs are the slots of the graph inputs and outputs.
	inputs, outputs []int
	// interpreted, when set, marks a signature the plan could not cover;
	// such a plan has no steps and runs go to the interpreter.
	interpreted error
	mem         memStats
	// broken is set when a reference kernel produced something other than
	// its inferred type: runs then go to the interpreter.
	broken atomic.Bool

	ctxMu    sync.Mutex
	free     []*execCtx
	contexts int
	profNs   []atomic.Int64 // per step, with Options.Profile
}

// slotKind says where a value's data lives.
type slotKind uint8

const (
	slotArena slotKind = iota // its own buffer in the arena
	slotInput                 // a graph input: the caller's tensor or its default
	slotInit                  // a constant of the model
	slotOwn                   // its own slice per context (strings)
	slotAlias                 // shares the buffer of slot root (a view, in place, or inside a concat's output)
)

// slot is one value of the planned graph.
type slot struct {
	v     *ir.Value
	dtype ir.DType
	shape []int
	n     int   // elements
	bytes int64 // n × element size
	kind  slotKind
	root  int // the slot owning the buffer (itself unless an alias)
	input int // for slotInput: index in the graph inputs
	// def is the step that writes the value (-1 for inputs and constants);
	// last the last step that reads it (len(steps) for graph outputs). For
	// an arena buffer (slotArena) the memory plan widens them to the
	// buffer's lifetime: from the first step writing any value placed in
	// it to the last step reading any of them.
	def, last int
	offset    int64 // in the arena, for slotArena
	// within is the value's byte offset inside its root's buffer: nonzero
	// only for a value placed inside an eliminated Concat's output
	// (concat.go), always a multiple of arenaAlign.
	within int64
}

// stepKind says how a step runs.
type stepKind uint8

const (
	stepFast   stepKind = iota // a backend/cpu kernel
	stepRef                    // the backend/ref kernel, output copied into its slot
	stepView                   // nothing: the output aliases the input's buffer
	stepConcat                 // nothing: the inputs were written into the output's buffer
)

func (k stepKind) String() string {
	return [...]string{"fast", "ref", "view", "concat"}[k]
}

// runsNothing reports whether a step of kind k has no kernel.
func (k stepKind) runsNothing() bool { return k == stepView || k == stepConcat }

// step is one node of the plan.
type step struct {
	node    *ir.Node
	kind    stepKind
	ref     ref.Kernel
	in, out []int // slots; -1 for an omitted optional
	// inPlace is the output index that shares the buffer of input
	// inPlaceIn, -1 for none.
	inPlace, inPlaceIn int
}

// errMismatch reports a reference kernel output that contradicts the
// plan's static type; the run is redone on the interpreter.
var errMismatch = errors.New("kernel output does not match the planned type")

// plannable reports why g cannot be planned, or nil. With symbolicInputs,
// graph inputs may have symbolic dims (a specialized plan fixes them) and
// other values' shapes are not checked.
func plannable(g *ir.Graph, symbolicInputs bool) error {
	check := func(v *ir.Value, shapes bool) error {
		t := v.Type
		if v.Init != nil {
			return nil
		}
		if t.Kind != ir.TensorKind {
			return fmt.Errorf("value %q is not a tensor (%s)", v.Name, t)
		}
		if !arenaDType(t.DType) && t.DType != ir.String {
			return fmt.Errorf("value %q has dtype %s", v.Name, t.DType)
		}
		if !shapes {
			return nil
		}
		if _, ok := t.Shape.Static(); !ok {
			return fmt.Errorf("value %q has shape %s", v.Name, t.Shape)
		}
		return nil
	}
	for _, v := range g.Inputs {
		if err := check(v, true); err != nil {
			if !symbolicInputs || v.Type.Kind != ir.TensorKind || !v.Type.Shape.Ranked {
				return err
			}
		}
	}
	for _, n := range g.Nodes {
		if len(n.Subgraphs()) > 0 {
			return fmt.Errorf("%s has a subgraph", n)
		}
		for _, v := range n.Outputs {
			if v == nil {
				continue
			}
			if err := check(v, !symbolicInputs); err != nil {
				return err
			}
		}
	}
	return nil
}

// viewOps are the ops whose output is their first input's data under
// another shape.
var viewOps = map[string]bool{"Reshape": true, "Flatten": true, "Squeeze": true, "Unsqueeze": true, "Identity": true}

// buildPlan compiles m's graph, which plannable accepted. It builds the
// first execution context too, since the kernels decide what may run in
// place.
func buildPlan(s *Session, m *ir.Model, rep *passes.Report) (*plan, error) {
	g := m.Graph
	p := &plan{s: s, model: m, passes: rep}
	index := map[*ir.Value]int{}
	add := func(v *ir.Value, kind slotKind, def int) int {
		sl := slot{v: v, dtype: v.Type.DType, kind: kind, def: def, last: def}
		if v.Init != nil && kind == slotInit {
			sl.dtype, sl.shape = v.Init.DType, v.Init.Shape
		} else {
			sl.shape, _ = v.Type.Shape.Static()
		}
		sl.n, _ = ir.NumElements(sl.shape)
		sl.bytes = int64(sl.n) * int64(sl.dtype.Size())
		if kind == slotArena && sl.dtype == ir.String {
			sl.kind = slotOwn
		}
		sl.root = len(p.slots)
		index[v] = sl.root
		p.slots = append(p.slots, sl)
		return sl.root
	}
	for i, v := range g.Inputs {
		k := add(v, slotInput, -1)
		p.slots[k].input = i
		p.inputs = append(p.inputs, k)
	}
	for _, v := range g.Inits {
		if _, ok := index[v]; !ok {
			add(v, slotInit, -1)
		}
	}
	slotOf := func(v *ir.Value) (int, error) {
		if v == nil {
			return -1, nil
		}
		k, ok := index[v]
		if !ok {
			if v.Init == nil {
				return 0, fmt.Errorf("value %q is read before it is written", v.Name)
			}
			k = add(v, slotInit, -1) // a constant of an enclosing scope
		}
		return k, nil
	}
	for i, n := range g.Nodes {
		st := step{node: n, inPlace: -1, ref: ref.Lookup(ir.OpKey(n.Domain, n.Op))}
		for _, v := range n.Inputs {
			k, err := slotOf(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			st.in = append(st.in, k)
		}
		for _, v := range n.Outputs {
			k := -1
			if v != nil {
				k = add(v, slotArena, i)
				if _, err := ir.CheckAlloc(p.slots[k].dtype, p.slots[k].shape); err != nil {
					return nil, fmt.Errorf("%s: output %q: %w", n, v.Name, err)
				}
			}
			st.out = append(st.out, k)
		}
		if st.ref == nil {
			return nil, fmt.Errorf("%s: no kernel for op %s", n, ir.OpKey(n.Domain, n.Op))
		}
		p.steps = append(p.steps, st)
	}
	for _, v := range g.Outputs {
		k, err := slotOf(v)
		if err != nil {
			return nil, fmt.Errorf("graph output: %w", err)
		}
		p.outputs = append(p.outputs, k)
	}
	for i := range p.steps {
		p.markView(i)
	}
	kernels, err := p.buildKernels()
	if err != nil {
		return nil, err
	}
	for i, k := range kernels {
		if k != nil {
			p.steps[i].kind = stepFast
		} else if p.steps[i].kind != stepView {
			p.steps[i].kind = stepRef
		}
	}
	p.planMemory(kernels)
	if s.opt.Profile {
		p.profNs = make([]atomic.Int64, len(p.steps))
	}
	c := p.newCtx(kernels)
	p.free = append(p.free, c)
	p.contexts = 1
	return p, nil
}

// markView makes step i a view when its node only renames its first
// input's data: a view op on a tensor of the same dtype and size.
func (p *plan) markView(i int) {
	st := &p.steps[i]
	n := st.node
	if n.Domain != "" || !viewOps[n.Op] || len(st.out) != 1 || len(st.in) == 0 || st.in[0] < 0 || st.out[0] < 0 {
		return
	}
	in, out := &p.slots[st.in[0]], &p.slots[st.out[0]]
	if in.dtype != out.dtype || in.n != out.n {
		return
	}
	st.kind = stepView
}

// buildKernels asks backend/cpu for a kernel per step (nil where the
// reference kernel runs, and for views). A builder that panics is a bug
// in it, reported as an error naming the node.
func (p *plan) buildKernels() (ks []cpu.Kernel, err error) {
	ks = make([]cpu.Kernel, len(p.steps))
	for i := range p.steps {
		st := &p.steps[i]
		if st.kind.runsNothing() {
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("%s: building its fast kernel: %v", st.node, r)
				}
			}()
			ks[i] = cpu.Build(st.node, p.s.env)
		}()
		if err != nil {
			return nil, err
		}
	}
	return ks, nil
}
