package aot

import (
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"

	"github.com/dlc-go/dlc/backend/cpu"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// Options configures a compiled model.
type Options struct {
	// Threads is the number of threads kernels may use; 0 means one per
	// CPU core.
	Threads int
}

// Program is a compiled model ready to run. Run may be called from
// several goroutines at once: each run takes an execution context (arena,
// tensor headers, kernels) from a free list, making one when all are busy.
type Program struct {
	spec   *Spec
	nodes  []*ir.Node // per step
	consts []*ir.Tensor
	env    *cpu.Env
	copied bool // the weights were copied out of the binary (misaligned)

	mu   sync.Mutex
	free []*Context
}

// New loads the weights and lays out the first execution context, whose
// kernels (and packed weights) are built on a goroutine in step order
// while the first run may already use the earlier ones; a kernel that
// fails to build fails that run.
func New(spec *Spec, weights string, opt Options) (*Program, error) {
	consts, copied, err := loadConsts(spec, weights)
	if err != nil {
		return nil, err
	}
	p := &Program{spec: spec, consts: consts, copied: copied}
	if err := p.buildNodes(); err != nil {
		return nil, err
	}
	pool := parallel.Serial
	if opt.Threads != 1 {
		pool = parallel.New(opt.Threads)
	}
	p.env = &cpu.Env{Pool: pool, Shared: cpu.NewShared()}
	c, err := p.newContext(true)
	if err != nil {
		return nil, err
	}
	p.free = append(p.free, c)
	return p, nil
}

// buildNodes rebuilds each step's node over values of the program's
// static types: the node is what kernel builders specialize on.
func (p *Program) buildNodes() error {
	s := p.spec
	g := ir.NewGraph(s.Model)
	vals := make([]*ir.Value, len(s.Values))
	for i, v := range s.Values {
		switch v.Kind {
		case Input:
			vals[i] = g.AddInput(v.Name, ir.TensorType(v.DType, ir.ShapeOf(v.Shape...)))
		case Const:
			vals[i] = g.AddInit(v.Name, p.consts[i])
		}
	}
	p.nodes = make([]*ir.Node, len(s.Steps))
	for i, st := range s.Steps {
		spec := ir.NodeSpec{Op: st.Op, Domain: st.Domain, Name: st.Name, Attrs: st.Attrs}
		for _, k := range st.In {
			if k < 0 {
				spec.Inputs = append(spec.Inputs, nil)
				continue
			}
			if vals[k] == nil {
				return fmt.Errorf("%s: step %d reads value %q before it is written", s.Model, i, s.Values[k].Name)
			}
			spec.Inputs = append(spec.Inputs, vals[k])
		}
		for _, k := range st.Out {
			name := ""
			if k >= 0 {
				name = s.Values[k].Name
			}
			spec.Outputs = append(spec.Outputs, name)
		}
		n, err := g.AddNode(spec)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Model, err)
		}
		// The plan was made for these exact types; inference must not
		// decide them differently here.
		for j, k := range st.Out {
			if k >= 0 {
				v := s.Values[k]
				n.Outputs[j].Type = ir.TensorType(v.DType, ir.ShapeOf(v.Shape...))
				vals[k] = n.Outputs[j]
			}
		}
		p.nodes[i] = n
	}
	return nil
}

// WeightsCopied reports whether the embedded weights had to be copied
// (they were misaligned, or the machine is big-endian) rather than used
// in place.
func (p *Program) WeightsCopied() bool { return p.copied }

// InputNames and OutputNames list the model's inputs and outputs.
func (p *Program) InputNames() []string  { return p.names(p.spec.Inputs) }
func (p *Program) OutputNames() []string { return p.names(p.spec.Outputs) }

func (p *Program) names(idx []int) []string {
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = p.spec.Values[k].Name
	}
	return out
}

// Input and Output describe input or output i.
func (p *Program) Input(i int) Value  { return p.spec.Values[p.spec.Inputs[i]] }
func (p *Program) Output(i int) Value { return p.spec.Values[p.spec.Outputs[i]] }

