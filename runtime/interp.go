package runtime

import (
	"errors"
	"fmt"
	"time"

	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// interpreter runs a model node by node with the reference kernels. It is
// the oracle (Options.Reference) and the path for graphs the execution plan
// does not cover: subgraphs, sequences and optionals, shapes that cannot be
// made static. It holds no per-run state, so runs may overlap.
type interpreter struct {
	model *ir.Model
	opt   Options
	plans map[*ir.Graph]*graphPlan
	// inits holds the model's constant tensors: run copies any that would
	// reach the caller (through Identity, say), so no caller can write to
	// the model's weights.
	inits map[*ir.Tensor]bool
	prof  *profiler // nil unless Options.Profile
}

// graphPlan is what the interpreter precomputes per graph: each node's
// kernel and which values die after which node.
type graphPlan struct {
	kernels []ref.Kernel
	dead    [][]*ir.Value // dead[i]: values no longer needed after node i
}

// newInterpreter checks that every op in m (and its subgraphs) has a
// reference kernel and precomputes value lifetimes.
func newInterpreter(m *ir.Model, opt Options, prof *profiler) (*interpreter, error) {
	in := &interpreter{model: m, opt: opt, plans: map[*ir.Graph]*graphPlan{}, inits: map[*ir.Tensor]bool{}, prof: prof}
	if err := in.plan(m.Graph); err != nil {
		return nil, err
	}
	return in, nil
}

func (s *interpreter) plan(g *ir.Graph) error {
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

// run executes the main graph on inputs keyed by name, already checked
// against the declared input types.
func (s *interpreter) run(inputs map[string]ir.Data) ([]ir.Data, error) {
	g := s.model.Graph
	f := &frame{vals: map[*ir.Value]ir.Data{}}
	for _, v := range g.Inputs {
		if d, ok := inputs[v.Name]; ok && d != nil {
			f.vals[v] = d
		}
	}
	out, err := s.runGraph(g, f)
	// The caller owns what Run returns: a constant, a caller's input
	// (passed through, or by Identity) or a tensor already returned as an
	// earlier output is copied.
	var given map[*ir.Tensor]bool
	seen := map[*ir.Tensor]bool{}
	for i, d := range out {
		t, ok := d.(*ir.Tensor)
		if !ok || t == nil {
			continue
		}
		if given == nil {
			given = map[*ir.Tensor]bool{}
			for _, d := range inputs {
				if in, ok := d.(*ir.Tensor); ok {
					given[in] = true
				}
			}
		}
		if s.inits[t] || given[t] || seen[t] {
			out[i] = t.Clone()
		}
		seen[t] = true
	}
	return out, err
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
	s *interpreter
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

func (s *interpreter) runGraph(g *ir.Graph, f *frame) ([]ir.Data, error) {
	p := s.plans[g]
	in := make([]ir.Data, 0, 8)
	top := g == s.model.Graph && s.prof != nil
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
		var t0 time.Time
		if top {
			t0 = time.Now()
		}
		out, err := runKernel(p.kernels[i], call{s, f}, n, in)
		if err != nil {
			return nil, err
		}
		if top {
			s.prof.addNode(n, time.Since(t0))
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
			err = panicError(n, r)
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

// panicError turns a recovered kernel panic into an error naming the node;
// an oversized tensor keeps its *ir.AllocError.
func panicError(n *ir.Node, r any) error {
	var ae *ir.AllocError
	if e, ok := r.(error); ok && errors.As(e, &ae) {
		return fmt.Errorf("%s: %w", n, ae)
	}
	return fmt.Errorf("%s: kernel failed: %v", n, r)
}
