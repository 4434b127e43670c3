package passes

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// simplifyRules remove nodes that compute their input unchanged and merge
// chains of layout ops.
var simplifyRules = []rule{
	{"identity", "Identity", ruleForward},
	{"dropout-inference", "Dropout", ruleDropout},
	{"noop-reshape", "Reshape", ruleSameType},
	{"noop-flatten", "Flatten", ruleSameType},
	{"noop-squeeze", "Squeeze", ruleSameType},
	{"noop-unsqueeze", "Unsqueeze", ruleSameType},
	{"noop-expand", "Expand", ruleSameType},
	{"noop-cast", "Cast", ruleNoopCast},
	{"noop-transpose", "Transpose", ruleNoopTranspose},
	{"noop-mul-one", "Mul", ruleArithIdentity(1, true)},
	{"noop-div-one", "Div", ruleArithIdentity(1, false)},
	{"noop-add-zero", "Add", ruleArithIdentity(0, true)},
	{"noop-sub-zero", "Sub", ruleArithIdentity(0, false)},
	{"reshape-chain", "Reshape", ruleReshapeChain},
	{"reshape-chain", "Flatten", ruleReshapeChain},
	{"reshape-chain", "Squeeze", ruleReshapeChain},
	{"reshape-chain", "Unsqueeze", ruleReshapeChain},
	{"transpose-chain", "Transpose", ruleTransposeChain},
	{"cast-chain", "Cast", ruleCastChain},
}

// ruleForward replaces a node's output by its first input.
func ruleForward(c *rewriter, n *ir.Node) (bool, error) {
	if !onlyOutput(n) || n.In(0) == nil {
		return false, nil
	}
	return true, c.replace(n.Out(0), n.In(0))
}

// ruleDropout: Dropout in inference mode (training_mode absent or a false
// constant) is the identity when its mask is not read.
func ruleDropout(c *rewriter, n *ir.Node) (bool, error) {
	if m := n.Out(1); m != nil && len(c.uses[m]) > 0 {
		return false, nil
	}
	if tm := n.In(2); tm != nil {
		if t := constOf(tm); t == nil || t.Len() != 1 || t.Float64At(0) != 0 {
			return false, nil
		}
	}
	return true, c.replace(n.Out(0), n.In(0))
}

// ruleSameType removes a layout op or Cast whose output has its input's
// dtype and static shape: it copies the data unchanged.
func ruleSameType(c *rewriter, n *ir.Node) (bool, error) {
	if !onlyOutput(n) || !sameStaticType(n.In(0), n.Out(0)) {
		return false, nil
	}
	return true, c.replace(n.Out(0), n.In(0))
}

// ruleNoopCast removes a Cast to its input's own dtype, whatever the shape.
func ruleNoopCast(c *rewriter, n *ir.Node) (bool, error) {
	x := n.In(0)
	if x.Type.Kind != ir.TensorKind || x.Type.DType == ir.Undefined || ir.DType(n.Int("to")) != x.Type.DType {
		return false, nil
	}
	return true, c.replace(n.Out(0), x)
}

// perm returns the permutation of Transpose n (reversed dims when the
// attribute is absent), or nil when the rank is unknown.
func perm(n *ir.Node) []int {
	if p := n.Ints("perm"); len(p) > 0 {
		out := make([]int, len(p))
		for i, v := range p {
			out[i] = int(v)
		}
		return out
	}
	r := n.InType(0).Shape.Rank()
	if r < 0 {
		return nil
	}
	out := make([]int, r)
	for i := range out {
		out[i] = r - 1 - i
	}
	return out
}

func isIdentityPerm(p []int) bool {
	for i, v := range p {
		if v != i {
			return false
		}
	}
	return p != nil
}

func ruleNoopTranspose(c *rewriter, n *ir.Node) (bool, error) {
	if !isIdentityPerm(perm(n)) {
		return false, nil
	}
	return true, c.replace(n.Out(0), n.In(0))
}

// ruleArithIdentity removes x op k where k is a constant of all `unit`
// (1 for Mul and Div, 0 for Add and Sub) and the result has x's dtype and
// static shape (k does not broadcast it). commutative ops accept k on
// either side. (x + 0 turns -0 into +0; like other compilers, dlc does
// not keep the sign of a zero through this.)
func ruleArithIdentity(unit float64, commutative bool) func(*rewriter, *ir.Node) (bool, error) {
	return func(c *rewriter, n *ir.Node) (bool, error) {
		for i := range 2 {
			if i == 0 && !commutative {
				continue
			}
			k, x := n.In(i), n.In(1-i)
			if allEqual(k, unit) && x.Type.DType.IsNumeric() && sameStaticType(x, n.Out(0)) {
				return true, c.replace(n.Out(0), x)
			}
		}
		return false, nil
	}
}

