package ir

import (
	"fmt"
)

// Model is a graph with the metadata an ONNX model carries around it.
type Model struct {
	Graph           *Graph
	IRVersion       int64
	Opsets          map[string]int64 // domain -> version, as imported
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	Doc             string
	Metadata        map[string]string
}

// Value is an edge of the graph: a graph input, an initializer, or one
// output slot of a node. Names are unique within a graph and its subgraphs.
type Value struct {
	ID       int
	Name     string
	Type     Type
	Producer *Node // nil for graph inputs and initializers
	Slot     int   // output index within Producer
	// Init is the constant of an initializer. An initializer that is also a
	// graph input is a default the caller may override.
	Init  *Tensor
	Owner *Graph
}

func (v *Value) String() string { return "%" + v.Name }

// Node is one operation. Inputs and Outputs may hold nil entries for
// omitted optional slots.
type Node struct {
	ID      int
	Name    string
	Op      string
	Domain  string
	Def     *OpDef
	Inputs  []*Value
	Outputs []*Value
	Attrs   map[string]*Attr
	Owner   *Graph
}

// Graph is a list of nodes in topological order with its inputs, outputs
// and initializers. A subgraph (the body of If, Loop, Scan) has Parent set
// and may read values of its enclosing graphs by pointer.
type Graph struct {
	Name    string
	Parent  *Graph
	Inputs  []*Value
	Outputs []*Value
	Nodes   []*Node
	Inits   []*Value
	ids     *int // shared by a graph and its subgraphs
}

// NewGraph makes an empty top-level graph.
func NewGraph(name string) *Graph {
	id := 0
	return &Graph{Name: name, ids: &id}
}

// NewSubgraph makes an empty graph nested in g.
func (g *Graph) NewSubgraph(name string) *Graph {
	return &Graph{Name: name, Parent: g, ids: g.ids}
}

func (g *Graph) nextID() int {
	*g.ids++
	return *g.ids
}

// NewValue creates a value owned by g; callers wire it as input or output.
func (g *Graph) NewValue(name string, t Type) *Value {
	return &Value{ID: g.nextID(), Name: name, Type: t, Owner: g}
}

// AddInput appends a graph input.
func (g *Graph) AddInput(name string, t Type) *Value {
	v := g.NewValue(name, t)
	g.Inputs = append(g.Inputs, v)
	return v
}

// AddInit appends an initializer holding t.
func (g *Graph) AddInit(name string, t *Tensor) *Value {
	v := g.NewValue(name, TensorType(t.DType, ShapeOf(t.Shape...)))
	v.Init = t
	g.Inits = append(g.Inits, v)
	return v
}

// NodeSpec describes a node to add: op, inputs (nil for omitted), output
// names ("" for omitted) and attributes.
type NodeSpec struct {
	Op      string
	Domain  string
	Name    string
	Inputs  []*Value
	Outputs []string
	Attrs   map[string]*Attr
}

// AddNode checks spec against the op's declaration, appends the node and
// infers its output types. This is the one way nodes enter a graph.
func (g *Graph) AddNode(spec NodeSpec) (*Node, error) {
	def := LookupOp(spec.Domain, spec.Op)
	if def == nil {
		return nil, fmt.Errorf("%s: unknown op", DescribeNode(spec.Name, OpKey(spec.Domain, spec.Op), firstName(spec.Outputs)))
	}
	n := &Node{ID: g.nextID(), Name: spec.Name, Op: def.Name, Domain: def.Domain, Def: def,
		Inputs: spec.Inputs, Attrs: spec.Attrs, Owner: g}
	if n.Attrs == nil {
		n.Attrs = map[string]*Attr{}
	}
	n.Outputs = make([]*Value, len(spec.Outputs))
	for i, name := range spec.Outputs {
		if name == "" {
			continue
		}
		v := g.NewValue(name, Type{})
		v.Producer, v.Slot = n, i
		n.Outputs[i] = v
	}
	if err := CheckNode(n); err != nil {
		return nil, &NodeError{n.String(), err}
	}
	if err := CheckTypes(n); err != nil {
		return nil, &NodeError{n.String(), err}
	}
	if err := infer(n); err != nil {
		return nil, &NodeError{n.String(), err}
	}
	g.Nodes = append(g.Nodes, n)
	return n, nil
}

// infer runs the op's type inference. Inference reads attributes and
// constant inputs of models that may be malformed, so a panic there is
// turned into an error naming the node rather than crashing the importer.
func infer(n *Node) (err error) {
	if n.Def.Infer == nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("type inference failed: %v", r)
		}
	}()
	return n.Def.Infer(n)
}

func firstName(names []string) string {
	for _, n := range names {
		if n != "" {
			return n
		}
	}
	return ""
}

