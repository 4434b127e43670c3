package passes

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// fuseGemmRules turn float32 Gemm (+ Add of a residual as its C) (+
// activation) into dlc.FusedGemm, and MatMul (+ Add of a bias along the
// last dim) (+ Add of a residual of the result's shape) (+ activation)
// into dlc.FusedMatMul, when the intermediate values have no other
// reader.
// The Transpose folds (fuse_matmul_transpose.go) come after, so a MatMul
// takes its bias first.
var fuseGemmRules = append([]rule{
	{"gemm-residual-act", "Gemm", ruleFuseGemm},
	{"matmul-bias-residual-act", "MatMul", ruleFuseMatMul},
}, fuseMatMulTransposeRules...)

func ruleFuseGemm(c *rewriter, n *ir.Node) (bool, error) {
	if !isFloat32(n.In(0)) || !isFloat32(n.In(1)) {
		return false, nil
	}
	attrs := map[string]*ir.Attr{}
	for k, a := range n.Attrs {
		attrs[k] = a
	}
	in := slices.Clone(n.Inputs)
	cur := n.Out(0)
	steps := 0
	// Without C, an Add of a tensor of the result's shape is C with beta 1.
	if len(in) < 3 || in[2] == nil {
		if z := c.residualOf(cur); z != nil {
			in = append(in[:2], z)
			attrs["beta"] = ir.FloatAttr(1)
			cur = c.soleUser(cur).Out(0)
			steps++
		}
	}
	act, out, ok := c.matchActivation(cur)
	if ok {
		cur = out
		steps++
	}
	if steps == 0 {
		return false, nil
	}
	act.attrs(attrs)
	y, err := c.add(n.Owner, "FusedGemm", ir.FusedDomain, cur.Name, attrs, in...)
	if err != nil {
		return false, err
	}
	return true, c.replace(cur, y)
}

func ruleFuseMatMul(c *rewriter, n *ir.Node) (bool, error) {
	if !isFloat32(n.In(0)) || !isFloat32(n.In(1)) {
		return false, nil
	}
	ys := n.Out(0).Type.Shape
	if ys.Rank() < 1 || !ys.Dims[ys.Rank()-1].Known() {
		return false, nil
	}
	last := int(ys.Dims[ys.Rank()-1].Size)
	in := []*ir.Value{n.In(0), n.In(1)}
	cur := n.Out(0)
	steps := 0
	if u := c.soleUser(cur); is(u, "Add") {
		k, _ := other(u, cur)
		// A bias of rank at most cur's broadcasts without growing cur.
		if b := lastDimBias(k, last); b != nil && k.Type.Shape.Rank() <= ys.Rank() {
			if k.Type.Shape.Rank() != 1 {
				b = c.constant(n.Owner, k.Name+"_vec", ir.FromSlice([]int{last}, slices.Clone(constOf(k).Data.([]float32))))
			}
			in = append(in, b)
			cur = u.Out(0)
			steps++
		}
	}
	if z := c.residualOf(cur); z != nil {
		for len(in) < 3 {
			in = append(in, nil)
		}
		in = append(in, z)
		cur = c.soleUser(cur).Out(0)
		steps++
	}
	act, out, ok := c.matchActivation(cur)
	if ok {
		cur = out
		steps++
	}
	if steps == 0 {
		return false, nil
	}
	attrs := map[string]*ir.Attr{}
	act.attrs(attrs)
	y, err := c.add(n.Owner, "FusedMatMul", ir.FusedDomain, cur.Name, attrs, in...)
	if err != nil {
		return false, err
	}
	return true, c.replace(cur, y)
}

// residualOf returns z when the sole reader of v is Add(v, z) with z, v
// and the sum all of one static type: a residual the fused op can add.
func (c *rewriter) residualOf(v *ir.Value) *ir.Value {
	u := c.soleUser(v)
	if !is(u, "Add") || !sameStaticType(u.Out(0), v) {
		return nil
	}
	if z, _ := other(u, v); z != v && sameStaticType(z, v) {
		return z
	}
	return nil
}

// lastDimBias returns k when it is a float32 vector of n elements along
// the last dim: a 1-D value [n], or a constant [1,...,1,n].
func lastDimBias(k *ir.Value, n int) *ir.Value {
	dims, ok := staticShape(k)
	if !ok || !isFloat32(k) || len(dims) == 0 || dims[len(dims)-1] != n {
		return nil
	}
	if len(dims) == 1 {
		return k
	}
	for _, d := range dims[:len(dims)-1] {
		if d != 1 {
			return nil
		}
	}
	if constOf(k) == nil {
		return nil
	}
	return k
}
