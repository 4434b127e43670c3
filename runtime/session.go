// Package runtime loads a model into a session and runs it. This first
// runtime interprets the graph node by node with the reference kernels of
// backend/ref; later work adds the execution plan, arena and fast kernels
// behind the same API.
package runtime

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// Options configures a session.
// The bound on any single tensor is process-wide (ir.SetTensorLimit), since
// kernels allocate through ir.Zeros; a per-session bound arrives with the
// arena of the execution plan.
type Options struct {
	// CheckTypes compares every value a kernel produces with the type the
	// op's inference gave it, and fails the run on a mismatch. Tests turn
	// it on to hold type inference to what kernels really do.
	CheckTypes bool
}

// Session is a model ready to run. Run may be called from several
// goroutines at once: a session holds no per-run state.
type Session struct {
	Model *ir.Model
	opt   Options
	plans map[*ir.Graph]*graphPlan
	// inits holds the model's constant tensors: Run copies any that would
	// reach the caller (through Identity, say), so no caller can write to
	// the model's weights.
	inits map[*ir.Tensor]bool
}

// graphPlan is what the interpreter precomputes per graph: each node's
// kernel and which values die after which node.
type graphPlan struct {
	kernels []ref.Kernel
	dead    [][]*ir.Value // dead[i]: values no longer needed after node i
}

// New prepares a session: every op in the graph (and its subgraphs) must
// have a kernel.
func New(m *ir.Model, opt Options) (*Session, error) {
	if err := ir.Verify(m.Graph); err != nil {
		return nil, err
	}
	s := &Session{Model: m, opt: opt, plans: map[*ir.Graph]*graphPlan{}, inits: map[*ir.Tensor]bool{}}
	if err := s.plan(m.Graph); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Session) plan(g *ir.Graph) error {
	for _, v := range g.Inits {
		s.inits[v.Init] = true
	}
	p := &graphPlan{kernels: make([]ref.Kernel, len(g.Nodes)), dead: make([][]*ir.Value, len(g.Nodes))}
	last := map[*ir.Value]int{}
	for i, n := range g.Nodes {
		k := ref.Lookup(ir.OpKey(n.Domain, n.Op))
		if k == nil {
			return fmt.Errorf("%s: no kernel for op %s", n, ir.OpKey(n.Domain, n.Op))
		}
		p.kernels[i] = k
		for _, v := range n.Inputs {
			if v != nil {
				last[v] = i
			}
		}
		for _, sg := range n.Subgraphs() {
			for _, v := range sg.Captures() {
				last[v] = i
			}
			if err := s.plan(sg); err != nil {
				return err
			}
		}
	}
	keep := map[*ir.Value]bool{}
	for _, v := range g.Outputs {
		keep[v] = true
	}
	for v, i := range last {
		if v.Owner == g && v.Init == nil && !keep[v] {
			p.dead[i] = append(p.dead[i], v)
		}
	}
	s.plans[g] = p
	return nil
}

// Inputs returns the graph inputs the caller must provide (those without a
// default initializer), in graph order.
func (s *Session) Inputs() []*ir.Value {
	var out []*ir.Value
	for _, v := range s.Model.Graph.Inputs {
		if v.Init == nil {
			out = append(out, v)
		}
	}
	return out
}

// Outputs returns the graph outputs in order.
func (s *Session) Outputs() []*ir.Value { return s.Model.Graph.Outputs }

// Run executes the model. inputs maps graph input names to data; inputs
// with a default initializer may be left out. It returns the graph outputs
// in order.
func (s *Session) Run(inputs map[string]ir.Data) ([]ir.Data, error) {
	g := s.Model.Graph
	f := &frame{vals: map[*ir.Value]ir.Data{}}
	known := map[string]bool{}
	for _, v := range g.Inputs {
		known[v.Name] = true
		d, ok := inputs[v.Name]
		if !ok || d == nil {
			if v.Init != nil {
				continue
			}
			return nil, fmt.Errorf("missing input %q (%s)", v.Name, v.Type)
		}
		if err := checkInput(v, d); err != nil {
			return nil, err
		}
		f.vals[v] = d
	}
	for name := range inputs {
		if !known[name] {
			return nil, fmt.Errorf("unknown input %q (the model's inputs are %s)", name, inputList(g))
		}
	}
	out, err := s.runGraph(g, f)
	for i, d := range out {
		if t, ok := d.(*ir.Tensor); ok && s.inits[t] {
			out[i] = t.Clone()
		}
	}
	return out, err
}

func inputList(g *ir.Graph) string {
	names := make([]string, len(g.Inputs))
	for i, v := range g.Inputs {
		names[i] = v.Name
	}
	return strings.Join(names, ", ")
}

// checkInput compares run-time data with the declared type of an input.
func checkInput(v *ir.Value, d ir.Data) error {
	want := v.Type
	switch x := d.(type) {
	case *ir.Tensor:
		if x == nil {
			return fmt.Errorf("input %q: nil tensor", v.Name)
		}
		if want.Kind != ir.TensorKind {
			return fmt.Errorf("input %q: got a tensor, want %s", v.Name, want)
		}
		if want.DType != ir.Undefined && x.DType != want.DType {
			return fmt.Errorf("input %q: dtype %s, want %s", v.Name, x.DType, want.DType)
		}
		if !want.Shape.Accepts(x.Shape) {
			return fmt.Errorf("input %q: shape %v, want %s", v.Name, x.Shape, want.Shape)
		}
		if err := x.Check(); err != nil {
			return fmt.Errorf("input %q: %w", v.Name, err)
		}
	case *ir.Sequence:
		if x == nil || want.Kind != ir.SequenceKind {
			return fmt.Errorf("input %q: got a sequence (%v), want %s", v.Name, x != nil, want)
		}
		for i, t := range x.Items {
			if t == nil {
				return fmt.Errorf("input %q: item %d is nil", v.Name, i)
			}
			if err := t.Check(); err != nil {
				return fmt.Errorf("input %q: item %d: %w", v.Name, i, err)
			}
		}
	case *ir.Optional:
		if x == nil || want.Kind != ir.OptionalKind {
			return fmt.Errorf("input %q: got an optional (%v), want %s", v.Name, x != nil, want)
		}
	}
	return nil
}

