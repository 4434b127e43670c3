package passes

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// fuseGemmRules turn float32 Gemm + activation into dlc.FusedGemm, and MatMul
// (+ Add of a bias along the last dim) (+ activation) into
// dlc.FusedMatMul, when the intermediate values have no other reader.
var fuseGemmRules = []rule{
	{"gemm-act", "Gemm", ruleFuseGemm},
	{"matmul-bias-act", "MatMul", ruleFuseMatMul},
}

func ruleFuseGemm(c *rewriter, n *ir.Node) (bool, error) {
	if !isFloat32(n.In(0)) || !isFloat32(n.In(1)) {
		return false, nil
	}
	act, out, ok := c.matchActivation(n.Out(0))
	if !ok {
		return false, nil
	}
	attrs := map[string]*ir.Attr{}
	for k, a := range n.Attrs {
		attrs[k] = a
	}
	act.attrs(attrs)
	y, err := c.add(n.Owner, "FusedGemm", ir.FusedDomain, out.Name, attrs, n.Inputs...)
	if err != nil {
		return false, err
	}
	return true, c.replace(out, y)
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
