package passes

import (
	"github.com/dlc-go/dlc/ir"
)

// ruleAttention matches scaled dot-product attention, rooted at the last
// MatMul:
//
//	Softmax(MatMul(Q, Kt) ⊘ c [+ Mask], last axis) · V
//
// where ⊘ is Div or Mul by a scalar constant (or absent) and Kt is K with
// its last two dims swapped, and makes it one dlc.Attention(Q, K, V,
// Mask). When Kt comes from a Transpose, K is that Transpose's input
// permuted by the Transpose with its last two entries swapped (often the
// identity, which drops it).
func ruleAttention(c *rewriter, n *ir.Node) (bool, error) {
	p, v := n.In(0), n.In(1)
	sm := producer(p)
	if !is(sm, "Softmax") || c.soleUser(p) != n || !isFloat32(p) {
		return false, nil
	}
	r := p.Type.Shape.Rank()
	if r < 2 || v.Type.Shape.Rank() < 2 || (sm.Int("axis") != -1 && sm.Int("axis") != int64(r-1)) {
		return false, nil
	}
	// Walk up from the Softmax input: optional mask Add, optional scale,
	// then the Q·Kᵀ MatMul, each read only by the step after it.
	cur, next := sm.In(0), sm
	var mask *ir.Value
	if a := producer(cur); is(a, "Add") && c.soleUser(cur) == next {
		for i := range 2 {
			sc := producer(a.In(i))
			if mask == nil && (is(sc, "MatMul") || is(sc, "Div") || is(sc, "Mul")) && sameType(a.In(i), cur) {
				cur, mask = a.In(i), a.In(1-i)
			}
		}
		if mask == nil {
			return false, nil
		}
		next = a
	}
	scale := 1.0
	if d := producer(cur); (is(d, "Div") || is(d, "Mul")) && c.soleUser(cur) == next {
		for i := range 2 {
			if i == 1 && is(d, "Div") {
				break // only the divisor may be the constant
			}
			k, ok := scalarOf(d.In(1 - i))
			// The scaled scores keep the MatMul's type: a constant of
			// higher rank would have grown them.
			if ok && k != 0 && sameType(d.In(i), cur) && is(producer(d.In(i)), "MatMul") {
				cur, next, scale = d.In(i), d, k
				if is(d, "Div") {
					scale = 1 / k
				}
				break
			}
		}
	}
	mm := producer(cur)
	if !is(mm, "MatMul") || c.soleUser(cur) != next {
		return false, nil
	}
	q, kt := mm.In(0), mm.In(1)
	kr := kt.Type.Shape.Rank()
	if q.Type.Shape.Rank() < 2 || kr < 2 || !isFloat32(q) || !isFloat32(kt) || !isFloat32(v) {
		return false, nil
	}
	g := n.Owner
	var k *ir.Value
	swap := make([]int, kr)
	for i := range swap {
		swap[i] = i
	}
	swap[kr-1], swap[kr-2] = kr-2, kr-1
	if tr := producer(kt); is(tr, "Transpose") && perm(tr) != nil {
		p1 := perm(tr)
		// K = Transpose(K0, p1 ∘ swap): dim i of K is dim p1[swap[i]] of K0.
		q2 := make([]int, kr)
		for i := range q2 {
			q2[i] = p1[swap[i]]
		}
		if isIdentityPerm(q2) {
			k = tr.In(0)
		} else {
			var err error
			if k, err = c.add(g, "Transpose", "", kt.Name+"_k", map[string]*ir.Attr{"perm": permAttr(q2)}, tr.In(0)); err != nil {
				return false, err
			}
		}
	} else {
		var err error
		if k, err = c.add(g, "Transpose", "", kt.Name+"_k", map[string]*ir.Attr{"perm": permAttr(swap)}, kt); err != nil {
			return false, err
		}
	}
	in := []*ir.Value{q, k, v}
	if mask != nil {
		in = append(in, mask)
	}
	y, err := c.add(g, "Attention", ir.FusedDomain, n.Out(0).Name, map[string]*ir.Attr{"scale": ir.FloatAttr(float32(scale))}, in...)
	if err != nil {
		return false, err
	}
	return true, c.replace(n.Out(0), y)
}

func permAttr(p []int) *ir.Attr {
	out := make([]int64, len(p))
	for i, v := range p {
		out[i] = int64(v)
	}
	return ir.IntsAttr(out...)
}
