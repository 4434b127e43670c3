package ir

import (
	"fmt"
	"slices"
)

// dlc's gradient ops: the backward computations that no ONNX op expresses
// directly. Gradient rules (grad_nn.go) emit them; they live in the dlc
// domain (FusedDomain) like the fused ops, and backend/ref defines them.

func init() {
	Register(
		&OpDef{Name: "ConvGradWeight", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{
				OptString("auto_pad", "NOTSET"),
				OptAttr("dilations", AttrInts),
				OptInt("group", 1),
				ReqAttr("kernel_shape", AttrInts),
				OptAttr("pads", AttrInts),
				OptAttr("strides", AttrInts),
			},
			Infer: inferConvGradWeight,
			Doc: "dW [M, C/group, kernel_shape...] of a Conv with these attributes, from its input X [N,C,D...] " +
				"and output gradient dY [N,M,O...]: dW[m,c,k] = sum over n, o of dY[n,m,o] * X[n, c of m's group, tap k of o]"},
		&OpDef{Name: "MaxPoolGrad", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: poolAttrs(),
			Infer: inferPoolGrad,
			Doc:   "dX of a MaxPool with these attributes from its input X and output gradient dY: each dY element added at its window's first maximum of X"},
		&OpDef{Name: "AveragePoolGrad", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: poolAttrs(OptInt("count_include_pad", 0)),
			Infer: inferPoolGrad,
			Doc:   "dX of an AveragePool with these attributes from its input X (for its shape) and output gradient dY: each dY element spread evenly over its window's divisor"},
	)
}

// checkGradWindow checks, when both are static, that dY (input 1)
// [N, M, out...] matches the window of X (input 0) [N, C, in...] with
// kernel k.
func checkGradWindow(n *Node, k []int, ceil bool) error {
	xs, ok1 := staticDims(n, 0)
	ys, ok2 := staticDims(n, 1)
	if !ok1 || !ok2 {
		return nil
	}
	if len(xs) < 3 || len(ys) != len(xs) {
		return fmt.Errorf("X %v and dY %v must be [N, C, spatial...] of the same rank >= 3", xs, ys)
	}
	g, err := WindowGeometry(n, xs[2:], k, ceil)
	if err != nil {
		return err
	}
	if ys[0] != xs[0] || !slices.Equal(ys[2:], g.Out) {
		return fmt.Errorf("dY %v does not match the window output [%d, _, %v] of X %v", ys, xs[0], g.Out, xs)
	}
	return nil
}

func inferConvGradWeight(n *Node) error {
	k, _ := kernelOf(n, -1)
	group := int(n.Int("group"))
	if group < 1 {
		return fmt.Errorf("group %d must be positive", group)
	}
	if err := checkGradWindow(n, k, false); err != nil {
		return err
	}
	shape := UnrankedShape
	x, y := n.InType(0).Shape, n.InType(1).Shape
	if x.Rank() == len(k)+2 && y.Rank() == len(k)+2 {
		m, c := y.Dims[1], x.Dims[1]
		if c.Known() {
			if c.Size%int64(group) != 0 {
				return fmt.Errorf("X has %d channels, not divisible by group %d", c.Size, group)
			}
			c = Static(c.Size / int64(group))
		}
		if m.Known() && m.Size%int64(group) != 0 {
			return fmt.Errorf("dY has %d channels, not divisible by group %d", m.Size, group)
		}
		dims := []Dim{m, c}
		for _, d := range k {
			dims = append(dims, Static(int64(d)))
		}
		shape = Shape{Ranked: true, Dims: dims}
	}
	n.SetOut(0, TensorType(n.InType(0).DType, shape))
	return nil
}

func inferPoolGrad(n *Node) error {
	k, _ := kernelOf(n, -1)
	if err := checkGradWindow(n, k, n.Int("ceil_mode") != 0); err != nil {
		return err
	}
	if xs, ok := staticDims(n, 0); ok {
		if ys, ok := staticDims(n, 1); ok && ys[1] != xs[1] {
			return fmt.Errorf("dY has %d channels, X %d", ys[1], xs[1])
		}
	}
	n.SetOut(0, n.InType(0))
	return nil
}