// checkType reports where data contradicts the inferred type of v.
// Unknown parts of the type (dtype, rank, dims) accept anything.
func checkType(v *ir.Value, d ir.Data) error {
	want := v.Type
	switch x := d.(type) {
	case *ir.Tensor:
		if x == nil {
			return fmt.Errorf("input %q: nil tensor", v.Name)
		}
		if want.Kind != ir.TensorKind {
			return fmt.Errorf("inferred %s, kernel produced a tensor %s", want, x)
		}
		if want.DType != ir.Undefined && want.DType != x.DType {
			return fmt.Errorf("inferred %s, kernel produced %s", want, x)
		}
		if !want.Shape.Accepts(x.Shape) {
			return fmt.Errorf("inferred %s, kernel produced %s", want, x)
		}
	case *ir.Sequence:
		if want.Kind != ir.SequenceKind && !(want.Kind == ir.TensorKind && want.DType == ir.Undefined) {
			return fmt.Errorf("inferred %s, kernel produced a sequence", want)
		}
	case *ir.Optional:
		if want.Kind != ir.OptionalKind && !(want.Kind == ir.TensorKind && want.DType == ir.Undefined) {
			return fmt.Errorf("inferred %s, kernel produced an optional", want)
		}
	}
	return nil
}

// frame holds the run-time values of one graph execution; parent is the
// frame of the enclosing graph, for values a subgraph captures.
type frame struct {
	vals   map[*ir.Value]ir.Data
	parent *frame
}

func (f *frame) get(v *ir.Value) (ir.Data, bool) {
	for ; f != nil; f = f.parent {
		if d, ok := f.vals[v]; ok {
			return d, true
		}
	}
	if v.Init != nil {
		return v.Init, true
	}
	return nil, false
}

// call adapts a frame to ref.Ctx for one kernel call.
type call struct {
	s *Session
	f *frame
}

func (c call) RunGraph(g *ir.Graph, inputs []ir.Data) ([]ir.Data, error) {
	if len(inputs) != len(g.Inputs) {
		return nil, fmt.Errorf("subgraph %q takes %d inputs, got %d", g.Name, len(g.Inputs), len(inputs))
	}
	f := &frame{vals: make(map[*ir.Value]ir.Data, len(g.Nodes)+len(inputs)), parent: c.f}
	for i, v := range g.Inputs {
		f.vals[v] = inputs[i]
	}
	return c.s.runGraph(g, f)
}

func (s *Session) runGraph(g *ir.Graph, f *frame) ([]ir.Data, error) {
	p := s.plans[g]
	in := make([]ir.Data, 0, 8)
	for i, n := range g.Nodes {
		in = in[:0]
		for j, v := range n.Inputs {
			if v == nil {
				in = append(in, nil)
				continue
			}
			d, ok := f.get(v)
			if !ok {
				return nil, fmt.Errorf("%s: input %d (%q) has no value", n, j, v.Name)
			}
			in = append(in, d)
		}
		out, err := runKernel(p.kernels[i], call{s, f}, n, in)
		if err != nil {
			return nil, err
		}
		for j, v := range n.Outputs {
			if v == nil {
				continue
			}
			if s.opt.CheckTypes {
				if err := checkType(v, out[j]); err != nil {
					return nil, fmt.Errorf("%s: output %d (%q): %w", n, j, v.Name, err)
				}
			}
			f.vals[v] = out[j]
		}
		for _, v := range p.dead[i] {
			delete(f.vals, v)
		}
	}
	res := make([]ir.Data, len(g.Outputs))
	for i, v := range g.Outputs {
		d, ok := f.get(v)
		if !ok {
			return nil, fmt.Errorf("graph %q: output %q was not computed", g.Name, v.Name)
		}
		res[i] = d
	}
	return res, nil
}

// runKernel calls k and turns a panic into an error naming the node, so a
// kernel bug or an oversized tensor never crashes the caller.
func runKernel(k ref.Kernel, c ref.Ctx, n *ir.Node, in []ir.Data) (out []ir.Data, err error) {
	defer func() {
		if r := recover(); r != nil {
			var ae *ir.AllocError
			if e, ok := r.(error); ok && errors.As(e, &ae) {
				err = fmt.Errorf("%s: %w", n, ae)
				return
			}
			err = fmt.Errorf("%s: kernel failed: %v", n, r)
		}
	}()
	out, err = k(c, n, in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n, err)
	}
	if len(out) < len(n.Outputs) {
		return nil, fmt.Errorf("%s: kernel returned %d outputs, node has %d", n, len(out), len(n.Outputs))
	}
	for j, v := range n.Outputs {
		if v != nil && out[j] == nil {
			return nil, fmt.Errorf("%s: kernel did not compute output %d (%q)", n, j, v.Name)
		}
	}
	return out, nil
}
