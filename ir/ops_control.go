package ir

// Control-flow operators: If, Loop and Scan. Their bodies are graph
// attributes (subgraphs of the node's graph) that may read values of
// enclosing graphs. Output types are inferred from the body outputs.
//
// Scan's canonical form is the opset-9+ one (scan_input_axes and friends,
// no batch axis). The frontend rewrites opset-8 Scan, which had a leading
// batch axis and a sequence_lens input, into a Loop over the batch whose
// body runs an opset-9 Scan on one batch element.

func init() {
	Register(
		&OpDef{Name: "If", Since: 1, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: -1,
			Attrs: []AttrDef{ReqAttr("then_branch", AttrGraph), ReqAttr("else_branch", AttrGraph)},
			Infer: inferIf,
			Doc:   "runs then_branch if the boolean scalar cond is true, else else_branch, and returns that branch's outputs"},
		// Loop inputs: M (optional max trip count), cond (optional), then
		// the loop-carried initial values. Both M and cond may be omitted,
		// so no input slot is required.
		&OpDef{Name: "Loop", Since: 1, Version: 11, MinInputs: 0, MaxInputs: -1, MinOutputs: 1, MaxOutputs: -1,
			Attrs: []AttrDef{ReqAttr("body", AttrGraph)},
			Infer: inferLoop,
			Doc:   "runs body while i < M and cond hold; outputs the final loop-carried values then the per-iteration scan outputs stacked on a new axis 0"},
		&OpDef{Name: "Scan", Since: 8, Version: 11, MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: -1,
			Attrs: []AttrDef{ReqAttr("body", AttrGraph), ReqAttr("num_scan_inputs", AttrInt),
				OptAttr("scan_input_axes", AttrInts), OptAttr("scan_input_directions", AttrInts),
				OptAttr("scan_output_axes", AttrInts), OptAttr("scan_output_directions", AttrInts)},
			Infer: inferScan,
			Doc:   "runs body once per slice of the scan inputs along their scan axes, threading the state inputs; outputs final states then the stacked scan outputs"},
	)
}

// graphOutType returns the declared/inferred type of output i of g, or the
// zero Type.
func graphOutType(g *Graph, i int) Type {
	if g == nil || i >= len(g.Outputs) || g.Outputs[i] == nil {
		return Type{}
	}
	return g.Outputs[i].Type
}

// typeKnown reports whether t says anything: a non-tensor kind or a dtype.
func typeKnown(t Type) bool { return t.Kind != TensorKind || t.DType != Undefined }

// mergeTypes returns a type that both a and b fit: equal parts are kept,
// differing tensor dims or ranks become unknown.
func mergeTypes(a, b Type) Type {
	if !typeKnown(b) {
		return a
	}
	if !typeKnown(a) {
		return b
	}
	if a.Kind != b.Kind {
		return a
	}
	if a.Kind != TensorKind {
		if a.Elem == nil || b.Elem == nil {
			return a
		}
		e := mergeTypes(*a.Elem, *b.Elem)
		return Type{Kind: a.Kind, Elem: &e}
	}
	out := TensorType(a.DType, a.Shape)
	if !a.Shape.Ranked || !b.Shape.Ranked || len(a.Shape.Dims) != len(b.Shape.Dims) {
		out.Shape = UnrankedShape
		return out
	}
	dims := make([]Dim, len(a.Shape.Dims))
	for i, d := range a.Shape.Dims {
		if d != b.Shape.Dims[i] {
			d = Unknown()
		}
		dims[i] = d
	}
	out.Shape = Shape{Ranked: true, Dims: dims}
	return out
}

func inferIf(n *Node) error {
	th, el := n.GraphAttr("then_branch"), n.GraphAttr("else_branch")
	for o := range n.Outputs {
		n.SetOut(o, mergeTypes(graphOutType(th, o), graphOutType(el, o)))
	}
	return nil
}

// stackedType is the type of per-iteration values of type t stacked on a
// new axis at position axis (unknown length).
func stackedType(t Type, axis int) Type {
	if t.Kind != TensorKind {
		return t
	}
	out := TensorType(t.DType, UnrankedShape)
	if t.Shape.Ranked {
		r := len(t.Shape.Dims)
		if axis < 0 {
			axis += r + 1
		}
		if axis >= 0 && axis <= r {
			dims := append([]Dim{}, t.Shape.Dims[:axis]...)
			dims = append(dims, Unknown())
			dims = append(dims, t.Shape.Dims[axis:]...)
			out.Shape = Shape{Ranked: true, Dims: dims}
		}
	}
	return out
}

func inferLoop(n *Node) error {
	body := n.GraphAttr("body")
	nCarried := max(len(n.Inputs)-2, 0)
	for o := range n.Outputs {
		bt := graphOutType(body, o+1) // body output 0 is the condition
		if o < nCarried {
			// A loop-carried value may change type across iterations
			// (an optional becoming its element): prefer the body's.
			t := bt
			if !typeKnown(t) {
				t = n.InType(o + 2)
			}
			n.SetOut(o, t)
			continue
		}
		n.SetOut(o, stackedType(bt, 0))
	}
	return nil
}

func inferScan(n *Node) error {
	body := n.GraphAttr("body")
	nState := len(n.Inputs) - int(n.Int("num_scan_inputs"))
	axes := n.Ints("scan_output_axes")
	for o := range n.Outputs {
		bt := graphOutType(body, o)
		if o < nState {
			if !typeKnown(bt) {
				bt = n.InType(o)
			}
			n.SetOut(o, bt)
			continue
		}
		axis := 0
		if k := o - nState; k < len(axes) {
			axis = int(axes[k])
		}
		n.SetOut(o, stackedType(bt, axis))
	}
	return nil
}
