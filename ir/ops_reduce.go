package ir

// Reductions over axes. The canonical form is opset 18's: the axes are an
// optional int64 input (slot 1), not an attribute. An absent or empty axes
// input reduces every axis, unless noop_with_empty_axes=1, in which case
// each element is reduced on its own (a reduction over a one-element set).

func init() {
	red := func(name string, version int, doc string) *OpDef {
		return &OpDef{Name: name, Since: 1, Version: version, MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("keepdims", 1), OptInt("noop_with_empty_axes", 0)},
			Infer: inferReduce, Doc: doc}
	}
	Register(
		withGrad(red("ReduceL1", 18, "Y = sum(|X|) over axes"), gradReduceL1),
		withGrad(red("ReduceL2", 18, "Y = sqrt(sum(X^2)) over axes"), gradReduceL2),
		withGrad(red("ReduceLogSum", 18, "Y = ln(sum(X)) over axes"), gradReduceLogSum),
		withGrad(red("ReduceLogSumExp", 18, "Y = ln(sum(e^X)) over axes"), gradReduceLogSumExp),
		withGrad(red("ReduceMax", 18, "Y = max(X) over axes (the lowest value of the dtype over an empty set)"), gradReduceMaxMin),
		withGrad(red("ReduceMean", 18, "Y = sum(X)/count over axes"), gradReduceMean),
		withGrad(red("ReduceMin", 18, "Y = min(X) over axes (the highest value of the dtype over an empty set)"), gradReduceMaxMin),
		red("ReduceProd", 18, "Y = product(X) over axes"),
		withGrad(red("ReduceSum", 13, "Y = sum(X) over axes"), gradReduceSum),
		withGrad(red("ReduceSumSquare", 18, "Y = sum(X^2) over axes"), gradReduceSumSquare),
	)
}

// inferReduce keeps the input dtype. The shape is known when the input is
// ranked and the axes are absent or constant (an initializer or a
// Constant node's output, as gradient rules emit them).
func inferReduce(n *Node) error {
	in := n.InType(0)
	out := TensorType(in.DType, UnrankedShape)
	if in.Shape.Ranked {
		if axes, ok := reduceConstAxes(n); ok {
			rank := len(in.Shape.Dims)
			reduce := make([]bool, rank)
			all := len(axes) == 0 && n.Int("noop_with_empty_axes") == 0
			valid := true
			for _, a := range axes {
				if a < 0 {
					a += int64(rank)
				}
				if a < 0 || a >= int64(rank) {
					valid = false
					break
				}
				reduce[a] = true
			}
			if valid {
				s := Shape{Ranked: true, Dims: []Dim{}}
				for i, d := range in.Shape.Dims {
					switch {
					case !all && !reduce[i]:
						s.Dims = append(s.Dims, d)
					case n.Int("keepdims") != 0:
						s.Dims = append(s.Dims, Static(1))
					}
				}
				out.Shape = s
			}
		}
	}
	n.SetOut(0, out)
	return nil
}

// reduceConstAxes returns the values of n's optional int axes input when
// they are known before run time: none (absent) or constant (ConstInput).
func reduceConstAxes(n *Node) ([]int64, bool) {
	if n.In(1) == nil {
		return nil, true
	}
	return constInts(n, 1)
}

// fixedInit returns the tensor of an initializer the caller cannot
// override (one that is not also a graph input), or nil.
func fixedInit(v *Value) *Tensor {
	if v == nil || v.Init == nil {
		return nil
	}
	if v.Owner != nil {
		for _, in := range v.Owner.Inputs {
			if in == v {
				return nil
			}
		}
	}
	return v.Init
}
