package passes

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Local rewrites are data: named rules indexed by the op of the node they
// start from, applied to a fixed point by one driver (runRules). A rule
// matches a pattern around its root node and, if it fires, adds the nodes
// of the replacement and redirects the readers of the pattern's result;
// the driver removes what became dead and restores topological order.

// rule is one local rewrite.
type rule struct {
	name string
	// root is the op key (ir.OpKey) of the node the pattern starts from.
	root string
	// apply rewrites around n and reports whether it changed the graph.
	apply func(c *rewriter, n *ir.Node) (bool, error)
}

// rewriter is what rules see: the graph, the current readers of every
// value, and a source of fresh value names.
type rewriter struct {
	top   *ir.Graph
	uses  map[*ir.Value][]ir.Use
	names *ir.Namer
	fired map[string]int // rule name -> times fired
}

// maxRounds caps the fixed-point iteration; a rule set that keeps firing
// past it is a bug (two rules undoing each other), reported as an error.
const maxRounds = 50

// runRules applies rules to every node of g and its subgraphs until none
// fires, and returns how many times each fired. budget counts down the
// firings still allowed (negative: no limit); at 0 no rule is tried.
func runRules(g *ir.Graph, rules []rule, budget *int) (map[string]int, error) {
	byRoot := map[string][]rule{}
	for _, r := range rules {
		byRoot[r.root] = append(byRoot[r.root], r)
	}
	c := &rewriter{top: g, names: ir.NewNamer(g), fired: map[string]int{}}
	for round := 0; ; round++ {
		if round == maxRounds {
			return c.fired, fmt.Errorf("rules still firing after %d rounds: %v", maxRounds, c.fired)
		}
		c.uses = g.Uses()
		changed := false
		for _, sub := range graphsOf(g) {
			for i := 0; i < len(sub.Nodes); i++ {
				n := sub.Nodes[i]
				for _, r := range byRoot[ir.OpKey(n.Domain, n.Op)] {
					if *budget == 0 {
						break
					}
					ok, err := r.apply(c, n)
					if err != nil {
						return c.fired, fmt.Errorf("rule %s at %s: %w", r.name, n, err)
					}
					if ok {
						if *budget > 0 {
							*budget--
						}
						c.fired[r.name]++
						changed = true
						g.RemoveDead()
						c.uses = g.Uses()
						break
					}
				}
			}
		}
		if !changed {
			break
		}
	}
	if len(c.fired) > 0 {
		for _, sub := range graphsOf(g) {
			if err := sub.SortTopo(); err != nil {
				return c.fired, err
			}
		}
	}
	return c.fired, nil
}

// graphsOf lists g and every graph nested in it.
func graphsOf(g *ir.Graph) []*ir.Graph {
	out := []*ir.Graph{g}
	for _, n := range g.Nodes {
		if !n.HasSubgraphs() {
			continue
		}
		for _, sg := range n.Subgraphs() {
			out = append(out, graphsOf(sg)...)
		}
	}
	return out
}

// soleUser returns the one node reading v, when v has exactly one reader,
// that reader is a node (not a graph output) and it lives in v's graph.
func (c *rewriter) soleUser(v *ir.Value) *ir.Node {
	if v == nil {
		return nil
	}
	us := c.uses[v]
	if len(us) != 1 || us[0].Node == nil || us[0].Node.Owner != v.Owner {
		return nil
	}
	return us[0].Node
}

// users returns the nodes reading v, or nil if a graph output or a node
// of another graph reads it.
func (c *rewriter) users(v *ir.Value) []*ir.Node {
	var out []*ir.Node
	for _, u := range c.uses[v] {
		if u.Node == nil || u.Node.Owner != v.Owner {
			return nil
		}
		out = append(out, u.Node)
	}
	return out
}

// add appends a node to graph g with one fresh output named after base
// and returns that output.
func (c *rewriter) add(g *ir.Graph, op, domain, base string, attrs map[string]*ir.Attr, in ...*ir.Value) (*ir.Value, error) {
	n, err := g.AddNode(ir.NodeSpec{Op: op, Domain: domain, Inputs: in, Outputs: []string{c.names.Name(base)}, Attrs: attrs})
	if err != nil {
		return nil, err
	}
	return n.Outputs[0], nil
}

// constant adds an initializer holding t to g.
func (c *rewriter) constant(g *ir.Graph, base string, t *ir.Tensor) *ir.Value {
	return g.AddInit(c.names.Name(base), t)
}

// replace redirects every reader of old to new. A node's output new
// keeps what old's type knew beyond its own (graph inputs and constants
// keep their declared types: they are part of the model's signature).
func (c *rewriter) replace(old, new *ir.Value) error {
	t, err := ir.MergeTypes(new.Type, old.Type)
	if err != nil {
		return fmt.Errorf("replacing %s with %s: %w", old, new, err)
	}
	if new.Producer != nil {
		new.Type = t
	}
	c.top.ReplaceUses(old, new)
	return nil
}
