// Package runtime loads a model into a session and runs it.
//
// # Execution
//
// A session optimizes a private copy of the model (package passes) and, when
// every value has a static shape, compiles it into an execution plan: a flat
// list of steps, each a fast kernel of backend/cpu or, where none covers the
// node, the reference kernel of backend/ref, over one preplanned arena (see
// memplan.go). Models with symbolic input dims get one plan per input-shape
// signature, built on the first Run with those shapes. Graphs with
// subgraphs (If, Loop, Scan), sequences or optionals, and shapes that stay
// unknown run on the interpreter, which walks the graph node by node with
// the reference kernels; Options.Reference forces it.
//
// # Concurrency
//
// Run and RunInto may be called from several goroutines at once: each run
// takes an execution context (arena, tensor headers, kernels) from a small
// free list, making a new one when all are busy.
package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dlc-go/dlc/backend/cpu"
	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
)

// Options configures a session. The zero value is what tests and library
// callers had before the fast path: no graph passes, exact reference
// semantics for every node the fast kernels do not cover, fast kernels and
// the arena for the rest. DefaultOptions is what the CLI uses.
//
// The bound on any single tensor is process-wide (ir.SetTensorLimit), since
// reference kernels allocate through ir.Zeros.
type Options struct {
	// CheckTypes compares every value a reference kernel produces with the
	// type the op's inference gave it, and fails the run on a mismatch.
	// Tests turn it on to hold type inference to what kernels really do.
	// (Planned steps check this always: a mismatch sends the run to the
	// interpreter, which reports it when CheckTypes is on.)
	CheckTypes bool
	// Threads is the number of threads kernels may use; 0 means one per
	// CPU core.
	Threads int
	// OptLevel chooses the graph passes (passes.Options.Level): 0 none, 1
	// the exact rewrites, 2 adds fusion.
	OptLevel int
	// DisablePasses names passes to skip.
	DisablePasses []string
	// Reference runs every node with its reference kernel on the
	// interpreter, without passes or planning: the oracle.
	Reference bool
	// Profile accumulates time per node; see Session.Profile.
	Profile bool
	// Precision is the arithmetic of matrix products whose operands are
	// not constants (gemm.Precision: bf16 or fp16 rounds them and
	// accumulates in float32); mixed-precision training sets it. Values
	// and everything else stay float32.
	Precision gemm.Precision
}

// DefaultOptions turns on every optimization.
func DefaultOptions() Options { return Options{OptLevel: 2} }

// maxSignatures bounds the plans a session keeps for models with symbolic
// input dims; shapes beyond that run on the interpreter.
const maxSignatures = 32

// Session is a model ready to run.
type Session struct {
	// Model is the caller's model; the session never modifies it.
	Model *ir.Model
	opt   Options
	// work is the model the interpreter and the static plan run: an
	// optimized copy of Model, or Model itself when no pass runs.
	work     *ir.Model
	report   *passes.Report
	interp   *interpreter
	env      *cpu.Env
	prof     *profiler
	required []int // indices into Model.Graph.Inputs the caller must give
	runs     atomic.Int64

	// static is the plan when shapes are known at New; symbolic is set
	// when plans are made per input-shape signature instead.
	static   *plan
	symbolic bool
	noPlan   error // why neither applies (the interpreter runs everything)

	mu      sync.RWMutex
	byShape []*specialized // plans per input-shape signature, including interpreter markers

	// plain interprets the caller's model as given, for runs that replace
	// a defaulted input: plans, passes and fast kernels treat defaults as
	// constants (folded, packed), which such a run must not see.
	plainOnce sync.Once
	plain     *interpreter
	plainErr  error
}

// New prepares a session: every op in the graph (and its subgraphs) must
// have a kernel.
func New(m *ir.Model, opt Options) (*Session, error) {
	if err := ir.Verify(m.Graph); err != nil {
		return nil, err
	}
	s := &Session{Model: m, opt: opt, work: m, prof: newProfiler()}
	for i, v := range m.Graph.Inputs {
		if v.Init == nil {
			s.required = append(s.required, i)
		}
	}
	if opt.Reference {
		var err error
		s.interp, err = newInterpreter(m, opt, s.profIfOn())
		s.noPlan = errors.New("reference mode")
		return s, err
	}
	if opt.OptLevel > 0 {
		c, err := cloneModel(m)
		if err == nil {
			s.report, err = passes.Optimize(c, passOptions(opt))
			if err != nil {
				return nil, err
			}
			s.work = c
		}
	}
	var err error
	if s.interp, err = newInterpreter(s.work, opt, s.profIfOn()); err != nil {
		return nil, err
	}
	s.env = &cpu.Env{Pool: poolFor(opt.Threads), Shared: cpu.NewShared(), Precision: opt.Precision}
	if reason := plannable(s.work.Graph, false); reason != nil {
		if plannable(s.work.Graph, true) == nil {
			s.symbolic = true
		} else {
			s.noPlan = reason
		}
		return s, nil
	}
	p, err := buildPlan(s, s.work, s.report)
	if err != nil {
		return nil, err
	}
	s.static = p
	return s, nil
}

func passOptions(opt Options) passes.Options {
	return passes.Options{Level: opt.OptLevel, Disable: opt.DisablePasses}
}

func (s *Session) profIfOn() *profiler {
	if s.opt.Profile {
		return s.prof
	}
	return nil
}

// Inputs returns the graph inputs the caller must provide (those without a
// default initializer), in graph order.
func (s *Session) Inputs() []*ir.Value {
	out := make([]*ir.Value, len(s.required))
	for i, k := range s.required {
		out[i] = s.Model.Graph.Inputs[k]
	}
	return out
}

// Outputs returns the graph outputs in order.
func (s *Session) Outputs() []*ir.Value { return s.Model.Graph.Outputs }

