package ir

import "maps"

// CloneModel returns a deep copy of m that passes may rewrite without
// touching m: graphs, nodes, values, attribute maps and types are copied;
// constant tensors (initializers, tensor attributes) are shared, since
// nothing writes to them. Values keep their ids, names and order.
func CloneModel(m *Model) *Model {
	c := *m
	c.Opsets = maps.Clone(m.Opsets)
	c.Metadata = maps.Clone(m.Metadata)
	ids := *m.Graph.ids
	cl := cloner{values: map[*Value]*Value{}, ids: &ids}
	c.Graph = cl.graph(m.Graph, nil)
	return &c
}

type cloner struct {
	values map[*Value]*Value
	ids    *int
}

func (cl *cloner) value(v *Value, owner *Graph) *Value {
	if v == nil {
		return nil
	}
	if c, ok := cl.values[v]; ok {
		return c
	}
	c := *v
	c.Type = cloneType(v.Type)
	c.Owner = owner
	cl.values[v] = &c
	return &c
}

// ref maps a value read by a node: one defined earlier in this graph or
// an enclosing one.
func (cl *cloner) ref(v *Value) *Value {
	if v == nil {
		return nil
	}
	if c, ok := cl.values[v]; ok {
		return c
	}
	// A read of a value defined nowhere the clone has seen (a malformed
	// graph): keep the original rather than invent one.
	return v
}

func (cl *cloner) graph(g *Graph, parent *Graph) *Graph {
	c := &Graph{Name: g.Name, Parent: parent, ids: cl.ids}
	for _, v := range g.Inputs {
		c.Inputs = append(c.Inputs, cl.value(v, c))
	}
	for _, v := range g.Inits {
		c.Inits = append(c.Inits, cl.value(v, c))
	}
	for _, n := range g.Nodes {
		cn := &Node{ID: n.ID, Name: n.Name, Op: n.Op, Domain: n.Domain, Def: n.Def, Owner: c}
		cn.Inputs = make([]*Value, len(n.Inputs))
		for i, v := range n.Inputs {
			cn.Inputs[i] = cl.ref(v)
		}
		cn.Attrs = make(map[string]*Attr, len(n.Attrs))
		for name, a := range n.Attrs {
			ca := *a
			if a.G != nil {
				ca.G = cl.graph(a.G, c)
			}
			if a.Graphs != nil {
				ca.Graphs = make([]*Graph, len(a.Graphs))
				for i, sg := range a.Graphs {
					ca.Graphs[i] = cl.graph(sg, c)
				}
			}
			cn.Attrs[name] = &ca
		}
		cn.Outputs = make([]*Value, len(n.Outputs))
		for i, v := range n.Outputs {
			if v != nil {
				cv := cl.value(v, c)
				cv.Producer = cn
				cn.Outputs[i] = cv
			}
		}
		c.Nodes = append(c.Nodes, cn)
	}
	for _, v := range g.Outputs {
		c.Outputs = append(c.Outputs, cl.ref(v))
	}
	return c
}

func cloneType(t Type) Type {
	t.Shape.Dims = append([]Dim(nil), t.Shape.Dims...)
	if t.Elem != nil {
		e := cloneType(*t.Elem)
		t.Elem = &e
	}
	return t
}
