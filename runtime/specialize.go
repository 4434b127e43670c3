package runtime

import (
	"slices"
	"sync"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
)

// choose returns the plan for these inputs (indexed like the graph inputs,
// nil for a default), building a specialized one on the first run with a
// new shape signature, or nil when the interpreter must run them. A
// signature's plan is built outside the session's lock: runs with shapes
// already planned go on meanwhile, and runs with the same new shapes wait
// for that one build.
func (s *Session) choose(ins []*ir.Tensor) *plan {
	if s.static != nil {
		if s.static.broken.Load() {
			return nil
		}
		return s.static
	}
	if !s.symbolic {
		return nil
	}
	e := s.lookup(ins)
	if e == nil {
		s.mu.Lock()
		if e = s.lookupLocked(ins); e == nil {
			if len(s.byShape) >= maxSignatures {
				s.mu.Unlock()
				return nil
			}
			e = &specialized{sig: s.signature(ins), done: make(chan struct{})}
			s.byShape = append(s.byShape, e)
			s.mu.Unlock()
			e.p = s.specialize(e.sig)
			close(e.done)
		} else {
			s.mu.Unlock()
		}
	}
	<-e.done
	if p := e.p; p.interpreted == nil && !p.broken.Load() {
		return p
	}
	return nil
}

// specialized is the plan of one input-shape signature; p is set, and
// done closed, once it is built.
type specialized struct {
	sig  [][]int
	done chan struct{}
	p    *plan
}

// built returns the plan if it is built, else nil.
func (e *specialized) built() *plan {
	select {
	case <-e.done:
		return e.p
	default:
		return nil
	}
}

// matches reports whether a run with these inputs (nil: the default) has
// this signature's shapes.
func (e *specialized) matches(g *ir.Graph, ins []*ir.Tensor) bool {
	for i, t := range ins {
		if t == nil {
			t = g.Inputs[i].Init
		}
		if !slices.Equal(t.Shape, e.sig[i]) {
			return false
		}
	}
	return true
}

func (s *Session) lookup(ins []*ir.Tensor) *specialized {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lookupLocked(ins)
}

func (s *Session) lookupLocked(ins []*ir.Tensor) *specialized {
	for _, e := range s.byShape {
		if e.matches(s.Model.Graph, ins) {
			return e
		}
	}
	return nil
}

// signature is the input shapes a run uses, defaults included.
func (s *Session) signature(ins []*ir.Tensor) [][]int {
	sig := make([][]int, len(ins))
	for i, t := range ins {
		if t == nil {
			t = s.Model.Graph.Inputs[i].Init
		}
		sig[i] = append([]int{}, t.Shape...)
	}
	return sig
}

// specialize makes the plan for one input-shape signature: a copy of the
// caller's model with those input shapes fixed and inferred through, then
// optimized (with static shapes the passes fold more) and planned. When
// any step fails, the returned plan only records why, and runs with these
// shapes go to the interpreter.
func (s *Session) specialize(sig [][]int) *plan {
	fail := func(err error) *plan {
		return &plan{s: s, interpreted: err}
	}
	c, err := cloneModel(s.Model)
	if err != nil {
		return fail(err)
	}
	shapes := map[string][]int{}
	for i, v := range c.Graph.Inputs {
		shapes[v.Name] = sig[i]
	}
	if err := fixInputShapes(c.Graph, shapes); err != nil {
		return fail(err)
	}
	var rep *passes.Report
	if s.opt.OptLevel > 0 {
		if rep, err = passes.Optimize(c, passOptions(s.opt)); err != nil {
			return fail(err)
		}
	}
	if err := plannable(c.Graph, false); err != nil {
		return fail(err)
	}
	p, err := buildPlan(s, c, rep)
	if err != nil {
		return fail(err)
	}
	return p
}

// cloneModel returns a deep copy of m that passes may rewrite.
func cloneModel(m *ir.Model) (*ir.Model, error) { return ir.CloneModel(m), nil }

// fixInputShapes makes the named inputs' shapes concrete and re-infers
// every value of g.
func fixInputShapes(g *ir.Graph, shapes map[string][]int) error {
	return passes.FixInputShapes(g, shapes)
}

var (
	poolsMu sync.Mutex
	pools   = map[int]*parallel.Pool{}
)

// poolFor returns the process-wide pool of n threads (0: one per core).
// Sessions share pools by size because a pool's workers live for the
// process: a pool per session would leak goroutines in programs (and
// tests) that make many sessions.
func poolFor(n int) *parallel.Pool {
	if n == 1 {
		return parallel.Serial
	}
	poolsMu.Lock()
	defer poolsMu.Unlock()
	p := pools[n]
	if p == nil {
		p = parallel.New(n)
		pools[n] = p
	}
	return p
}