// Run executes the model. inputs maps graph input names to data; inputs
// with a default initializer may be left out. It returns the graph outputs
// in order, in fresh tensors the caller owns.
func (s *Session) Run(inputs map[string]ir.Data) ([]ir.Data, error) {
	g := s.Model.Graph
	known := map[string]bool{}
	ins := make([]*ir.Tensor, len(g.Inputs))
	tensors, overrides := true, false
	for i, v := range g.Inputs {
		known[v.Name] = true
		d, ok := inputs[v.Name]
		if !ok || d == nil {
			if v.Init != nil {
				continue
			}
			return nil, fmt.Errorf("missing input %q (%s)", v.Name, v.Type)
		}
		overrides = overrides || v.Init != nil
		if err := checkInput(v, d); err != nil {
			return nil, err
		}
		t, ok := d.(*ir.Tensor)
		tensors = tensors && ok
		ins[i] = t
	}
	for name := range inputs {
		if !known[name] {
			return nil, fmt.Errorf("unknown input %q (the model's inputs are %s)", name, inputList(g))
		}
	}
	s.runs.Add(1)
	if overrides {
		return s.runPlain(inputs)
	}
	if tensors {
		if p := s.choose(ins); p != nil {
			outs := make([]*ir.Tensor, len(p.outputs))
			for k, sl := range p.outputs {
				t, err := ir.NewTensor(p.slots[sl].dtype, p.slots[sl].shape)
				if err != nil {
					return nil, fmt.Errorf("output %q: %w", g.Outputs[k].Name, err)
				}
				outs[k] = t
			}
			err := p.exec(ins, outs)
			if err == nil {
				res := make([]ir.Data, len(outs))
				for k, t := range outs {
					res[k] = t
				}
				return res, nil
			}
			if !errors.Is(err, errMismatch) {
				return nil, err
			}
		}
	}
	return s.interp.run(inputs)
}

// runPlain runs the caller's model, unoptimized, on the interpreter.
func (s *Session) runPlain(inputs map[string]ir.Data) ([]ir.Data, error) {
	if s.work == s.Model {
		return s.interp.run(inputs) // no pass ran: the interpreter is plain
	}
	s.plainOnce.Do(func() {
		s.plain, s.plainErr = newInterpreter(s.Model, s.opt, s.profIfOn())
	})
	if s.plainErr != nil {
		return nil, s.plainErr
	}
	return s.plain.run(inputs)
}

// RunInto executes the model on inputs given in the order of Inputs() and
// writes the graph outputs into outputs, which the caller allocates with
// the dtypes and shapes the model produces for these inputs (those of a
// previous Run's results, say). Outputs must not share memory with the
// inputs: outputs are written one after the other once the run is done,
// and one that overwrote an input would change what a later output
// copies from it. On the planned path with fast kernels for every node,
// and for models without defaulted inputs, it does not allocate.
func (s *Session) RunInto(inputs, outputs []*ir.Tensor) error {
	g := s.Model.Graph
	if len(inputs) != len(s.required) {
		return fmt.Errorf("RunInto: got %d inputs, the model takes %d", len(inputs), len(s.required))
	}
	if len(outputs) != len(g.Outputs) {
		return fmt.Errorf("RunInto: got %d outputs, the model has %d", len(outputs), len(g.Outputs))
	}
	ins := inputs
	if len(s.required) != len(g.Inputs) {
		ins = make([]*ir.Tensor, len(g.Inputs))
		for k, i := range s.required {
			ins[i] = inputs[k]
		}
	}
	for k, i := range s.required {
		v, t := g.Inputs[i], inputs[k]
		if !checkTensorFast(t) || v.Type.Kind != ir.TensorKind || (v.Type.DType != ir.Undefined && t.DType != v.Type.DType) || !v.Type.Shape.Accepts(t.Shape) {
			if err := checkInput(v, t); err != nil {
				return err
			}
			return fmt.Errorf("input %q: invalid tensor", v.Name)
		}
	}
	for k, t := range outputs {
		if !checkTensorFast(t) {
			return fmt.Errorf("output %d: nil tensor or data that does not match its dtype and shape", k)
		}
	}
	s.runs.Add(1)
	p := s.choose(ins)
	if p != nil {
		for k, sl := range p.outputs {
			if outputs[k].DType != p.slots[sl].dtype || !slices.Equal(outputs[k].Shape, p.slots[sl].shape) {
				return fmt.Errorf("output %d (%q): got %s, the model produces %s%v", k, g.Outputs[k].Name, outputs[k], p.slots[sl].dtype, p.slots[sl].shape)
			}
		}
		err := p.exec(ins, outputs)
		if err == nil || !errors.Is(err, errMismatch) {
			return err
		}
	}
	feeds := map[string]ir.Data{}
	for k, i := range s.required {
		feeds[g.Inputs[i].Name] = inputs[k]
	}
	res, err := s.interp.run(feeds)
	if err != nil {
		return err
	}
	for k, d := range res {
		t, ok := d.(*ir.Tensor)
		if !ok || t.DType != outputs[k].DType || !slices.Equal(t.Shape, outputs[k].Shape) {
			return fmt.Errorf("output %d (%q): the model produced %v, got %s", k, g.Outputs[k].Name, describeData(d), outputs[k])
		}
		outputs[k].CopyFrom(t)
	}
	return nil
}

func describeData(d ir.Data) string {
	if t, ok := d.(*ir.Tensor); ok {
		return t.String()
	}
	return fmt.Sprintf("%T", d)
}

func inputList(g *ir.Graph) string {
	names := make([]string, len(g.Inputs))
	for i, v := range g.Inputs {
		names[i] = v.Name
	}
	return strings.Join(names, ", ")
}
