// Package passes holds dlc's graph optimizations. A pass is a named
// function over a graph; the pipeline below lists them in order. Every pass
// can be switched off by name, and the opt level chooses how far to go.
//
// # Passes
//
// Level 1: infer (re-run type inference), fold (constant folding with the
// reference kernels), simplify (no-op removal, reshape/transpose/cast
// chains), cse, dce. Level 2 adds fuse-bn (BatchNormalization into Conv
// weights), fuse-patterns (PyTorch's LayerNorm, GELU, Softmax and
// attention decompositions into LayerNormalization, Gelu, Softmax and
// dlc.Attention), fuse-conv (dlc.FusedConv) and fuse-gemm (dlc.FusedGemm,
// dlc.FusedMatMul, Transposes folded into its operand and result
// permutations), then fuse-elementwise (chains of elementwise ops into
// dlc.Elementwise). The fused ops are declared in ir/ops_fused.go.
//
// # Contract
//
// Passes change graphs only through the rewrite API of package ir
// (AddNode, ReplaceUses, RemoveDead, SortTopo, FoldNode, Reinfer). Local
// rewrites are rules (rules.go) applied by one driver to a fixed point.
// Optimize works in place: callers that keep the original model optimize
// ir.CloneModel(m). It keeps the names of the graph outputs. A runtime
// that knows its input shapes calls FixInputShapes first, so that shapes
// fold and fusions that need static shapes apply.
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
	// rules, when set, are the local rewrites Run applies; Optimize then
	// applies them itself to report how often each fired.
	rules []rule
}

// pipeline is every pass in order. Level 1 passes compute exactly what
// the graph did (up to the rounding of folded constants); level 2 passes
// fuse ops, which may round differently (fewer intermediate roundings).
var pipeline = []Pass{
	{"infer", 1, reinfer, nil},
	{"fold", 1, fold, nil},
	rulePass("simplify", 1, simplifyRules),
	{"cse", 1, cse, nil},
	{"dce", 1, dce, nil},
	rulePass("fuse-bn", 2, fuseBNRules),
	rulePass("fuse-patterns", 2, fusePatternRules),
	rulePass("fuse-conv", 2, fuseConvRules),
	rulePass("fuse-gemm", 2, fuseGemmRules),
	rulePass("fuse-elementwise", 2, fuseElementwiseRules),
}

// rulePass makes a pass that applies local rules to a fixed point.
func rulePass(name string, level int, rules []rule) Pass {
	return Pass{name, level, func(g *ir.Graph) (bool, error) {
		unlimited := -1
		fired, err := runRules(g, rules, &unlimited)
		return len(fired) > 0, err
	}, rules}
}

