package ir

import "fmt"

// Pooling ops. Windowed pools share WindowGeometry with Conv; global pools
// reduce every spatial dim to 1.

func poolAttrs(extra ...AttrDef) []AttrDef {
	return append([]AttrDef{
		OptString("auto_pad", "NOTSET"),
		OptInt("ceil_mode", 0),
		OptAttr("dilations", AttrInts),
		ReqAttr("kernel_shape", AttrInts),
		OptAttr("pads", AttrInts),
		OptAttr("strides", AttrInts),
	}, extra...)
}

// inferPool sets output 0 to X's dtype with the pooled shape when X's
// spatial dims are static (its batch and channel dims pass through, so a
// symbolic batch stays symbolic), and any further outputs (MaxPool's
// Indices) to int64 of the same shape.
func inferPool(n *Node) error {
	shape := UnrankedShape
	if xd, sp, ok := windowInput(n, 0); ok {
		k, _ := kernelOf(n, -1)
		g, err := WindowGeometry(n, sp, k, n.Int("ceil_mode") != 0)
		if err != nil {
			return err
		}
		shape = windowOutput(xd[0], xd[1], g.Out)
	} else if r := n.InType(0).Shape.Rank(); r >= 0 {
		shape = Shape{Ranked: true, Dims: make([]Dim, r)}
		for i := range shape.Dims {
			shape.Dims[i] = Unknown()
		}
	}
	n.SetOut(0, TensorType(n.InType(0).DType, shape))
	n.SetOut(1, TensorType(Int64, shape))
	return nil
}

// inferGlobalPool keeps N and C and sets every spatial dim to 1.
func inferGlobalPool(n *Node) error {
	s := n.InType(0).Shape
	if s.Ranked && len(s.Dims) >= 2 {
		out := Shape{Ranked: true, Dims: append([]Dim{}, s.Dims...)}
		for i := 2; i < len(out.Dims); i++ {
			out.Dims[i] = Static(1)
		}
		s = out
	}
	n.SetOut(0, TensorType(n.InType(0).DType, s))
	return nil
}

// MaxUnpoolShape is the default output spatial size of MaxUnpool: the
// input size of the MaxPool it inverts.
func MaxUnpoolShape(n *Node, in []int) ([]int, error) {
	r := len(in)
	k, _ := kernelOf(n, -1)
	strides, err := intsOr(n, "strides", r, 1)
	if err != nil {
		return nil, err
	}
	pads, err := intsOr(n, "pads", r, 0)
	if err != nil {
		return nil, err
	}
	if len(k) != r {
		return nil, fmt.Errorf("kernel_shape has %d dims, input has %d spatial dims", len(k), r)
	}
	out := make([]int, r)
	for i := range out {
		out[i] = (in[i]-1)*strides[i] + k[i] - pads[i] - pads[i+r]
	}
	return out, nil
}

func init() {
	Register(
		withGrad(&OpDef{Name: "AveragePool", Since: 1, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: poolAttrs(OptInt("count_include_pad", 0)), Infer: inferPool,
			Doc: "mean of each (dilated) window of X over its spatial dims; padding counts only with count_include_pad"}, gradAveragePool),
		withGrad(&OpDef{Name: "MaxPool", Since: 1, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 2,
			Attrs: poolAttrs(OptInt("storage_order", 0)), Infer: inferPool,
			Doc: "max of each (dilated) window of X; optional Indices output gives the flat index of each max in X"}, gradMaxPool),
		&OpDef{Name: "LpPool", Since: 1, Version: 11, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: poolAttrs(OptInt("p", 2)), Infer: inferPool,
			Doc: "p-norm of each (dilated) window of X; padding contributes zeros"},
		&OpDef{Name: "MaxUnpool", Since: 9, Version: 11, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("kernel_shape", AttrInts), OptAttr("pads", AttrInts), OptAttr("strides", AttrInts)},
			Infer: func(n *Node) error {
				shape := UnrankedShape
				if xs, ok := staticDims(n, 0); ok && len(xs) >= 3 && n.In(2) == nil {
					if sp, err := MaxUnpoolShape(n, xs[2:]); err == nil {
						shape = ShapeOf(append([]int{xs[0], xs[1]}, sp...)...)
					}
				}
				n.SetOut(0, TensorType(n.InType(0).DType, shape))
				return nil
			},
			Doc: "zeros of the pre-pool shape (or output_shape) with X scattered to the flat positions in I"},
		withGrad(&OpDef{Name: "GlobalAveragePool", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferGlobalPool, Doc: "mean of X over all spatial dims, kept as size 1"}, gradGlobalAveragePool),
		withGrad(&OpDef{Name: "GlobalMaxPool", Since: 1, Version: 1, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferGlobalPool, Doc: "max of X over all spatial dims, kept as size 1"}, gradGlobalMaxPool),
		&OpDef{Name: "GlobalLpPool", Since: 1, Version: 2, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("p", 2)}, Infer: inferGlobalPool,
			Doc: "p-norm of X over all spatial dims, kept as size 1"},
	)
}
