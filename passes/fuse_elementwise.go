package passes

import (
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// fuseElementwiseRules turn each maximal group of float32 elementwise
// nodes of one static shape, connected through values no node outside the
// group reads, into one dlc.Elementwise node whose program evaluates the
// group per element in one loop. The rule fires at the group's root (the
// node whose result leaves the group) and collects the group backwards:
// a producer joins when every reader of its result is already in.
var fuseElementwiseRules = elementwiseRules()

// elemRoots are the ops a group can contain (see matchElem).
var elemRoots = []string{"Relu", "Sigmoid", "Tanh", "Exp", "Erf", "Neg", "Abs", "Sqrt", "HardSwish", "Gelu",
	"LeakyRelu", "HardSigmoid", "Clip", "Pow", "Add", "Sub", "Mul", "Div", "Max", "Min", "Where"}

// maxElemGroup bounds a group's size, so that a kernel's per-instruction
// scratch stays small; a longer chain becomes several groups.
const maxElemGroup = 48

func elementwiseRules() []rule {
	rs := make([]rule, len(elemRoots))
	for i, op := range elemRoots {
		rs[i] = rule{"elementwise-group", op, ruleFuseElementwise}
	}
	return rs
}

// elemStep is one node of a group as an instruction: its op in
// ir.ElemOps, its value operands (nil where lits holds a constant) and
// constant parameters. cond is the comparison a Where step takes in
// (see matchWhere).
type elemStep struct {
	op     string
	args   []*ir.Value
	lits   []float32
	params []float32
	cond   *ir.Node
}

// matchElem reports whether n can join a group: a default-domain float32
// op of ir.ElemOps with one output of static shape, float32 operands of
// static shape and constant parameters. One-element float32 constants
// among the operands become literals. A Where matches with the comparison
// it selects by (matchWhere).
func (c *rewriter) matchElem(n *ir.Node) (elemStep, bool) {
	if n.Domain != "" && n.Domain != "ai.onnx" || !onlyOutput(n) || !isFloat32(n.Out(0)) {
		return elemStep{}, false
	}
	if _, ok := staticShape(n.Out(0)); !ok {
		return elemStep{}, false
	}
	s := elemStep{op: n.Op}
	values := 1
	switch n.Op {
	case "Relu", "Sigmoid", "Tanh", "Exp", "Erf", "Neg", "Abs", "Sqrt", "HardSwish":
	case "Gelu":
		switch n.Str("approximate") {
		case "none":
		case "tanh":
			s.op = "GeluTanh"
		default:
			return elemStep{}, false
		}
	case "LeakyRelu":
		s.params = []float32{n.Float("alpha")}
	case "HardSigmoid":
		s.params = []float32{n.Float("alpha"), n.Float("beta")}
	case "Clip":
		lo, hi, ok := clipBounds(n)
		if !ok {
			return elemStep{}, false
		}
		s.params = []float32{lo, hi}
	case "Pow":
		// x², √x and x are what the fast kernels compute exactly.
		e, ok := scalarOf(n.In(1))
		if !ok || (e != 2 && e != 0.5 && e != 1) {
			return elemStep{}, false
		}
		s.params = []float32{float32(e)}
	case "Add", "Sub", "Mul", "Div", "Max", "Min":
		values = 2
	case "Where":
		return c.matchWhere(n)
	default:
		return elemStep{}, false
	}
	if len(n.Inputs) < values || (values == 2 && len(n.Inputs) != 2) {
		return elemStep{}, false
	}
	for _, v := range n.Inputs[:values] {
		if !isFloat32(v) {
			return elemStep{}, false
		}
		if _, ok := staticShape(v); !ok {
			return elemStep{}, false
		}
		if x, ok := scalarOf(v); ok && values == 2 {
			s.args, s.lits = append(s.args, nil), append(s.lits, float32(x))
			continue
		}
		s.args, s.lits = append(s.args, v), append(s.lits, 0)
	}
	return s, true
}

// clipBounds returns Clip's constant bounds (±Inf where omitted).
func clipBounds(n *ir.Node) (lo, hi float32, ok bool) {
	bounds := []float32{float32(math.Inf(-1)), float32(math.Inf(1))}
	for i := range bounds {
		if b := n.In(i + 1); b != nil {
			x, ok := scalarOf(b)
			if !ok {
				return 0, 0, false
			}
			bounds[i] = float32(x)
		}
	}
	return bounds[0], bounds[1], true
}

// elemMember reports whether n can be in the group whose result has the
// static shape of root's.
func (c *rewriter) elemMember(n, root *ir.Node) bool {
	if n == nil || n.Owner != root.Owner {
		return false
	}
	if _, ok := c.matchElem(n); !ok {
		return false
	}
	s, _ := staticShape(n.Out(0))
	r, _ := staticShape(root.Out(0))
	return slices.Equal(s, r)
}

// elemRoot returns the root of the group n belongs to: n itself, unless
// every reader of its result is a member of one group (of n's shape), in
// which case that group's root. memo caches answers within one call.
func (c *rewriter) elemRoot(n *ir.Node, memo map[*ir.Node]*ir.Node) *ir.Node {
	if r, ok := memo[n]; ok {
		return r
	}
	var root *ir.Node
	for _, u := range c.users(n.Out(0)) {
		u = c.whereOf(u)
		if !c.elemMember(u, n) {
			root = nil
			break
		}
		r := c.elemRoot(u, memo)
		if root != nil && r != root {
			root = nil
			break
		}
		root = r
	}
	if root == nil {
		root = n
	}
	memo[n] = root
	return root
}

func ruleFuseElementwise(c *rewriter, n *ir.Node) (bool, error) {
	if _, ok := c.matchElem(n); !ok || c.elemRoot(n, map[*ir.Node]*ir.Node{}) != n {
		return false, nil
	}
	group := c.elemGroup(n)
	if groupNodes(c, group) < 2 {
		return false, nil
	}
	// Instructions in graph order, which is topological.
	pos := map[*ir.Node]int{}
	for i, m := range n.Owner.Nodes {
		pos[m] = i
	}
	slices.SortFunc(group, func(a, b *ir.Node) int { return pos[a] - pos[b] })
	temp := map[*ir.Value]int{}
	input := map[*ir.Value]int{}
	var inputs []*ir.Value
	var inShapes [][]int
	prog := make(ir.ElemProgram, len(group))
	for i, m := range group {
		s, _ := c.matchElem(m)
		inst := ir.ElemInstr{Op: s.op, Params: s.params}
		for j, v := range s.args {
			a := ir.ElemArg{Kind: ir.ElemConst, Value: s.lits[j]}
			if t, ok := temp[v]; ok && v != nil {
				a = ir.ElemArg{Kind: ir.ElemTemp, Index: t}
			} else if v != nil {
				k, ok := input[v]
				if !ok {
					k = len(inputs)
					input[v] = k
					inputs = append(inputs, v)
					sh, _ := staticShape(v)
					inShapes = append(inShapes, sh)
				}
				a = ir.ElemArg{Kind: ir.ElemInput, Index: k}
			}
			inst.Args = append(inst.Args, a)
		}
		prog[i] = inst
		temp[m.Out(0)] = i
	}
	// A literal of higher rank than the rest may have set the result's
	// rank; such a group is left alone.
	want, _ := staticShape(n.Out(0))
	if got, err := ir.BroadcastDims(inShapes...); err != nil || !slices.Equal(got, want) {
		return false, nil
	}
	attrs := map[string]*ir.Attr{"program": ir.StringsAttr(prog.Strings()...)}
	y, err := c.add(n.Owner, "Elementwise", ir.FusedDomain, n.Out(0).Name, attrs, inputs...)
	if err != nil {
		return false, err
	}
	return true, c.replace(n.Out(0), y)
}

// elemGroup collects the group rooted at root: producers of members'
// operands join, to a fixed point, once every reader of their result is a
// member (or the comparison a member Where takes in).
func (c *rewriter) elemGroup(root *ir.Node) []*ir.Node {
	in := map[*ir.Node]bool{}
	var group []*ir.Node
	join := func(m *ir.Node) {
		in[m] = true
		group = append(group, m)
		if s, _ := c.matchElem(m); s.cond != nil {
			in[s.cond] = true
		}
	}
	join(root)
	for grew := true; grew; {
		grew = false
		for i := 0; i < len(group) && len(group) < maxElemGroup; i++ {
			s, _ := c.matchElem(group[i])
			for _, v := range s.args {
				p := producer(v)
				if p == nil || in[p] || !c.elemMember(p, root) {
					continue
				}
				us := c.users(v)
				if len(us) == 0 || slices.ContainsFunc(us, func(u *ir.Node) bool { return !in[u] }) {
					continue
				}
				join(p)
				grew = true
			}
		}
	}
	return group
}