var reshapeLike = []string{"Reshape", "Flatten", "Squeeze", "Unsqueeze"}

// ruleReshapeChain merges a reshape-like op whose input comes from another
// one into a single Reshape of the first one's input: with the static
// output shape when known, else with the outer Reshape's own constant
// shape (when it has no 0 entries, which would copy dims of the input
// that the merge changes).
func ruleReshapeChain(c *rewriter, n *ir.Node) (bool, error) {
	inner := producer(n.In(0))
	if inner == nil || !slices.ContainsFunc(reshapeLike, func(op string) bool { return is(inner, op) }) {
		return false, nil
	}
	var shape *ir.Tensor
	if dims, ok := staticShape(n.Out(0)); ok && !slices.Contains(dims, 0) {
		shape = int64Tensor(dims)
	} else if is(n, "Reshape") {
		t := constOf(n.In(1))
		if t == nil || n.Int("allowzero") != 0 || slices.Contains(t.Int64s(), 0) {
			return false, nil
		}
		shape = t
	} else {
		return false, nil
	}
	s := c.constant(n.Owner, "shape", shape)
	y, err := c.add(n.Owner, "Reshape", "", n.Out(0).Name, nil, inner.In(0), s)
	if err != nil {
		return false, err
	}
	return true, c.replace(n.Out(0), y)
}

// ruleTransposeChain composes Transpose(Transpose(x, p1), p2) into one
// Transpose (or x when the composition is the identity).
func ruleTransposeChain(c *rewriter, n *ir.Node) (bool, error) {
	inner := producer(n.In(0))
	if !is(inner, "Transpose") {
		return false, nil
	}
	p1, p2 := perm(inner), perm(n)
	if p1 == nil || p2 == nil || len(p1) != len(p2) {
		return false, nil
	}
	q := composePerm(p1, p2)
	if isIdentityPerm(q) {
		return true, c.replace(n.Out(0), inner.In(0))
	}
	y, err := c.add(n.Owner, "Transpose", "", n.Out(0).Name, map[string]*ir.Attr{"perm": permAttr(q)}, inner.In(0))
	if err != nil {
		return false, err
	}
	return true, c.replace(n.Out(0), y)
}

// ruleCastChain: Cast(Cast(x, A), B) is Cast(x, B) when A holds every
// value of x's dtype exactly, so the first cast loses nothing, and B is
// not string: text depends on the dtype printed (int32 5 prints "5", its
// float64 "5.0"; float32 0.1 prints "0.1", its float64 more digits).
func ruleCastChain(c *rewriter, n *ir.Node) (bool, error) {
	inner := producer(n.In(0))
	if !is(inner, "Cast") {
		return false, nil
	}
	x := inner.In(0)
	from, mid, to := x.Type.DType, inner.Out(0).Type.DType, n.Out(0).Type.DType
	if from == ir.Undefined || to == ir.Undefined || to == ir.String || !lossless(from, mid) {
		return false, nil
	}
	if from == to {
		return true, c.replace(n.Out(0), x)
	}
	y, err := c.add(n.Owner, "Cast", "", n.Out(0).Name, map[string]*ir.Attr{"to": ir.IntAttr(int64(to))}, x)
	if err != nil {
		return false, err
	}
	return true, c.replace(n.Out(0), y)
}

// lossless reports whether every value of dtype a converts to b exactly
// (and back).
func lossless(a, b ir.DType) bool {
	if a == b {
		return true
	}
	rank := map[ir.DType][]ir.DType{
		ir.Bool:    {ir.Int8, ir.Uint8, ir.Int16, ir.Uint16, ir.Int32, ir.Uint32, ir.Int64, ir.Uint64, ir.Float16, ir.Float32, ir.Float64},
		ir.Int8:    {ir.Int16, ir.Int32, ir.Int64, ir.Float16, ir.Float32, ir.Float64},
		ir.Uint8:   {ir.Int16, ir.Uint16, ir.Int32, ir.Uint32, ir.Int64, ir.Uint64, ir.Float16, ir.Float32, ir.Float64},
		ir.Int16:   {ir.Int32, ir.Int64, ir.Float32, ir.Float64},
		ir.Uint16:  {ir.Int32, ir.Uint32, ir.Int64, ir.Uint64, ir.Float32, ir.Float64},
		ir.Int32:   {ir.Int64, ir.Float64},
		ir.Uint32:  {ir.Int64, ir.Uint64, ir.Float64},
		ir.Float16: {ir.Float32, ir.Float64},
		ir.Float32: {ir.Float64},
	}
	return slices.Contains(rank[a], b)
}
