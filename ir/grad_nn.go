package ir

import "fmt"

// Gradient rules of Conv and the pools (normalization and Dropout are in
// grad_norm.go).

// Conv: dX is the ConvTranspose of dy with the same W and window (the
// output_padding restores the input size a strided window did not reach),
// dW is dlc.ConvGradWeight and dB the sum of dy over all dims but
// channels.
func gradConv(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x, w, g := n.Inputs[0], n.Inputs[1], dy[0]
	xs := x.Type.Shape
	k, ok := kernelOf(n, 1)
	if !ok || xs.Rank() != len(k)+2 {
		return nil, fmt.Errorf("gradient of Conv needs X's rank and the kernel shape (X %s, W %s)", xs, w.Type.Shape)
	}
	in := make([]int, len(k))
	for i, d := range xs.Dims[2:] {
		if !d.Known() {
			return nil, fmt.Errorf("gradient of Conv needs X's spatial dims (X %s)", xs)
		}
		in[i] = int(d.Size)
	}
	geom, err := WindowGeometry(n, in, k, false)
	if err != nil {
		return nil, err
	}
	pads := append(toInt64s(geom.PadBegin), toInt64s(geom.PadEnd)...)
	outPad := make([]int64, len(k))
	for i := range k {
		reach := (geom.Out[i]-1)*geom.Strides[i] + (k[i]-1)*geom.Dilations[i] + 1 - geom.PadBegin[i] - geom.PadEnd[i]
		outPad[i] = int64(in[i] - reach)
	}
	window := func() map[string]*Attr {
		return map[string]*Attr{
			"strides": IntsAttr(toInt64s(geom.Strides)...), "dilations": IntsAttr(toInt64s(geom.Dilations)...),
			"pads": IntsAttr(pads...), "group": IntAttr(n.Int("group")), "kernel_shape": IntsAttr(toInt64s(k)...),
		}
	}
	tAttrs := window()
	tAttrs["output_padding"] = IntsAttr(outPad...)
	dx := e.op("ConvTranspose", tAttrs, g, w)
	dw := e.op(OpKey(FusedDomain, "ConvGradWeight"), window(), x, g)
	var db *Value
	if n.In(2) != nil {
		axes := []int64{0}
		for i := range k {
			axes = append(axes, int64(i+2))
		}
		db = e.reduceSum(g, false, axes...)
	}
	return e.done(dx, dw, db)
}

func toInt64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// poolGrad returns the rule of a windowed pool: the dlc gradient op op
// with the pool's own attributes (keep names the attributes it declares).
func poolGrad(op string, keep ...string) GradFunc {
	return func(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
		if dy[0] == nil {
			return nil, nil
		}
		e := newEmitter(b)
		attrs := map[string]*Attr{}
		for _, name := range keep {
			if a := n.Attrs[name]; a != nil {
				attrs[name] = a
			}
		}
		return e.done(e.op(op, attrs, n.Inputs[0], dy[0]))
	}
}

var poolWindowAttrs = []string{"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides"}

var (
	gradMaxPool     = poolGrad(OpKey(FusedDomain, "MaxPoolGrad"), poolWindowAttrs...)
	gradAveragePool = poolGrad(OpKey(FusedDomain, "AveragePoolGrad"), append(poolWindowAttrs, "count_include_pad")...)
)

// spatialReduced describes a global pool as the reduction over dims 2...
// (count does not need the axes where X's rank is unknown).
func spatialReduced(n *Node, dy *Value) reduced {
	r := reduced{x: n.Inputs[0], dy: dy, y: n.Outputs[0]}
	for i := 2; i < r.x.Type.Shape.Rank(); i++ {
		r.axes = append(r.axes, int64(i))
	}
	return r
}

// GlobalAveragePool: dX = dy/count broadcast over the spatial dims.
func gradGlobalAveragePool(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	r := spatialReduced(n, dy[0])
	return e.done(e.expand(e.div(r.dy, e.count(r)), r.x))
}

// GlobalMaxPool: dX = dy where X equals its plane's maximum.
func gradGlobalMaxPool(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	e := newEmitter(b)
	x := n.Inputs[0]
	return e.done(e.where(e.op("Equal", nil, x, n.Outputs[0]), dy[0], e.zero(dy[0])))
}
