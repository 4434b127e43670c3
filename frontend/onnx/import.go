// Package onnx imports ONNX models into dlc's IR and exports IR back to
// ONNX. Import is staged: decode the protobuf, check opsets, sort and
// convert each node through its op's converter (which rewrites older opset
// forms into the canonical newest form), inline model-local functions, and
// verify the result. ONNX types never leave this package.
package onnx

import (
	"container/heap"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/proto"
)

// MaxOpset is the newest default-domain opset dlc imports; MinOpset the
// oldest.
const (
	MinOpset = 1
	MaxOpset = 22
)

// supportedDomains maps each operator domain dlc knows to the newest
// version it imports.
var supportedDomains = map[string]int64{
	"":                MaxOpset,
	ir.TrainingDomain: 1,
	ir.FusedDomain:    1, // models saved after optimization
}

// Load reads and imports an ONNX model file. External data is resolved
// relative to the file's folder. Errors name the file.
func Load(path string) (*ir.Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Decode(b, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Decode imports a serialized ModelProto; dir is the folder for external
// data ("" refuses it).
func Decode(b []byte, dir string) (*ir.Model, error) {
	mp := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, mp); err != nil {
		return nil, fmt.Errorf("not a valid ONNX model: %w", err)
	}
	if mp.Graph == nil {
		return nil, errors.New("not a valid ONNX model: no graph")
	}
	return FromProto(mp, dir)
}

// errInternal marks an import that hit a bug in dlc (a panic) rather than
// a fault of the model; tests and the fuzzer look for it.
var errInternal = errors.New("internal error")

// FromProto imports a decoded ModelProto. It never panics: a bug reached
// by a malformed model comes back as an error wrapping errInternal.
func FromProto(mp *onnxpb.ModelProto, dir string) (m *ir.Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w while importing: %v", errInternal, r)
		}
	}()
	if mp.GetGraph() == nil {
		return nil, errors.New("not a valid ONNX model: no graph")
	}
	im := &importer{dir: dir, funcs: map[string]*onnxpb.FunctionProto{}, used: map[string]bool{}}
	opsets, err := im.readOpsets(mp.OpsetImport, true)
	if err != nil {
		return nil, err
	}
	for _, f := range mp.Functions {
		im.funcs[funcKey(f.GetDomain(), f.GetName())] = f
	}
	if err := im.checkFunctions(mp.Graph); err != nil {
		return nil, err
	}
	im.unsupported = im.unsupportedOps(mp)
	m = &ir.Model{
		IRVersion: mp.GetIrVersion(), Opsets: opsets,
		ProducerName: mp.GetProducerName(), ProducerVersion: mp.GetProducerVersion(),
		Domain: mp.GetDomain(), ModelVersion: mp.GetModelVersion(), Doc: mp.GetDocString(),
		Metadata: map[string]string{},
	}
	for _, kv := range mp.MetadataProps {
		m.Metadata[kv.GetKey()] = kv.GetValue()
	}
	g := ir.NewGraph(mp.Graph.GetName())
	im.markNames(mp.Graph)
	if err := im.importGraph(mp.Graph, g, &scope{names: map[string]*ir.Value{}}, opsets); err != nil {
		return nil, err
	}
	if err := ir.Verify(g); err != nil {
		return nil, err
	}
	m.Graph = g
	return m, nil
}

func funcKey(domain, name string) string { return domain + ":" + name }

type importer struct {
	dir   string
	funcs map[string]*onnxpb.FunctionProto
	used  map[string]bool // every value name seen, for fresh names
	fresh int
	// unsupported lists every op of the model dlc does not know, so the
	// error for the first one can name them all.
	unsupported []string
	// sparseBytes is the dense size of the sparse tensors expanded so far.
	sparseBytes int64
	nodeNames   map[string]bool // node names given so far
}

// uniqueNodeName returns base, or base__N if a node already has that name.
func (im *importer) uniqueNodeName(base string) string {
	if im.nodeNames == nil {
		im.nodeNames = map[string]bool{}
	}
	name := base
	for i := 2; im.nodeNames[name]; i++ {
		name = fmt.Sprintf("%s__%d", base, i)
	}
	im.nodeNames[name] = true
	return name
}

// sparseToDense expands a sparse tensor, keeping the total dense size of
// a model's sparse tensors within the tensor limit: a few bytes of sparse
// data must not buy unbounded memory.
func (im *importer) sparseToDense(sp *onnxpb.SparseTensorProto) (*ir.Tensor, error) {
	if sp.GetValues() == nil {
		return nil, fmt.Errorf("sparse tensor: values missing")
	}
	n, _ := dimsProduct(sp.Dims) // bad dims: sparseToDense reports them
	size := int64(max(ir.DType(sp.Values.GetDataType()).Size(), 1))
	if n > ir.TensorLimit()/size || im.sparseBytes+n*size > ir.TensorLimit() {
		return nil, fmt.Errorf("sparse tensor %q: the model's sparse tensors expand to more than the %d-byte tensor limit", sp.GetValues().GetName(), ir.TensorLimit())
	}
	im.sparseBytes += n * size
	return sparseToDense(sp, im.dir)
}

