package ir

import (
	"fmt"
	"slices"
)

// The rewrite API: the one way passes change a graph. Nodes enter through
// Graph.AddNode (which appends and infers types); values are redirected
// with ReplaceUses; dead nodes leave through RemoveDead or RemoveNodes; a
// pass that added nodes out of order restores the order with SortTopo.
// Callers run Verify after a batch of changes (passes.Options.VerifyEach).

// Use is one read of a value: input Slot of Node, or, with Node nil,
// output Slot of Graph.
type Use struct {
	Node  *Node
	Graph *Graph
	Slot  int
}

// Uses maps every value read in g (and its subgraphs) to its readers:
// node inputs and graph outputs, in graph order. A value captured by a
// subgraph is listed under the subgraph's reading node, so a value whose
// only reader is inside an If branch still has uses.
func (g *Graph) Uses() map[*Value][]Use {
	uses := map[*Value][]Use{}
	var walk func(g *Graph)
	walk = func(g *Graph) {
		for _, n := range g.Nodes {
			for i, v := range n.Inputs {
				if v != nil {
					uses[v] = append(uses[v], Use{Node: n, Graph: g, Slot: i})
				}
			}
			for _, sg := range subgraphsOf(n) {
				walk(sg)
			}
		}
		for i, v := range g.Outputs {
			if v != nil {
				uses[v] = append(uses[v], Use{Graph: g, Slot: i})
			}
		}
	}
	walk(g)
	return uses
}

// ReplaceUses makes every reader of old in g and its subgraphs (node
// inputs, graph outputs, subgraph captures) read new instead. It returns
// how many reads it redirected. old keeps its producer; RemoveDead drops
// it once nothing reads it. Replacing a graph output changes the name the
// graph returns; passes.Optimize restores output names at the end.
func (g *Graph) ReplaceUses(old, new *Value) int {
	if old == new {
		return 0
	}
	count := 0
	var walk func(g *Graph)
	walk = func(g *Graph) {
		for _, n := range g.Nodes {
			for i, v := range n.Inputs {
				if v == old {
					n.Inputs[i] = new
					count++
				}
			}
			for _, sg := range subgraphsOf(n) {
				walk(sg)
			}
		}
		for i, v := range g.Outputs {
			if v == old {
				g.Outputs[i] = new
				count++
			}
		}
	}
	walk(g)
	return count
}

// RemoveNodes deletes the nodes for which drop returns true from g (not
// from its subgraphs). It does not check that their outputs are unused:
// callers redirect readers first.
func (g *Graph) RemoveNodes(drop func(*Node) bool) int {
	before := len(g.Nodes)
	g.Nodes = slices.DeleteFunc(g.Nodes, drop)
	return before - len(g.Nodes)
}

// RemoveDead deletes nodes of g and its subgraphs whose outputs nothing
// reads, repeatedly, and initializers of g nothing reads (initializers
// that are also graph inputs stay: they are part of the signature). It
// returns the number of nodes and initializers removed. No ONNX op has an
// effect beyond its outputs, so a node with unread outputs is dead.
func (g *Graph) RemoveDead() int {
	removed := 0
	for {
		uses := g.Uses()
		n := removeDeadIn(g, uses)
		if n == 0 {
			break
		}
		removed += n
	}
	uses := g.Uses()
	inputs := map[*Value]bool{}
	for _, v := range g.Inputs {
		inputs[v] = true
	}
	before := len(g.Inits)
	g.Inits = slices.DeleteFunc(g.Inits, func(v *Value) bool { return !inputs[v] && len(uses[v]) == 0 })
	return removed + before - len(g.Inits)
}

func removeDeadIn(g *Graph, uses map[*Value][]Use) int {
	removed := g.RemoveNodes(func(n *Node) bool {
		for _, v := range n.Outputs {
			if v != nil && len(uses[v]) > 0 {
				return false
			}
		}
		return true
	})
	for _, n := range g.Nodes {
		for _, sg := range subgraphsOf(n) {
			removed += removeDeadIn(sg, uses)
		}
	}
	return removed
}