// orderConstraints are "A runs before B" requirements of the pipeline,
// checked by a test, each with the reason.
var orderConstraints = []struct{ before, after, why string }{
	{"infer", "fold", "folding Shape and Size reads inferred shapes"},
	{"fold", "simplify", "no-op rules read constants (Mul by 1, Reshape shapes)"},
	{"fold", "cse", "constants merge by contents once Constant nodes are initializers"},
	{"simplify", "cse", "removing Identity exposes equal nodes"},
	{"cse", "dce", "merged nodes leave dead ones"},
	{"dce", "fuse-bn", "dead readers would block single-reader checks"},
	{"simplify", "fuse-patterns", "patterns expect Identity and Dropout gone"},
	{"fold", "fuse-patterns", "patterns read constants (eps, 2, √2)"},
	{"fuse-bn", "fuse-conv", "BatchNormalization is folded into Conv before Conv is fused"},
	{"fuse-patterns", "fuse-gemm", "Gelu must exist before MatMul+Add+Gelu fuses"},
	{"fuse-patterns", "fuse-elementwise", "the decompositions of GELU and LayerNorm are elementwise chains to recognize first"},
	{"fuse-conv", "fuse-elementwise", "a Conv's bias, residual and activation belong in dlc.FusedConv"},
	{"fuse-gemm", "fuse-elementwise", "a MatMul's bias, residual and activation belong in dlc.FusedMatMul"},
	{"fuse-bn", "fuse-elementwise", "a BatchNormalization left unfolded may be folded into Conv first"},
}

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
	// MaxRewrites > 0 stops the rule-based passes after that many rule
	// firings in all: bisecting it finds the rewrite that breaks a model.
	MaxRewrites int
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
	// Rewrites counts how many times each rule of a rule-based pass fired.
	Rewrites map[string]int
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
	budget := -1 // unlimited
	if opt.MaxRewrites > 0 {
		budget = opt.MaxRewrites
	}
	rep := &Report{}
	outNames := make([]string, len(m.Graph.Outputs))
	for i, v := range m.Graph.Outputs {
		outNames[i] = v.Name
	}
	for _, p := range pipeline {
		if p.Level > opt.Level || skip[p.Name] {
			continue
		}
		t0 := time.Now()
		var changed bool
		var fired map[string]int
		var err error
		if p.rules != nil {
			fired, err = runRules(m.Graph, p.rules, &budget)
			changed = len(fired) > 0
		} else {
			changed, err = p.Run(m.Graph)
		}
		if err != nil {
			return rep, fmt.Errorf("pass %s: %w", p.Name, err)
		}
		rep.Passes = append(rep.Passes, PassRun{p.Name, changed, time.Since(t0), fired})
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
	if err := restoreOutputNames(m.Graph, outNames); err != nil {
		return rep, err
	}
	if opt.VerifyEach {
		if err := ir.Verify(m.Graph); err != nil {
			return rep, fmt.Errorf("after restoring output names: %w", err)
		}
	}
	return rep, nil
}

// restoreOutputNames gives the graph's outputs back the names they had
// before the passes (rewrites replace output values, and callers find
// outputs by name): by renaming the new value when only that output
// refers to it and it is a node's result, else through an Identity.
func restoreOutputNames(g *ir.Graph, names []string) error {
	byName := map[string]*ir.Value{}
	count := map[*ir.Value]int{}
	eachValue(g, func(v *ir.Value) { byName[v.Name] = v })
	// An output listed twice under one name is one output: count the
	// distinct names each value must carry, and give a repeated name the
	// value its first listing got.
	seen := map[string]bool{}
	for i, v := range g.Outputs {
		if !seen[names[i]] {
			seen[names[i]] = true
			count[v]++
		}
	}
	done := map[string]*ir.Value{}
	nm := ir.NewNamer(g)
	for i, v := range g.Outputs {
		want := names[i]
		if d := done[want]; d != nil {
			g.Outputs[i] = d
			continue
		}
		if v.Name == want {
			done[want] = v
			continue
		}
		if holder := byName[want]; holder != nil && holder != v {
			// A value left alive under the old name: rename it.
			holder.Name = nm.Name(want + "_pre")
			byName[holder.Name] = holder
		}
		delete(byName, want)
		if v.Producer != nil && v.Owner == g && count[v] == 1 {
			delete(byName, v.Name)
			v.Name = want
			byName[want] = v
			done[want] = v
			continue
		}
		n, err := g.AddNode(ir.NodeSpec{Op: "Identity", Inputs: []*ir.Value{v}, Outputs: []string{want}})
		if err != nil {
			return err
		}
		count[v]--
		g.Outputs[i] = n.Outputs[0]
		byName[want] = n.Outputs[0]
		done[want] = n.Outputs[0]
	}
	return nil
}

// eachValue calls fn for every value defined in g and its subgraphs.
func eachValue(g *ir.Graph, fn func(*ir.Value)) {
	for _, sub := range graphsOf(g) {
		for _, v := range sub.Inputs {
			fn(v)
		}
		for _, v := range sub.Inits {
			fn(v)
		}
		for _, n := range sub.Nodes {
			for _, v := range n.Outputs {
				if v != nil {
					fn(v)
				}
			}
		}
	}
}