// Run computes the outputs for ins (in input order) into outs, which the
// caller allocates with the outputs' dtypes and shapes. It does not
// allocate once a context is free.
func (p *Program) Run(ins, outs []*ir.Tensor) (err error) {
	if err := p.checkArgs(ins, outs); err != nil {
		return err
	}
	c, err := p.get()
	if err != nil {
		return err
	}
	defer p.put(c)
	defer func() {
		if r := recover(); r != nil {
			if be, ok := r.(buildError); ok {
				err = be.err
			} else {
				err = fmt.Errorf("%s: %s: kernel failed: %v", p.spec.Model, p.nodes[c.cur], r)
			}
		}
		for i := range ins {
			for _, k := range c.follow[i] {
				c.hdr[k].Data = nil
			}
		}
	}()
	for i, t := range ins {
		for _, k := range c.follow[i] {
			c.hdr[k].Data = t.Data
		}
	}
	run := p.spec.Run
	if run == nil {
		run = (*Context).runSteps
	}
	if err := run(c); err != nil {
		return err
	}
	for i, k := range p.spec.Outputs {
		outs[i].CopyFrom(c.hdr[k])
	}
	return nil
}

// RunTensors is Run with fresh output tensors.
func (p *Program) RunTensors(ins []*ir.Tensor) ([]*ir.Tensor, error) {
	outs := make([]*ir.Tensor, len(p.spec.Outputs))
	for i := range outs {
		v := p.Output(i)
		outs[i] = ir.Zeros(v.DType, v.Shape)
	}
	if err := p.Run(ins, outs); err != nil {
		return nil, err
	}
	return outs, nil
}

// checkArgs names the first argument that is not what the program was
// compiled for.
func (p *Program) checkArgs(ins, outs []*ir.Tensor) error {
	s := p.spec
	if len(ins) != len(s.Inputs) {
		return fmt.Errorf("%s: got %d inputs, the model takes %d (%s)", s.Model, len(ins), len(s.Inputs), strings.Join(p.InputNames(), ", "))
	}
	if len(outs) != len(s.Outputs) {
		return fmt.Errorf("%s: got %d outputs, the model has %d", s.Model, len(outs), len(s.Outputs))
	}
	for i, t := range ins {
		if err := checkTensor(p.Input(i), t, "input"); err != nil {
			return fmt.Errorf("%s: %w", s.Model, err)
		}
	}
	for i, t := range outs {
		if err := checkTensor(p.Output(i), t, "output"); err != nil {
			return fmt.Errorf("%s: %w", s.Model, err)
		}
	}
	return nil
}

func checkTensor(v Value, t *ir.Tensor, what string) error {
	if t == nil {
		return fmt.Errorf("%s %q is nil", what, v.Name)
	}
	if t.DType != v.DType {
		return fmt.Errorf("%s %q: dtype %s, the model takes %s", what, v.Name, t.DType, v.DType)
	}
	if len(t.Shape) != len(v.Shape) {
		return fmt.Errorf("%s %q: shape %v, the model was compiled for %v", what, v.Name, t.Shape, v.Shape)
	}
	for d := range v.Shape {
		if t.Shape[d] == v.Shape[d] {
			continue
		}
		if d < len(v.Dims) && v.Dims[d] != "" {
			return fmt.Errorf("%s %q: dim %d (%q) is %d, the model was compiled for %d (dlc compile --shape %s=%s)",
				what, v.Name, d, v.Dims[d], t.Shape[d], v.Shape[d], v.Name, shapeFlag(t.Shape))
		}
		return fmt.Errorf("%s %q: shape %v, the model was compiled for %v", what, v.Name, t.Shape, v.Shape)
	}
	n, _ := ir.NumElements(v.Shape)
	if err := t.Check(); err != nil || t.Len() != n {
		return fmt.Errorf("%s %q: data does not match its dtype and shape", what, v.Name)
	}
	return nil
}

func shapeFlag(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, "x")
}

// get takes a free context or builds one.
func (p *Program) get() (*Context, error) {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	return p.newContext(false)
}

// put keeps a context for reuse, at most two per core.
func (p *Program) put(c *Context) {
	p.mu.Lock()
	if len(p.free) < max(4, 2*goruntime.GOMAXPROCS(0)) {
		p.free = append(p.free, c)
	}
	p.mu.Unlock()
}