// SortTopo reorders g's nodes (not its subgraphs') so that every node
// comes after the producers of what it reads, including values its
// subgraphs capture. Among ready nodes the current order is kept, so an
// already sorted graph is unchanged. A cycle is an error.
func (g *Graph) SortTopo() error {
	index := make(map[*Node]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n] = i
	}
	deps := make([][]int, len(g.Nodes))
	users := make([][]int, len(g.Nodes))
	pending := make([]int, len(g.Nodes))
	for i, n := range g.Nodes {
		seen := map[int]bool{}
		for _, v := range n.Reads() {
			if v == nil || v.Producer == nil {
				continue
			}
			j, ok := index[v.Producer]
			if !ok || seen[j] {
				continue
			}
			seen[j] = true
			deps[i] = append(deps[i], j)
			users[j] = append(users[j], i)
			pending[i]++
		}
	}
	// Kahn's algorithm, taking the ready node with the lowest old index.
	var ready []int
	for i := range g.Nodes {
		if pending[i] == 0 {
			ready = append(ready, i)
		}
	}
	out := make([]*Node, 0, len(g.Nodes))
	for len(ready) > 0 {
		i := ready[0]
		ready = ready[1:]
		out = append(out, g.Nodes[i])
		for _, u := range users[i] {
			pending[u]--
			if pending[u] == 0 {
				k, _ := slices.BinarySearch(ready, u)
				ready = slices.Insert(ready, k, u)
			}
		}
	}
	if len(out) != len(g.Nodes) {
		return fmt.Errorf("graph %q: nodes form a cycle", g.Name)
	}
	g.Nodes = out
	return nil
}

// UniqueName returns base if no value in g's whole model (g's top graph
// and every subgraph) is named so, else base with a numeric suffix.
// Passes name the values they create with it.
func (g *Graph) UniqueName(base string) string {
	top := g
	for top.Parent != nil {
		top = top.Parent
	}
	names := map[string]bool{}
	top.eachValue(func(v *Value) { names[v.Name] = true })
	if !names[base] {
		return base
	}
	for i := 1; ; i++ {
		s := fmt.Sprintf("%s_%d", base, i)
		if !names[s] {
			return s
		}
	}
}

// Namer hands out value names unique within one model, for passes that
// create many values: it collects the taken names once.
type Namer struct{ taken map[string]bool }

// NewNamer collects the names used in g's model.
func NewNamer(g *Graph) *Namer {
	for g.Parent != nil {
		g = g.Parent
	}
	nm := &Namer{taken: map[string]bool{}}
	g.eachValue(func(v *Value) { nm.taken[v.Name] = true })
	return nm
}

// Name returns base, or base with a numeric suffix, not handed out before
// and not used in the model when the Namer was made.
func (nm *Namer) Name(base string) string {
	name := base
	for i := 1; nm.taken[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	nm.taken[name] = true
	return name
}

// eachValue calls fn for every value defined in g and its subgraphs.
func (g *Graph) eachValue(fn func(*Value)) {
	for _, v := range g.Inputs {
		fn(v)
	}
	for _, v := range g.Inits {
		fn(v)
	}
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil {
				fn(v)
			}
		}
		for _, sg := range subgraphsOf(n) {
			sg.eachValue(fn)
		}
	}
}

// Reinfer re-runs type inference over g and its subgraphs in order, after
// input types or constants changed (passes.FixInputShapes, folding). The
// new type of a value is merged with its old one: a dim or rank the old
// type knew and inference cannot derive is kept (it came from the model's
// declarations), while a contradiction between the two is an error.
func Reinfer(g *Graph) error {
	for _, n := range g.Nodes {
		for _, sg := range subgraphsOf(n) {
			if err := Reinfer(sg); err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
		}
		if err := ReinferNode(n); err != nil {
			return err
		}
	}
	return nil
}

// ReinferNode re-runs inference of one node and merges the result with
// its outputs' old types, as Reinfer does. On error the old types stay.
func ReinferNode(n *Node) error {
	old := make([]Type, len(n.Outputs))
	for i, v := range n.Outputs {
		if v != nil {
			old[i] = v.Type
		}
	}
	restore := func() {
		for i, v := range n.Outputs {
			if v != nil {
				v.Type = old[i]
			}
		}
	}
	if err := infer(n); err != nil {
		restore()
		return &NodeError{n.String(), err}
	}
	for i, v := range n.Outputs {
		if v == nil {
			continue
		}
		t, err := MergeTypes(v.Type, old[i])
		if err != nil {
			restore()
			return &NodeError{n.String(), fmt.Errorf("output %d (%q): %w", i, v.Name, err)}
		}
		v.Type = t
	}
	return nil
}

