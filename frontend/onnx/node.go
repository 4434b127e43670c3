package onnx

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/proto"
)

// convertNode imports one node into sc's graph.
func (im *importer) convertNode(np *onnxpb.NodeProto, sc *scope, opsets map[string]int64) error {
	domain := normDomain(np.GetDomain())
	first := ""
	for _, o := range np.Output {
		if o != "" {
			first = o
			break
		}
	}
	where := ir.DescribeNode(np.GetName(), ir.OpKey(domain, np.GetOpType()), first)
	if f := im.funcs[funcKey(np.GetDomain(), np.GetOpType())]; f != nil {
		if err := im.inline(np, f, sc, opsets); err != nil {
			return fmt.Errorf("%s: function: %w", where, err)
		}
		return nil
	}
	ver, ok := opsets[domain]
	if !ok {
		return fmt.Errorf("%s: domain %q is not in the model's opset imports", where, np.GetDomain())
	}
	if _, known := supportedDomains[domain]; !known {
		return fmt.Errorf("%s: unsupported operator domain %q", where, np.GetDomain())
	}
	key := ir.OpKey(domain, np.GetOpType())
	conv := expanders[key]
	if conv == nil {
		def := ir.LookupOp(domain, np.GetOpType())
		if def == nil {
			err := fmt.Errorf("%s: unknown op %s in opset %d", where, np.GetOpType(), ver)
			if len(im.unsupported) > 1 {
				err = fmt.Errorf("%w (the model uses %d unsupported ops: %s)", err, len(im.unsupported), strings.Join(im.unsupported, ", "))
			}
			return err
		}
		if ver < int64(def.Since) {
			return fmt.Errorf("%s: op %s does not exist before opset %d (the model imports opset %d)", where, def.Name, def.Since, ver)
		}
		conv = findConverter(key, ver)
	}
	c := &convCtx{im: im, sc: sc, opsets: opsets, np: np, opset: ver, op: np.GetOpType(), domain: domain, where: where,
		attrs: map[string]*ir.Attr{}}
	for _, name := range np.Input {
		if name == "" {
			c.in = append(c.in, nil)
			continue
		}
		v := sc.lookup(name)
		if v == nil {
			return fmt.Errorf("%s: input %q is not defined", where, name)
		}
		c.in = append(c.in, v)
	}
	c.out = append(c.out, np.Output...)
	for _, ap := range np.Attribute {
		if ap.GetRefAttrName() != "" {
			continue // a reference outside a function body refers to nothing
		}
		a, err := im.attrFromProto(ap, sc, opsets)
		if err != nil {
			return fmt.Errorf("%s: attribute %q: %w", where, ap.GetName(), err)
		}
		c.attrs[ap.GetName()] = a
	}
	if ver < 7 {
		// Until opset 6 many ops carried consumed_inputs, an in-place
		// memory hint with no bearing on the result; no canonical op has it.
		delete(c.attrs, "consumed_inputs")
	}
	var err error
	if conv != nil {
		err = conv(c)
	} else {
		_, err = c.emit(c.op, c.in, c.out, c.attrs)
	}
	if _, named := err.(*ir.NodeError); named {
		return err // AddNode's errors already name the node
	}
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

func withName(ap *onnxpb.AttributeProto, name string) *onnxpb.AttributeProto {
	c := proto.Clone(ap).(*onnxpb.AttributeProto)
	c.Name = &name
	return c
}

// attrFromProto converts an attribute; graph attributes are imported as
// subgraphs of sc's graph.
func (im *importer) attrFromProto(ap *onnxpb.AttributeProto, sc *scope, opsets map[string]int64) (*ir.Attr, error) {
	kind := ap.GetType()
	if kind == onnxpb.AttributeProto_UNDEFINED {
		kind = guessAttrKind(ap)
	}
	switch kind {
	case onnxpb.AttributeProto_FLOAT:
		return ir.FloatAttr(ap.GetF()), nil
	case onnxpb.AttributeProto_INT:
		return ir.IntAttr(ap.GetI()), nil
	case onnxpb.AttributeProto_STRING:
		return ir.StringAttr(string(ap.GetS())), nil
	case onnxpb.AttributeProto_FLOATS:
		return &ir.Attr{Kind: ir.AttrFloats, Floats: append([]float32{}, ap.Floats...)}, nil
	case onnxpb.AttributeProto_INTS:
		return &ir.Attr{Kind: ir.AttrInts, Ints: append([]int64{}, ap.Ints...)}, nil
	case onnxpb.AttributeProto_STRINGS:
		a := &ir.Attr{Kind: ir.AttrStrings}
		for _, s := range ap.Strings {
			a.Strings = append(a.Strings, string(s))
		}
		return a, nil
	case onnxpb.AttributeProto_TENSOR:
		t, err := TensorFromProto(ap.T, im.dir)
		if err != nil {
			return nil, err
		}
		return ir.TensorAttr(t), nil
	case onnxpb.AttributeProto_SPARSE_TENSOR:
		t, err := im.sparseToDense(ap.SparseTensor)
		if err != nil {
			return nil, err
		}
		return ir.TensorAttr(t), nil
	case onnxpb.AttributeProto_TENSORS:
		a := &ir.Attr{Kind: ir.AttrTensors}
		for _, tp := range ap.Tensors {
			t, err := TensorFromProto(tp, im.dir)
			if err != nil {
				return nil, err
			}
			a.Tensors = append(a.Tensors, t)
		}
		return a, nil
	case onnxpb.AttributeProto_GRAPH:
		g, err := im.subgraph(ap.G, sc, opsets)
		if err != nil {
			return nil, err
		}
		return ir.GraphAttr(g), nil
	case onnxpb.AttributeProto_GRAPHS:
		a := &ir.Attr{Kind: ir.AttrGraphs}
		for _, gp := range ap.Graphs {
			g, err := im.subgraph(gp, sc, opsets)
			if err != nil {
				return nil, err
			}
			a.Graphs = append(a.Graphs, g)
		}
		return a, nil
	case onnxpb.AttributeProto_TYPE_PROTO:
		t, err := typeFromProto(ap.Tp)
		if err != nil {
			return nil, err
		}
		return &ir.Attr{Kind: ir.AttrType, Type: &t}, nil
	case onnxpb.AttributeProto_TYPE_PROTOS:
		a := &ir.Attr{Kind: ir.AttrTypes}
		for _, tp := range ap.TypeProtos {
			t, err := typeFromProto(tp)
			if err != nil {
				return nil, err
			}
			a.Types = append(a.Types, t)
		}
		return a, nil
	}
	return nil, fmt.Errorf("unsupported attribute type %s", kind)
}

// guessAttrKind serves IR version 1 models, whose attributes have no type
// field: the one populated field tells.
func guessAttrKind(ap *onnxpb.AttributeProto) onnxpb.AttributeProto_AttributeType {
	switch {
	case ap.F != nil:
		return onnxpb.AttributeProto_FLOAT
	case ap.I != nil:
		return onnxpb.AttributeProto_INT
	case ap.S != nil:
		return onnxpb.AttributeProto_STRING
	case ap.T != nil:
		return onnxpb.AttributeProto_TENSOR
	case ap.G != nil:
		return onnxpb.AttributeProto_GRAPH
	case len(ap.Floats) > 0:
		return onnxpb.AttributeProto_FLOATS
	case len(ap.Ints) > 0:
		return onnxpb.AttributeProto_INTS
	case len(ap.Strings) > 0:
		return onnxpb.AttributeProto_STRINGS
	case len(ap.Tensors) > 0:
		return onnxpb.AttributeProto_TENSORS
	case len(ap.Graphs) > 0:
		return onnxpb.AttributeProto_GRAPHS
	}
	return onnxpb.AttributeProto_UNDEFINED
}

func (im *importer) subgraph(gp *onnxpb.GraphProto, sc *scope, opsets map[string]int64) (*ir.Graph, error) {
	if gp == nil {
		return nil, fmt.Errorf("empty graph")
	}
	g := sc.g.NewSubgraph(gp.GetName())
	if err := im.importGraph(gp, g, &scope{names: map[string]*ir.Value{}, parent: sc}, opsets); err != nil {
		return nil, fmt.Errorf("subgraph %q: %w", gp.GetName(), err)
	}
	return g, nil
}

// inline expands a call of a model-local function: formal inputs and
// outputs are renamed to the caller's names, internal values to fresh
// names, and attribute references take the caller's values.
func (im *importer) inline(call *onnxpb.NodeProto, f *onnxpb.FunctionProto, sc *scope, opsets map[string]int64) error {
	fopsets, err := im.readOpsets(f.OpsetImport, false)
	if err != nil {
		return err
	}
	for d, v := range opsets {
		if _, ok := fopsets[d]; !ok {
			fopsets[d] = v
		}
	}
	rename := map[string]string{}
	for i, name := range f.Input {
		rename[name] = ""
		if i < len(call.Input) {
			rename[name] = call.Input[i]
		}
	}
	for i, name := range f.Output {
		rename[name] = ""
		if i < len(call.Output) {
			rename[name] = call.Output[i]
		}
	}
	attrs := map[string]*onnxpb.AttributeProto{}
	for _, ap := range f.AttributeProto {
		attrs[ap.GetName()] = ap
	}
	for _, ap := range call.Attribute {
		attrs[ap.GetName()] = ap
	}
	for _, n := range f.Node {
		if err := im.convertNode(im.instantiate(n, rename, attrs, call.GetName()), sc, fopsets); err != nil {
			return err
		}
	}
	return nil
}

// instantiate copies a function body node for one call: value names are
// renamed (formals to the caller's names, the rest to fresh ones),
// attribute references take the caller's values (or are dropped, leaving
// the op's default), and graph attributes are copied the same way, so
// bodies of If, Loop and Scan inside a function are inlined correctly too.
func (im *importer) instantiate(n *onnxpb.NodeProto, rename map[string]string, attrs map[string]*onnxpb.AttributeProto, caller string) *onnxpb.NodeProto {
	c := &onnxpb.NodeProto{OpType: n.OpType, Domain: n.Domain}
	if caller != "" || n.GetName() != "" {
		c.Name = ptr(caller + "/" + n.GetName())
	}
	for _, in := range n.Input {
		c.Input = append(c.Input, im.renamed(rename, in))
	}
	for _, out := range n.Output {
		c.Output = append(c.Output, im.renamed(rename, out))
	}
	for _, ap := range n.Attribute {
		if ref := ap.GetRefAttrName(); ref != "" {
			v, ok := attrs[ref]
			if !ok {
				continue
			}
			ap = withName(v, ap.GetName())
		}
		if ap.G != nil || len(ap.Graphs) > 0 {
			ap = proto.Clone(ap).(*onnxpb.AttributeProto)
			if ap.G != nil {
				ap.G = im.instantiateGraph(ap.G, rename, attrs, caller)
			}
			for i, g := range ap.Graphs {
				ap.Graphs[i] = im.instantiateGraph(g, rename, attrs, caller)
			}
		}
		c.Attribute = append(c.Attribute, ap)
	}
	return c
}

// instantiateGraph copies a subgraph of a function body for one call, the
// way instantiate copies a node.
func (im *importer) instantiateGraph(g *onnxpb.GraphProto, rename map[string]string, attrs map[string]*onnxpb.AttributeProto, caller string) *onnxpb.GraphProto {
	out := proto.Clone(g).(*onnxpb.GraphProto)
	for _, list := range [][]*onnxpb.ValueInfoProto{out.Input, out.Output, out.ValueInfo} {
		for _, vi := range list {
			vi.Name = ptr(im.renamed(rename, vi.GetName()))
		}
	}
	for _, t := range out.Initializer {
		t.Name = ptr(im.renamed(rename, t.GetName()))
	}
	for _, sp := range out.SparseInitializer {
		if sp.Values != nil {
			sp.Values.Name = ptr(im.renamed(rename, sp.Values.GetName()))
		}
	}
	for i, n := range g.Node {
		out.Node[i] = im.instantiate(n, rename, attrs, caller)
	}
	return out
}

func (im *importer) renamed(rename map[string]string, name string) string {
	if name == "" {
		return ""
	}
	if r, ok := rename[name]; ok {
		return r
	}
	r := im.freshName(name)
	rename[name] = r
	return r
}

// convCtx is what a converter sees: the node's resolved inputs, output
// names and converted attributes, and ways to emit canonical IR.
type convCtx struct {
	im     *importer
	sc     *scope
	opsets map[string]int64
	np     *onnxpb.NodeProto
	opset  int64
	op     string
	domain string
	where  string
	in     []*ir.Value
	out    []string
	attrs  map[string]*ir.Attr
}

// emit adds a canonical node to the graph and binds its output names.
func (c *convCtx) emit(op string, in []*ir.Value, out []string, attrs map[string]*ir.Attr) (*ir.Node, error) {
	for _, name := range out {
		if name != "" && c.sc.names[name] != nil {
			return nil, fmt.Errorf("output %q is defined twice", name)
		}
	}
	// Trailing omitted inputs and outputs are dropped: "absent" and
	// "omitted" mean the same.
	for len(in) > 0 && in[len(in)-1] == nil {
		in = in[:len(in)-1]
	}
	for len(out) > 1 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	irNames := make([]string, len(out))
	for i, name := range out {
		if name != "" {
			irNames[i] = c.im.valueName(c.sc, name)
		}
	}
	n, err := c.sc.g.AddNode(ir.NodeSpec{Op: op, Domain: c.domain, Name: c.nodeName(op, out), Inputs: in, Outputs: irNames, Attrs: attrs})
	if err != nil {
		return nil, err
	}
	for i, v := range n.Outputs {
		if v != nil {
			c.sc.names[out[i]] = v
		}
	}
	return n, nil
}

// nodeName names a node emitted for the ONNX node: a node producing one
// of its outputs takes its name, a helper node the name with its op
// appended; either is made unique, since node names must be (ONNX Runtime
// rejects a model that repeats one).
func (c *convCtx) nodeName(op string, out []string) string {
	name := c.np.GetName()
	if name == "" {
		return ""
	}
	for _, o := range out {
		if o != "" && slices.Contains(c.np.Output, o) {
			return c.im.uniqueNodeName(name)
		}
	}
	return c.im.uniqueNodeName(name + "/" + op)
}

// emitTemp adds a helper node with one fresh-named output and returns it.
func (c *convCtx) emitTemp(op string, in []*ir.Value, attrs map[string]*ir.Attr) (*ir.Value, error) {
	n, err := c.emit(op, in, []string{c.im.freshName(c.np.GetName() + "_" + op)}, attrs)
	if err != nil {
		return nil, err
	}
	return n.Outputs[0], nil
}

// constant adds an initializer holding t and returns it.
func (c *convCtx) constant(t *ir.Tensor) *ir.Value {
	v := c.sc.g.AddInit(c.im.freshName(c.np.GetName()+"_const"), t)
	c.sc.names[v.Name] = v
	return v
}

// takeAttr removes an attribute from the node and returns it (nil if
// absent): converters move old attributes into inputs with it.
func (c *convCtx) takeAttr(name string) *ir.Attr {
	a := c.attrs[name]
	delete(c.attrs, name)
	return a
}

// input returns input i or nil.
func (c *convCtx) input(i int) *ir.Value {
	if i < len(c.in) {
		return c.in[i]
	}
	return nil
}

// setInput places v at input slot i, padding with omitted slots.
func (c *convCtx) setInput(i int, v *ir.Value) {
	for len(c.in) <= i {
		c.in = append(c.in, nil)
	}
	c.in[i] = v
}

// attrToInput moves an ints attribute into input slot i as an int64
// tensor, the way later opsets take it. An absent attribute leaves the slot.
func (c *convCtx) attrToInput(name string, i int) {
	if a := c.takeAttr(name); a != nil {
		c.setInput(i, c.constant(ir.FromSlice([]int{len(a.Ints)}, append([]int64{}, a.Ints...))))
	}
}

// emitDefault emits the node as it now stands.
func (c *convCtx) emitDefault() error {
	_, err := c.emit(c.op, c.in, c.out, c.attrs)
	return err
}

// A converter rewrites an older opset form of an op into the canonical
// form. Converters are registered per op with the opset they apply below.
type converter struct {
	before int64
	fn     func(*convCtx) error
}

var converters = map[string][]converter{}

// legacy registers fn for nodes of op (registry key) with opset < before.
// When several apply, the one with the lowest bound wins, so a converter
// for the oldest forms can be written on its own.
func legacy(op string, before int64, fn func(*convCtx) error) {
	cs := append(converters[op], converter{before, fn})
	sort.Slice(cs, func(i, j int) bool { return cs[i].before < cs[j].before })
	converters[op] = cs
}

func findConverter(op string, ver int64) func(*convCtx) error {
	for _, c := range converters[op] {
		if ver < c.before {
			return c.fn
		}
	}
	return nil
}