// String names the node for messages: its name (or id) and op.
func (n *Node) String() string {
	var first string
	for _, v := range n.Outputs {
		if v != nil {
			first = v.Name
			break
		}
	}
	return DescribeNode(n.Name, OpKey(n.Domain, n.Op), first)
}

// DescribeNode names a node for messages: by its name, or, when it has
// none (common in exported models), by the first value it produces.
func DescribeNode(name, op, firstOutput string) string {
	switch {
	case name != "":
		return fmt.Sprintf("node %q (%s)", name, op)
	case firstOutput != "":
		return fmt.Sprintf("node producing %q (%s)", firstOutput, op)
	}
	return fmt.Sprintf("unnamed node (%s)", op)
}

// NodeError is an error about one node; its text starts by naming it.
type NodeError struct {
	Node string
	Err  error
}

func (e *NodeError) Error() string { return e.Node + ": " + e.Err.Error() }
func (e *NodeError) Unwrap() error { return e.Err }

// CheckNode validates a node against its declaration: input and output
// counts, attribute names and kinds, required attributes. Messages do not
// name the node; callers wrap them.
func CheckNode(n *Node) error {
	d := n.Def
	if len(n.Inputs) < d.MinInputs || (d.MaxInputs >= 0 && len(n.Inputs) > d.MaxInputs) {
		return fmt.Errorf("has %d inputs, wants %s", len(n.Inputs), arity(d.MinInputs, d.MaxInputs))
	}
	for i := 0; i < d.MinInputs && i < len(n.Inputs); i++ {
		if n.Inputs[i] == nil && (d.MaxInputs >= 0 || i < d.MinInputs) {
			return fmt.Errorf("required input %d is missing", i)
		}
	}
	if len(n.Outputs) < d.MinOutputs || (d.MaxOutputs >= 0 && len(n.Outputs) > d.MaxOutputs) {
		return fmt.Errorf("has %d outputs, wants %s", len(n.Outputs), arity(d.MinOutputs, d.MaxOutputs))
	}
	for name, a := range n.Attrs {
		ad := d.Attr(name)
		if ad == nil {
			return fmt.Errorf("unknown attribute %q", name)
		}
		if a.Kind != ad.Kind {
			return fmt.Errorf("attribute %q is %s, wants %s", name, a.Kind, ad.Kind)
		}
	}
	for _, ad := range d.Attrs {
		if ad.Required && n.Attrs[ad.Name] == nil {
			return fmt.Errorf("required attribute %q is missing", ad.Name)
		}
	}
	return nil
}

func arity(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d", lo)
	case lo == hi:
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// In returns input i, or nil if it is absent or omitted.
func (n *Node) In(i int) *Value {
	if i < len(n.Inputs) {
		return n.Inputs[i]
	}
	return nil
}

// Out returns output i, or nil if it is absent or omitted.
func (n *Node) Out(i int) *Value {
	if i < len(n.Outputs) {
		return n.Outputs[i]
	}
	return nil
}

// Walk calls fn for every node of g and of its subgraphs, depth first.
func (g *Graph) Walk(fn func(*Node)) {
	for _, n := range g.Nodes {
		fn(n)
		for _, sg := range n.Subgraphs() {
			sg.Walk(fn)
		}
	}
}

// Subgraphs returns the graphs held by n's attributes, in attribute order.
func (n *Node) Subgraphs() []*Graph {
	var out []*Graph
	for _, name := range n.AttrNames() {
		a := n.Attrs[name]
		if a.G != nil {
			out = append(out, a.G)
		}
		out = append(out, a.Graphs...)
	}
	return out
}

// Captures lists the values that g (and its own subgraphs) read from
// enclosing graphs, in order of use, possibly repeated.
func (g *Graph) Captures() []*Value {
	var out []*Value
	g.Walk(func(n *Node) {
		for _, v := range n.Inputs {
			if v != nil && !v.definedWithin(g) {
				out = append(out, v)
			}
		}
	})
	for _, v := range g.Outputs {
		if !v.definedWithin(g) {
			out = append(out, v)
		}
	}
	return out
}

// definedWithin reports whether v belongs to g or to a graph nested in g.
func (v *Value) definedWithin(g *Graph) bool {
	for o := v.Owner; o != nil; o = o.Parent {
		if o == g {
			return true
		}
	}
	return false
}

// Reads lists what n needs to run: its inputs, then the values its
// subgraphs capture from enclosing graphs.
func (n *Node) Reads() []*Value {
	out := append([]*Value{}, n.Inputs...)
	for _, sg := range n.Subgraphs() {
		out = append(out, sg.Captures()...)
	}
	return out
}