// readOpsets checks the opset imports. Unknown domains are accepted here
// (a model may import a domain it never uses); their nodes fail later.
func (im *importer) readOpsets(ids []*onnxpb.OperatorSetIdProto, top bool) (map[string]int64, error) {
	out := map[string]int64{}
	for _, id := range ids {
		d := normDomain(id.GetDomain())
		v := id.GetVersion()
		if newest, ok := supportedDomains[d]; ok && (v < 1 || v > newest) {
			name := d
			if name == "" {
				name = "ai.onnx"
			}
			return nil, fmt.Errorf("opset %s version %d is not supported (dlc imports 1 to %d)", name, v, newest)
		}
		out[d] = v
	}
	if _, ok := out[""]; !ok && top && len(ids) == 0 {
		// IR version 1 models have no opset_import: they mean opset 1.
		out[""] = 1
	}
	return out, nil
}

func normDomain(d string) string {
	if d == "ai.onnx" {
		return ""
	}
	return d
}

// scope resolves value names, falling back to enclosing graphs' scopes.
type scope struct {
	g      *ir.Graph
	names  map[string]*ir.Value
	parent *scope
}

// valueName is the IR name for a value the model names name in scope sc:
// name itself, or a fresh one when an enclosing scope already defines name
// (a subgraph shadowing an outer value). Lookups still go by the model's
// name; the IR keeps names unique across the model, as ONNX requires and
// export relies on.
func (im *importer) valueName(sc *scope, name string) string {
	if sc.parent != nil && sc.parent.lookup(name) != nil {
		return im.freshName(name)
	}
	return name
}

func (s *scope) lookup(name string) *ir.Value {
	for ; s != nil; s = s.parent {
		if v, ok := s.names[name]; ok {
			return v
		}
	}
	return nil
}

// markNames records every name in a graph so fresh names never collide.
func (im *importer) markNames(gp *onnxpb.GraphProto) {
	for _, v := range gp.Input {
		im.used[v.GetName()] = true
	}
	for _, t := range gp.Initializer {
		im.used[t.GetName()] = true
	}
	for _, n := range gp.Node {
		for _, o := range n.Output {
			im.used[o] = true
		}
		for _, a := range n.Attribute {
			if a.G != nil {
				im.markNames(a.G)
			}
			for _, sg := range a.Graphs {
				im.markNames(sg)
			}
		}
	}
}

// freshName returns a name unused anywhere in the model, based on base.
func (im *importer) freshName(base string) string {
	for {
		im.fresh++
		name := fmt.Sprintf("%s__%d", base, im.fresh)
		if !im.used[name] {
			im.used[name] = true
			return name
		}
	}
}

// importGraph fills g from gp. sc is g's scope; its parent is the
// enclosing graph's.
func (im *importer) importGraph(gp *onnxpb.GraphProto, g *ir.Graph, sc *scope, opsets map[string]int64) error {
	sc.g = g
	inits := map[string]*ir.Value{}
	for _, tp := range gp.Initializer {
		t, err := TensorFromProto(tp, im.dir)
		if err != nil {
			return fmt.Errorf("initializer: %w", err)
		}
		if err := im.addInit(g, sc, inits, tp.GetName(), t); err != nil {
			return err
		}
	}
	for _, sp := range gp.SparseInitializer {
		t, err := im.sparseToDense(sp)
		if err != nil {
			return fmt.Errorf("sparse initializer: %w", err)
		}
		if err := im.addInit(g, sc, inits, sp.GetValues().GetName(), t); err != nil {
			return err
		}
	}
	for _, vi := range gp.Input {
		t, err := typeFromProto(vi.Type)
		if err != nil {
			return fmt.Errorf("graph %q: input %q: %w", gp.GetName(), vi.GetName(), err)
		}
		if v, ok := inits[vi.GetName()]; ok {
			// An initializer listed as input: a default the caller may
			// override. The declared type may be looser than the data
			// (a symbolic batch dim, say), never contradict it.
			if t.Kind != ir.TensorKind || (t.DType != ir.Undefined && t.DType != v.Init.DType) || !t.Shape.Accepts(v.Init.Shape) {
				return fmt.Errorf("graph %q: input %q is declared %s but its initializer is %s", gp.GetName(), vi.GetName(), t, v.Init)
			}
			if t.DType == ir.Undefined {
				t.DType = v.Init.DType
			}
			if t.Shape.Ranked {
				v.Type = t
			}
			g.Inputs = append(g.Inputs, v)
			continue
		}
		if sc.names[vi.GetName()] != nil {
			return fmt.Errorf("graph %q: input %q is declared twice", gp.GetName(), vi.GetName())
		}
		sc.names[vi.GetName()] = g.AddInput(im.valueName(sc, vi.GetName()), t)
	}
	declared := map[string]*onnxpb.ValueInfoProto{}
	for _, vi := range gp.ValueInfo {
		declared[vi.GetName()] = vi
	}
	nodes, err := sortNodes(gp, sc)
	if err != nil {
		return err
	}
	for _, np := range nodes {
		if err := im.convertNode(np, sc, opsets); err != nil {
			return err
		}
	}
	for _, vi := range gp.Output {
		v := sc.lookup(vi.GetName())
		if v == nil {
			return fmt.Errorf("graph %q: output %q is not produced by any node", gp.GetName(), vi.GetName())
		}
		declared[vi.GetName()] = vi
		g.Outputs = append(g.Outputs, v)
	}
	// Declared types fill in what inference could not derive.
	for name, vi := range declared {
		v := sc.names[name]
		if v == nil || vi.Type == nil {
			continue
		}
		t, err := typeFromProto(vi.Type)
		if err != nil {
			return fmt.Errorf("graph %q: value_info %q: %w", gp.GetName(), name, err)
		}
		mergeDeclared(v, t)
	}
	return nil
}

