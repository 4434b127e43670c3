package passes

import (
	"github.com/dlc-go/dlc/ir"
)

// Where(Greater(x, c), a, b) and its relatives with GreaterOrEqual, Less
// and LessOrEqual are how autodiff writes the gradients of Relu,
// LeakyRelu and ThresholdedRelu. Unfused they are two passes over memory
// with a bool tensor between; in a dlc.Elementwise group the pair is one
// Where<Cmp> instruction of float32 operands, and the Where can join the
// chain its a or b come from.

// whereCmps are the comparisons a Where instruction takes in.
var whereCmps = map[string]bool{"Greater": true, "GreaterOrEqual": true, "Less": true, "LessOrEqual": true}

// matchWhere matches a Where whose condition is a comparison of two
// float32 values of static shape, read by nothing else (so that it goes
// away with the Where), and whose a and b are float32 of static shape.
// The step reads x, c, a and b; one-element constants become literals.
func (c *rewriter) matchWhere(n *ir.Node) (elemStep, bool) {
	cond := c.whereCond(n)
	if cond == nil || len(n.Inputs) != 3 {
		return elemStep{}, false
	}
	s := elemStep{op: "Where" + cond.Op, cond: cond}
	for _, v := range []*ir.Value{cond.In(0), cond.In(1), n.In(1), n.In(2)} {
		if !isFloat32(v) {
			return elemStep{}, false
		}
		if _, ok := staticShape(v); !ok {
			return elemStep{}, false
		}
		if x, ok := scalarOf(v); ok {
			s.args, s.lits = append(s.args, nil), append(s.lits, float32(x))
			continue
		}
		s.args, s.lits = append(s.args, v), append(s.lits, 0)
	}
	return s, true
}

// whereCond returns the comparison node producing the condition of Where
// n, when it is one of whereCmps, in the default domain, with two
// operands, and n is the only reader of its result; otherwise nil.
func (c *rewriter) whereCond(n *ir.Node) *ir.Node {
	if n.Op != "Where" || n.Domain != "" && n.Domain != "ai.onnx" {
		return nil
	}
	p := producer(n.In(0))
	if p == nil || !whereCmps[p.Op] || p.Domain != "" && p.Domain != "ai.onnx" || len(p.Inputs) != 2 ||
		!onlyOutput(p) || c.soleUser(p.Out(0)) != n {
		return nil
	}
	return p
}

// whereOf returns the Where that takes in comparison u (as matchWhere
// does), or u itself: for grouping, a reader of x through such a
// comparison reads x through the Where.
func (c *rewriter) whereOf(u *ir.Node) *ir.Node {
	if u == nil || !whereCmps[u.Op] || !onlyOutput(u) {
		return u
	}
	w := c.soleUser(u.Out(0))
	if w == nil || c.whereCond(w) != u {
		return u
	}
	if _, ok := c.matchWhere(w); !ok {
		return u
	}
	return w
}

// groupNodes counts the nodes a group replaces: its members and the
// comparisons its Where steps take in.
func groupNodes(c *rewriter, group []*ir.Node) int {
	n := len(group)
	for _, m := range group {
		if s, _ := c.matchElem(m); s.cond != nil {
			n++
		}
	}
	return n
}