// MergeTypes combines what two descriptions of one value know: known dims
// win over unknown or symbolic ones, a rank over no rank, a dtype over
// none. Different known sizes or ranks are an error.
func MergeTypes(a, b Type) (Type, error) {
	if a.Kind != b.Kind {
		if a.Kind == TensorKind && a.DType == Undefined && !a.Shape.Ranked {
			return b, nil
		}
		if b.Kind == TensorKind && b.DType == Undefined && !b.Shape.Ranked {
			return a, nil
		}
		return a, fmt.Errorf("type %s contradicts %s", a, b)
	}
	if a.Kind != TensorKind {
		if a.Elem == nil || b.Elem == nil {
			if a.Elem == nil {
				return b, nil
			}
			return a, nil
		}
		e, err := MergeTypes(*a.Elem, *b.Elem)
		if err != nil {
			return a, err
		}
		a.Elem = &e
		return a, nil
	}
	out := a
	switch {
	case a.DType == Undefined:
		out.DType = b.DType
	case b.DType != Undefined && a.DType != b.DType:
		return a, fmt.Errorf("dtype %s contradicts %s", a.DType, b.DType)
	}
	switch {
	case !a.Shape.Ranked:
		out.Shape = b.Shape
	case !b.Shape.Ranked:
	case len(a.Shape.Dims) != len(b.Shape.Dims):
		return a, fmt.Errorf("shape %s contradicts %s", a.Shape, b.Shape)
	default:
		dims := slices.Clone(a.Shape.Dims)
		for i, d := range b.Shape.Dims {
			switch {
			case d.Known() && dims[i].Known() && d.Size != dims[i].Size:
				return a, fmt.Errorf("shape %s contradicts %s", a.Shape, b.Shape)
			case d.Known():
				dims[i] = d
			case !dims[i].Known() && dims[i].Sym == "" && d.Sym != "":
				dims[i] = d
			}
		}
		out.Shape = Shape{Ranked: true, Dims: dims}
	}
	return out, nil
}

// FoldNode replaces node n of g by constants: each present output of n
// becomes an initializer of g holding outs[i], keeping its name and
// readers. The tensor must fit the output's type (same dtype, a shape the
// declared one accepts).
func (g *Graph) FoldNode(n *Node, outs []*Tensor) error {
	if n.Owner != g {
		return fmt.Errorf("%s: not a node of graph %q", n, g.Name)
	}
	for i, v := range n.Outputs {
		if v == nil {
			continue
		}
		t := outs[i]
		if t == nil || v.Type.Kind != TensorKind || (v.Type.DType != Undefined && v.Type.DType != t.DType) || !v.Type.Shape.Accepts(t.Shape) {
			return fmt.Errorf("%s: output %d of type %s cannot hold %s", n, i, v.Type, t)
		}
	}
	for i, v := range n.Outputs {
		if v == nil {
			continue
		}
		v.Producer, v.Slot, v.Init = nil, 0, outs[i]
		v.Type = TensorType(outs[i].DType, ShapeOf(outs[i].Shape...))
		g.Inits = append(g.Inits, v)
	}
	g.RemoveNodes(func(m *Node) bool { return m == n })
	return nil
}

// HasSubgraphs reports whether an attribute of n holds a graph. Unlike
// Subgraphs it neither sorts nor allocates: passes ask it of every node.
func (n *Node) HasSubgraphs() bool {
	for _, a := range n.Attrs {
		if a.G != nil || len(a.Graphs) > 0 {
			return true
		}
	}
	return false
}

// subgraphsOf is Node.Subgraphs, cheap for the common node without any.
func subgraphsOf(n *Node) []*Graph {
	if !n.HasSubgraphs() {
		return nil
	}
	return n.Subgraphs()
}