func (im *importer) addInit(g *ir.Graph, sc *scope, inits map[string]*ir.Value, name string, t *ir.Tensor) error {
	if name == "" {
		return fmt.Errorf("graph %q: initializer without a name", g.Name)
	}
	if _, dup := inits[name]; dup {
		return fmt.Errorf("graph %q: initializer %q is defined twice", g.Name, name)
	}
	v := g.AddInit(im.valueName(sc, name), t)
	inits[name] = v
	sc.names[name] = v
	return nil
}

// mergeDeclared keeps inferred facts and takes from the declared type what
// inference left unknown.
func mergeDeclared(v *ir.Value, t ir.Type) {
	cur := &v.Type
	if cur.Kind != t.Kind {
		if cur.Kind == ir.TensorKind && cur.DType == ir.Undefined {
			*cur = t
		}
		return
	}
	if t.Kind != ir.TensorKind {
		if cur.Elem == nil || (cur.Elem.Kind == ir.TensorKind && cur.Elem.DType == ir.Undefined) {
			*cur = t
		}
		return
	}
	if cur.DType == ir.Undefined {
		cur.DType = t.DType
	}
	if !cur.Shape.Ranked {
		cur.Shape = t.Shape
	} else if t.Shape.Ranked && len(t.Shape.Dims) == len(cur.Shape.Dims) {
		for i, d := range cur.Shape.Dims {
			if !d.Known() && d.Sym == "" {
				cur.Shape.Dims[i] = t.Shape.Dims[i]
			}
		}
	}
}

