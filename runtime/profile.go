package runtime

import (
	"sort"
	"sync"
	"time"

	"github.com/dlc-go/dlc/ir"
)

// Profile is where the runs of a session spent their time, with
// Options.Profile on.
type Profile struct {
	Runs   int64
	Total  time.Duration // the sum over nodes
	ByOp   []OpTime      // slowest first
	ByNode []NodeTime    // slowest first
}

// OpTime is the time of all nodes of one op kind.
type OpTime struct {
	Op    string // ir.OpKey
	Nodes int
	Time  time.Duration
}

// NodeTime is the time of one node, over all runs.
type NodeTime struct {
	Node   string // as ir.Node.String prints it
	Op     string
	Kernel string // "fast", "ref", "view", "concat" (see StepInfo), or "interp"
	Time   time.Duration
}

// profiler accumulates the interpreter's node times; plans keep theirs per
// step (plan.profNs).
type profiler struct {
	mu    sync.Mutex
	nodes map[*ir.Node]time.Duration
}

func newProfiler() *profiler { return &profiler{nodes: map[*ir.Node]time.Duration{}} }

func (p *profiler) addNode(n *ir.Node, d time.Duration) {
	p.mu.Lock()
	p.nodes[n] += d
	p.mu.Unlock()
}

// Profile returns the times accumulated so far (empty without
// Options.Profile). Nodes of different plans of one session (one per input
// shape) are summed by name.
func (s *Session) Profile() *Profile {
	byNode := map[string]*NodeTime{}
	add := func(n *ir.Node, kernel string, d time.Duration) {
		key := n.String()
		e := byNode[key]
		if e == nil {
			e = &NodeTime{Node: key, Op: ir.OpKey(n.Domain, n.Op), Kernel: kernel}
			byNode[key] = e
		}
		e.Time += d
	}
	for _, p := range s.allPlans() {
		for i := range p.profNs {
			add(p.steps[i].node, p.steps[i].kind.String(), time.Duration(p.profNs[i].Load()))
		}
	}
	s.prof.mu.Lock()
	for n, d := range s.prof.nodes {
		add(n, "interp", d)
	}
	s.prof.mu.Unlock()
	out := &Profile{Runs: s.runs.Load()}
	byOp := map[string]*OpTime{}
	for _, e := range byNode {
		out.ByNode = append(out.ByNode, *e)
		out.Total += e.Time
		o := byOp[e.Op]
		if o == nil {
			o = &OpTime{Op: e.Op}
			byOp[e.Op] = o
		}
		o.Nodes++
		o.Time += e.Time
	}
	for _, o := range byOp {
		out.ByOp = append(out.ByOp, *o)
	}
	sort.Slice(out.ByNode, func(i, j int) bool {
		a, b := out.ByNode[i], out.ByNode[j]
		return a.Time > b.Time || a.Time == b.Time && a.Node < b.Node
	})
	sort.Slice(out.ByOp, func(i, j int) bool {
		a, b := out.ByOp[i], out.ByOp[j]
		return a.Time > b.Time || a.Time == b.Time && a.Op < b.Op
	})
	return out
}

// allPlans lists the session's plans with steps.
func (s *Session) allPlans() []*plan {
	var ps []*plan
	if s.static != nil {
		ps = append(ps, s.static)
	}
	s.mu.RLock()
	for _, e := range s.byShape {
		if p := e.built(); p != nil && p.interpreted == nil {
			ps = append(ps, p)
		}
	}
	s.mu.RUnlock()
	return ps
}
