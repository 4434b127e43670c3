package ir

import "fmt"

// ConvTranspose is the adjoint of Conv, so its gradient is made of
// Conv's pieces with the roles turned around: for Y = ConvTranspose(X, W)
// with window (strides, dilations, pads, group), dX is the Conv of dY
// with the same W and window (W [C, M/group, k...] is a Conv weight from
// M to C channels), dW is dlc.ConvGradWeight of that Conv with dY as its
// input and X as its output gradient, and dB the sum of dY over all dims
// but channels.
func gradConvTranspose(b GradBuilder, n *Node, dy []*Value) ([]*Value, error) {
	if dy[0] == nil {
		return nil, nil
	}
	x, w, g := n.Inputs[0], n.Inputs[1], dy[0]
	xs := x.Type.Shape
	k, ok := kernelOf(n, 1)
	if !ok || xs.Rank() != len(k)+2 {
		return nil, fmt.Errorf("gradient of ConvTranspose needs X's rank and the kernel shape (X %s, W %s)", xs, w.Type.Shape)
	}
	in := make([]int, len(k))
	for i, d := range xs.Dims[2:] {
		if !d.Known() {
			return nil, fmt.Errorf("gradient of ConvTranspose needs X's spatial dims (X %s)", xs)
		}
		in[i] = int(d.Size)
	}
	geom, err := ConvTransposeGeometry(n, in, k)
	if err != nil {
		return nil, err
	}
	for i := range k {
		if geom.PadBegin[i] < 0 || geom.PadEnd[i] < 0 {
			return nil, fmt.Errorf("gradient of ConvTranspose: output_shape %v is larger than the full output (pads %v, %v)",
				n.Ints("output_shape"), geom.PadBegin, geom.PadEnd)
		}
		// The Conv over dY must give back X's size: it does unless
		// output_padding reaches a whole stride.
		span := (k[i]-1)*geom.Dilations[i] + 1
		if back := (geom.Out[i]+geom.PadBegin[i]+geom.PadEnd[i]-span)/geom.Strides[i] + 1; back != in[i] {
			return nil, fmt.Errorf("gradient of ConvTranspose: output size %d along spatial dim %d maps back to %d, not X's %d (output_padding must be below the stride)",
				geom.Out[i], i, back, in[i])
		}
	}
	window := func() map[string]*Attr {
		return map[string]*Attr{
			"strides": IntsAttr(toInt64s(geom.Strides)...), "dilations": IntsAttr(toInt64s(geom.Dilations)...),
			"pads":  IntsAttr(append(toInt64s(geom.PadBegin), toInt64s(geom.PadEnd)...)...),
			"group": IntAttr(n.Int("group")), "kernel_shape": IntsAttr(toInt64s(k)...),
		}
	}
	e := newEmitter(b)
	dx := e.op("Conv", window(), g, w)
	dw := e.op(OpKey(FusedDomain, "ConvGradWeight"), window(), g, x)
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