// sortNodes orders nodes so each comes after the producers of the names it
// reads (inputs, and free names of its subgraphs). ONNX requires that order
// already; sorting tolerates exporters that break it, and finds cycles.
func sortNodes(gp *onnxpb.GraphProto, sc *scope) ([]*onnxpb.NodeProto, error) {
	producer := map[string]int{}
	for i, n := range gp.Node {
		for _, o := range n.Output {
			if o != "" {
				producer[o] = i
			}
		}
	}
	deps := make([][]int, len(gp.Node))
	users := make([][]int, len(gp.Node))
	indeg := make([]int, len(gp.Node))
	for i, n := range gp.Node {
		seen := map[int]bool{}
		for _, name := range nodeReads(n) {
			if p, ok := producer[name]; ok && !seen[p] {
				if p == i {
					return nil, fmt.Errorf("graph %q: node %q (%s) reads its own output %q: the graph has a cycle", gp.GetName(), n.GetName(), n.GetOpType(), name)
				}
				seen[p] = true
				deps[i] = append(deps[i], p)
				users[p] = append(users[p], i)
				indeg[i]++
			}
		}
	}
	// Always take the lowest-index ready node, so an order that is already
	// valid comes out unchanged.
	var order []*onnxpb.NodeProto
	ready := &intHeap{}
	for i := range gp.Node {
		if indeg[i] == 0 {
			heap.Push(ready, i)
		}
	}
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, gp.Node[i])
		for _, u := range users[i] {
			indeg[u]--
			if indeg[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	if len(order) != len(gp.Node) {
		for i, n := range gp.Node {
			if indeg[i] > 0 {
				return nil, fmt.Errorf("graph %q: node %q (%s) is on a cycle", gp.GetName(), n.GetName(), n.GetOpType())
			}
		}
	}
	return order, nil
}

// intHeap is a min-heap of node indices.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// nodeReads lists the names a node reads: its inputs and the names its
// subgraphs take from outside themselves.
func nodeReads(n *onnxpb.NodeProto) []string {
	out := append([]string{}, n.Input...)
	if normDomain(n.GetDomain()) == ir.TrainingDomain && n.GetOpType() == "Gradient" {
		for _, a := range n.Attribute {
			if a.GetName() == "y" {
				out = append(out, string(a.GetS())) // differentiates the graph up to y
			}
		}
	}
	for _, a := range n.Attribute {
		if a.G != nil {
			out = append(out, freeNames(a.G)...)
		}
		for _, g := range a.Graphs {
			out = append(out, freeNames(g)...)
		}
	}
	return out
}

func freeNames(g *onnxpb.GraphProto) []string {
	local := map[string]bool{}
	for _, v := range g.Input {
		local[v.GetName()] = true
	}
	for _, t := range g.Initializer {
		local[t.GetName()] = true
	}
	for _, n := range g.Node {
		for _, o := range n.Output {
			local[o] = true
		}
	}
	var out []string
	for _, n := range g.Node {
		for _, name := range nodeReads(n) {
			if name != "" && !local[name] {
				out = append(out, name)
			}
		}
	}
	for _, o := range g.Output {
		if !local[o.GetName()] {
			out = append(out, o.GetName())
		}
	}
	return out
}

// maxInlinedNodes bounds the nodes that inlining model-local functions may
// produce: functions calling functions grow exponentially.
const maxInlinedNodes = 1 << 22

// checkFunctions runs before import and refuses model-local functions that
// call themselves, directly or through others (inlining would never end),
// and call trees that would expand past maxInlinedNodes nodes.
func (im *importer) checkFunctions(g *onnxpb.GraphProto) error {
	const onPath = -1 // size mark of a function being expanded
	size := map[*onnxpb.FunctionProto]int64{}
	var path []string
	var nodesSize func(nodes []*onnxpb.NodeProto) (int64, error)
	funcSize := func(f *onnxpb.FunctionProto) (int64, error) {
		key := funcKey(f.GetDomain(), f.GetName())
		if n, seen := size[f]; seen && n == onPath {
			return 0, fmt.Errorf("function %s calls itself (%s -> %s): recursive functions cannot be inlined",
				key, strings.Join(path, " -> "), key)
		} else if seen {
			return n, nil
		}
		size[f] = onPath
		path = append(path, key)
		n, err := nodesSize(f.Node)
		path = path[:len(path)-1]
		if err != nil {
			return 0, err
		}
		size[f] = n
		return n, nil
	}
	nodesSize = func(nodes []*onnxpb.NodeProto) (int64, error) {
		var total int64
		for _, np := range nodes {
			k := int64(1)
			if f := im.funcs[funcKey(np.GetDomain(), np.GetOpType())]; f != nil {
				n, err := funcSize(f)
				if err != nil {
					return 0, err
				}
				k = n
			}
			for _, a := range np.Attribute {
				sub := a.Graphs
				if a.G != nil {
					sub = append([]*onnxpb.GraphProto{a.G}, sub...)
				}
				for _, sg := range sub {
					n, err := nodesSize(sg.Node)
					if err != nil {
						return 0, err
					}
					k += n
				}
			}
			if total += k; total > maxInlinedNodes {
				return 0, fmt.Errorf("inlining functions would make more than %d nodes", maxInlinedNodes)
			}
		}
		return total, nil
	}
	_, err := nodesSize(g.Node)
	return err
}

// unsupportedOps lists, sorted, the ops of the model (graph, subgraphs and
// local functions) that are neither declared, expanded at import, nor
// model-local functions.
func (im *importer) unsupportedOps(mp *onnxpb.ModelProto) []string {
	seen := map[string]bool{}
	var walk func(nodes []*onnxpb.NodeProto)
	walk = func(nodes []*onnxpb.NodeProto) {
		for _, n := range nodes {
			key := ir.OpKey(normDomain(n.GetDomain()), n.GetOpType())
			if im.funcs[funcKey(n.GetDomain(), n.GetOpType())] == nil && expanders[key] == nil &&
				ir.LookupOp(normDomain(n.GetDomain()), n.GetOpType()) == nil {
				seen[key] = true
			}
			for _, a := range n.Attribute {
				if a.G != nil {
					walk(a.G.Node)
				}
				for _, g := range a.Graphs {
					walk(g.Node)
				}
			}
		}
	}
	walk(mp.Graph.Node)
	for _, f := range mp.Functions {
		walk(f.Node)
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
