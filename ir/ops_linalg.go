package ir

import "fmt"

// Linear-algebra ops: MatMul (numpy matmul semantics), Gemm and their
// integer and quantized forms.

// MatMulShape returns the numpy matmul output shape of a and b: 1-D
// operands are promoted (a to [1,K], b to [K,1]) and the added dim removed
// again; batch dims broadcast. Unknown dims stay unknown.
func MatMulShape(a, b Shape) (Shape, error) {
	if !a.Ranked || !b.Ranked {
		return UnrankedShape, nil
	}
	if len(a.Dims) == 0 || len(b.Dims) == 0 {
		return Shape{}, fmt.Errorf("matmul operands must have rank >= 1, got %s and %s", a, b)
	}
	ad, bd := a.Dims, b.Dims
	if len(ad) == 1 {
		ad = []Dim{Static(1), ad[0]}
	}
	if len(bd) == 1 {
		bd = []Dim{bd[0], Static(1)}
	}
	k1, k2 := ad[len(ad)-1], bd[len(bd)-2]
	if k1.Known() && k2.Known() && k1.Size != k2.Size {
		return Shape{}, fmt.Errorf("matmul inner dims differ: %s and %s", a, b)
	}
	batch, err := BroadcastShapes(Shape{Ranked: true, Dims: ad[:len(ad)-2]}, Shape{Ranked: true, Dims: bd[:len(bd)-2]})
	if err != nil {
		return Shape{}, err
	}
	dims := batch.Dims
	if len(a.Dims) > 1 {
		dims = append(dims, ad[len(ad)-2])
	}
	if len(b.Dims) > 1 {
		dims = append(dims, bd[len(bd)-1])
	}
	return Shape{Ranked: true, Dims: dims}, nil
}

// inferMatMul infers the matmul of inputs ia and ib with dtype dt, or the
// dtype of input dtIn when dt is Undefined.
func inferMatMul(ia, ib int, dt DType, dtIn int) func(*Node) error {
	return func(n *Node) error {
		s, err := MatMulShape(n.InType(ia).Shape, n.InType(ib).Shape)
		if err != nil {
			return err
		}
		outDT := dt
		if outDT == Undefined {
			outDT = n.InType(dtIn).DType
		}
		n.SetOut(0, TensorType(outDT, s))
		return nil
	}
}

func inferGemm(n *Node) error {
	shape := UnrankedShape
	a, b := n.InType(0).Shape, n.InType(1).Shape
	if a.Rank() == 2 && b.Rank() == 2 {
		m, k := a.Dims[0], a.Dims[1]
		if n.Int("transA") != 0 {
			m, k = k, m
		}
		k2, nn := b.Dims[0], b.Dims[1]
		if n.Int("transB") != 0 {
			k2, nn = nn, k2
		}
		if k.Known() && k2.Known() && k.Size != k2.Size {
			return fmt.Errorf("gemm inner dims differ: A %s, B %s", a, b)
		}
		shape = Shape{Ranked: true, Dims: []Dim{m, nn}}
	}
	n.SetOut(0, TensorType(n.InType(0).DType, shape))
	return nil
}

func init() {
	Register(
		withGrad(&OpDef{Name: "MatMul", Since: 1, Version: 1, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferMatMul(0, 1, Undefined, 0),
			Doc:   "matrix product of A and B with numpy matmul semantics (batch broadcasting, 1-D operands)"}, gradMatMul),
		withGrad(&OpDef{Name: "Gemm", Since: 1, Version: 11, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptFloat("alpha", 1), OptFloat("beta", 1), OptInt("transA", 0), OptInt("transB", 0)},
			Infer: inferGemm,
			Doc:   "alpha * A' * B' + beta * C for 2-D A, B (optionally transposed); C broadcasts to [M,N] and is optional"}, gradGemm),
		&OpDef{Name: "MatMulInteger", Since: 10, Version: 10, MinInputs: 2, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferMatMul(0, 1, Int32, 0), NotDifferentiable: true,
			Doc: "int32 matmul of (A - a_zero_point) and (B - b_zero_point); zero points per tensor, per row of A or per column of B"},
		&OpDef{Name: "QLinearMatMul", Since: 10, Version: 10, MinInputs: 8, MaxInputs: 8, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferMatMul(0, 3, Undefined, 7), NotDifferentiable: true,
			Doc: "quantized matmul: dequantize a and b, multiply, requantize with y_scale and y_zero_point"},
	)
}
