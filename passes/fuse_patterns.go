package passes

import (
	"math"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// fusePatternRules recognize the decompositions PyTorch 1.13 exports for ops
// ONNX (or dlc) has whole: LayerNorm, exact GELU, Softmax written with
// Exp/ReduceSum/Div, and scaled dot-product attention.
var fusePatternRules = []rule{
	{"layernorm", "Div", ruleLayerNorm},
	{"gelu", "Erf", ruleGelu},
	{"softmax", "Div", ruleSoftmax},
	{"attention", "MatMul", ruleAttention},
}

// reduceAxes returns the sorted, non-negative axes of reduction n over an
// input of known rank, when they are constant and keepdims is set.
func reduceAxes(n *ir.Node) ([]int, bool) {
	r := n.InType(0).Shape.Rank()
	if r < 0 || n.Int("keepdims") != 1 {
		return nil, false
	}
	var axes []int
	if a := n.In(1); a != nil {
		t := constOf(a)
		if t == nil {
			return nil, false
		}
		for _, v := range t.Int64s() {
			if v < 0 {
				v += int64(r)
			}
			axes = append(axes, int(v))
		}
	}
	if len(axes) == 0 {
		if n.Int("noop_with_empty_axes") != 0 {
			return nil, false
		}
		for i := range r {
			axes = append(axes, i)
		}
	}
	slices.Sort(axes)
	return axes, true
}

// trailing reports whether axes are exactly [k, r) for some k, and k.
func trailing(axes []int, r int) (int, bool) {
	if len(axes) == 0 {
		return 0, false
	}
	k := axes[0]
	for i, a := range axes {
		if a != k+i {
			return 0, false
		}
	}
	return k, axes[len(axes)-1] == r-1
}

// near reports whether x is within a float32 rounding of want.
func near(x, want float64) bool { return math.Abs(x-want) <= 1e-6*math.Abs(want) }

// ruleLayerNorm matches, rooted at the Div,
//
//	d = x - ReduceMean(x);  y = d / Sqrt(ReduceMean(Pow(d, 2)) + eps)
//
// over trailing axes, optionally followed by Mul γ and Add β, and makes it
// one LayerNormalization.
func ruleLayerNorm(c *rewriter, div *ir.Node) (bool, error) {
	d, sq := div.In(0), producer(div.In(1))
	sub := producer(d)
	if !is(sub, "Sub") || !is(sq, "Sqrt") || !d.Type.DType.IsFloat() {
		return false, nil
	}
	x, mean := sub.In(0), producer(sub.In(1))
	if !is(mean, "ReduceMean") || mean.In(0) != x || c.soleUser(mean.Out(0)) != sub {
		return false, nil
	}
	axes, ok := reduceAxes(mean)
	r := x.Type.Shape.Rank()
	k, okT := trailing(axes, r)
	if !ok || !okT {
		return false, nil
	}
	addEps := producer(sq.In(0))
	if !is(addEps, "Add") || c.soleUser(sq.Out(0)) != div || c.soleUser(addEps.Out(0)) != sq {
		return false, nil
	}
	var variance *ir.Node
	var eps float64
	for i := range 2 {
		if e, ok := scalarOf(addEps.In(1 - i)); ok && is(producer(addEps.In(i)), "ReduceMean") {
			variance, eps = producer(addEps.In(i)), e
		}
	}
	if variance == nil || c.soleUser(variance.Out(0)) != addEps {
		return false, nil
	}
	if vaxes, ok := reduceAxes(variance); !ok || !slices.Equal(vaxes, axes) {
		return false, nil
	}
	pow := producer(variance.In(0))
	if !is(pow, "Pow") || pow.In(0) != d || c.soleUser(pow.Out(0)) != variance {
		return false, nil
	}
	if e, ok := scalarOf(pow.In(1)); !ok || e != 2 {
		return false, nil
	}
	// An eps (or mean) of higher rank than x broadcasts the result to a
	// bigger shape than LayerNormalization's.
	if !sameType(div.Out(0), x) {
		return false, nil
	}
	if us := c.users(d); len(us) != 2 {
		return false, nil
	}
	var norm []int
	for _, d := range x.Type.Shape.Dims[k:] {
		if !d.Known() {
			return false, nil
		}
		norm = append(norm, int(d.Size))
	}
	out := div.Out(0)
	var bias *ir.Tensor
	scale := paramOf(c, out, "Mul", norm, x.Type.DType)
	if scale != nil {
		out = c.soleUser(out).Out(0)
		if b := paramOf(c, out, "Add", norm, x.Type.DType); b != nil {
			bias = b
			out = c.soleUser(out).Out(0)
		}
	}
	g := div.Owner
	var sv, bv *ir.Value
	if scale == nil {
		ones := ir.Zeros(x.Type.DType, norm)
		for i := 0; i < ones.Len(); i++ {
			ones.SetFloat64At(i, 1)
		}
		sv = c.constant(g, "ln_scale", ones)
	} else {
		sv = c.constant(g, "ln_scale", scale)
	}
	in := []*ir.Value{x, sv}
	if bias != nil {
		bv = c.constant(g, "ln_bias", bias)
		in = append(in, bv)
	}
	attrs := map[string]*ir.Attr{"axis": ir.IntAttr(int64(k)), "epsilon": ir.FloatAttr(float32(eps))}
	y, err := c.add(g, "LayerNormalization", "", out.Name, attrs, in...)
	if err != nil {
		return false, err
	}
	return true, c.replace(out, y)
}

// paramOf matches the sole reader of v being op (Mul or Add) with a
// constant of dtype dt that broadcasts as the trailing dims norm without
// changing v's shape (its rank is at most v's); it returns that constant
// reshaped to norm.
func paramOf(c *rewriter, v *ir.Value, op string, norm []int, dt ir.DType) *ir.Tensor {
	u := c.soleUser(v)
	if !is(u, op) {
		return nil
	}
	k, _ := other(u, v)
	t := constOf(k)
	if t == nil || t.DType != dt || t.Rank() > v.Type.Shape.Rank() {
		return nil
	}
	n, _ := ir.NumElements(norm)
	if t.Len() != n {
		return nil
	}
	// Leading 1s aside, the constant's dims must be norm's.
	dims := t.Shape
	for len(dims) > len(norm) && dims[0] == 1 {
		dims = dims[1:]
	}
	if !slices.Equal(dims, norm) {
		return nil
	}
	return t.Reshaped(slices.Clone(norm))
}

// ruleGelu matches x·0.5·(1 + Erf(x/√2)) in the orders PyTorch emits —
// (x·a)·0.5, x·(a·0.5), (x·0.5)·a with a = 1 + Erf(x/√2), and x·(1/√2)
// for the division — and makes it one exact Gelu.
func ruleGelu(c *rewriter, erf *ir.Node) (bool, error) {
	t := producer(erf.In(0))
	if t == nil || c.soleUser(t.Out(0)) != erf {
		return false, nil
	}
	var x *ir.Value
	switch {
	case is(t, "Div"):
		if k, ok := scalarOf(t.In(1)); ok && near(k, math.Sqrt2) {
			x = t.In(0)
		}
	case is(t, "Mul"):
		for i := range 2 {
			if k, ok := scalarOf(t.In(1 - i)); ok && near(k, 1/math.Sqrt2) {
				x = t.In(i)
			}
		}
	}
	if x == nil || !x.Type.DType.IsFloat() || x.Type.Shape.Rank() < 0 {
		return false, nil
	}
	// Every constant of the pattern is one element of rank at most x's,
	// so no step broadcasts x to a bigger shape.
	for _, n := range []*ir.Node{t} {
		for _, v := range n.Inputs {
			if v != x && v.Type.Shape.Rank() > x.Type.Shape.Rank() {
				return false, nil
			}
		}
	}
	add := c.soleUser(erf.Out(0))
	if !is(add, "Add") {
		return false, nil
	}
	if one, _ := other(add, erf.Out(0)); !allEqual(one, 1) || constOf(one).Len() != 1 || one.Type.Shape.Rank() > x.Type.Shape.Rank() {
		return false, nil
	}
	a := add.Out(0)
	m1 := c.soleUser(a)
	if !is(m1, "Mul") {
		return false, nil
	}
	isHalf := func(v *ir.Value) bool {
		h, ok := scalarOf(v)
		return ok && h == 0.5 && v.Type.Shape.Rank() <= x.Type.Shape.Rank()
	}
	o, _ := other(m1, a)
	var out *ir.Value
	switch h := producer(o); {
	case o == x: // (x·a)·0.5
		if m2 := c.soleUser(m1.Out(0)); is(m2, "Mul") {
			if k, _ := other(m2, m1.Out(0)); isHalf(k) {
				out = m2.Out(0)
			}
		}
	case isHalf(o): // x·(a·0.5)
		if m2 := c.soleUser(m1.Out(0)); is(m2, "Mul") {
			if k, _ := other(m2, m1.Out(0)); k == x {
				out = m2.Out(0)
			}
		}
	case is(h, "Mul") && c.soleUser(o) == m1: // (x·0.5)·a
		if k, ok := other(h, x); ok && isHalf(k) {
			out = m1.Out(0)
		}
	}
	if out == nil {
		return false, nil
	}
	y, err := c.add(erf.Owner, "Gelu", "", out.Name, nil, x)
	if err != nil {
		return false, err
	}
	return true, c.replace(out, y)
}

// ruleSoftmax matches Exp(z) / ReduceSum(Exp(z), axis, keepdims) over one
// axis, with z = x or z = x - ReduceMax(x, same axis), and makes it
// Softmax(x, axis).
func ruleSoftmax(c *rewriter, div *ir.Node) (bool, error) {
	e, sum := div.In(0), producer(div.In(1))
	exp := producer(e)
	if !is(exp, "Exp") || !is(sum, "ReduceSum") || sum.In(0) != e || c.soleUser(sum.Out(0)) != div {
		return false, nil
	}
	if us := c.users(e); len(us) != 2 {
		return false, nil
	}
	axes, ok := reduceAxes(sum)
	if !ok || len(axes) != 1 {
		return false, nil
	}
	x := exp.In(0)
	if s := producer(x); is(s, "Sub") && c.soleUser(x) == exp {
		if mx := producer(s.In(1)); is(mx, "ReduceMax") && mx.In(0) == s.In(0) && c.soleUser(mx.Out(0)) == s {
			if maxAxes, ok := reduceAxes(mx); ok && slices.Equal(maxAxes, axes) {
				x = s.In(0)
			}
		}
	}
	if !x.Type.DType.IsFloat() {
		return false, nil
	}
	y, err := c.add(div.Owner, "Softmax", "", div.Out(0).Name, map[string]*ir.Attr{"axis": ir.IntAttr(int64(axes[0]))}, x)
	if err != nil {
		return false, err
	}
	return true, c.replace(div.Out(0), y)
}
