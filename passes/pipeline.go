// Package passes holds dlc's graph optimizations. A pass is a named
// function over a graph; the pipeline below lists them in order. Every pass
// can be switched off by name, and the opt level chooses how far to go.
package passes

import (
	"fmt"
	"time"

	"github.com/dlc-go/dlc/ir"
)

// Pass is one named optimization. Run reports whether it changed g.
type Pass struct {
	Name  string
	Level int // the lowest opt level that runs it
	Run   func(g *ir.Graph) (changed bool, err error)
}

// pipeline is every pass in order.
var pipeline = []Pass{}

// Options chooses what Optimize does.
type Options struct {
	// Level: 0 runs nothing, 1 the exact rewrites (shape specialization,
	// folding, DCE, CSE, simplification), 2 adds fusion.
	Level int
	// Disable names passes to skip.
	Disable []string
	// VerifyEach runs ir.Verify after every pass that changed the graph.
	VerifyEach bool
	// Dump, when set, is called after every pass that changed the graph.
	Dump func(pass string, g *ir.Graph)
}

// Report says what each pass did and how long it took.
type Report struct {
	Passes []PassRun
}

// PassRun is one pass's entry in a Report.
type PassRun struct {
	Name    string
	Changed bool
	Time    time.Duration
}

// Names lists the passes in pipeline order.
func Names() []string {
	out := make([]string, len(pipeline))
	for i, p := range pipeline {
		out[i] = p.Name
	}
	return out
}

// Optimize runs the pipeline on m's main graph in place.
func Optimize(m *ir.Model, opt Options) (*Report, error) {
	skip := map[string]bool{}
	for _, name := range opt.Disable {
		skip[name] = true
	}
	rep := &Report{}
	for _, p := range pipeline {
		if p.Level > opt.Level || skip[p.Name] {
			continue
		}
		t0 := time.Now()
		changed, err := p.Run(m.Graph)
		if err != nil {
			return rep, fmt.Errorf("pass %s: %w", p.Name, err)
		}
		rep.Passes = append(rep.Passes, PassRun{p.Name, changed, time.Since(t0)})
		if changed {
			if opt.VerifyEach {
				if err := ir.Verify(m.Graph); err != nil {
					return rep, fmt.Errorf("after pass %s: %w", p.Name, err)
				}
			}
			if opt.Dump != nil {
				opt.Dump(p.Name, m.Graph)
			}
		}
	}
	return rep, nil
}
