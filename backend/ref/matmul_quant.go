package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// MatMulInteger and QLinearMatMul: exact integer matmul of zero-point
// shifted operands, accumulated in int64. Zero points and scales are per
// tensor (one element) or per row of A / per column of B.

func init() {
	Register("MatMulInteger", matMulInteger)
	Register("QLinearMatMul", qlinearMatMul)
}

// perSlot returns the selector of a per-tensor (1 element) or per-slot
// (count elements) parameter: index i of a slot maps to its element.
func perSlot(p *ir.Tensor, count int, what string) (func(i int) int, error) {
	if p == nil || p.Len() == 1 {
		return func(int) int { return 0 }, nil
	}
	if p.Rank() == 1 && p.Len() == count {
		return func(i int) int { return i }, nil
	}
	return nil, fmt.Errorf("%s has shape %v, want one element or [%d]", what, p.Shape, count)
}

// shifted returns the values of a promoted [..., R, C] operand minus
// its zero point, the zero point selected per row (byRow) or per column.
func shifted(t *ir.Tensor, promoted []int, zp *ir.Tensor, byRow bool, what string) ([]int64, error) {
	R, C := promoted[len(promoted)-2], promoted[len(promoted)-1]
	count := C
	if byRow {
		count = R
	}
	sel, err := perSlot(zp, count, what)
	if err != nil {
		return nil, err
	}
	if zp != nil && zp.DType != t.DType {
		return nil, fmt.Errorf("%s is %s but its operand is %s", what, zp.DType, t.DType)
	}
	zs := []int64{0}
	if zp != nil {
		zs = zp.Int64s()
	}
	vals := t.Int64s()
	for i := range vals {
		slot := i % C
		if byRow {
			slot = (i / C) % R
		}
		vals[i] -= zs[sel(slot)]
	}
	return vals, nil
}

// intMatMul is the shared core: int64 matmul of zero-point shifted a and b.
func intMatMul(a, aZP, b, bZP *ir.Tensor) (ys []int64, shape []int, M, N int, err error) {
	for _, t := range []*ir.Tensor{a, b} {
		if t.DType != ir.Int8 && t.DType != ir.Uint8 {
			return nil, nil, 0, 0, fmt.Errorf("operands must be int8 or uint8, got %s", t.DType)
		}
	}
	pa, pb, batch, shape, err := matmulShapes(a.Shape, b.Shape)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	as, err := shifted(a, pa, aZP, true, "a_zero_point")
	if err != nil {
		return nil, nil, 0, 0, err
	}
	bs, err := shifted(b, pb, bZP, false, "b_zero_point")
	if err != nil {
		return nil, nil, 0, 0, err
	}
	return batchMatMul(as, pa, bs, pb, batch), shape, pa[len(pa)-2], pb[len(pb)-1], nil
}

func matMulInteger(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	ys, shape, _, _, err := intMatMul(Tensor(in, 0), Tensor(in, 2), Tensor(in, 1), Tensor(in, 3))
	if err != nil {
		return nil, err
	}
	return Outs(int64sTensor(ir.Int32, shape, ys)), nil
}

// qlinearMatMul computes
// saturate(round(acc * a_scale * b_scale / y_scale) + y_zero_point), acc the
// exact product of the shifted operands.
func qlinearMatMul(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	a, aS, aZP := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	b, bS, bZP := Tensor(in, 3), Tensor(in, 4), Tensor(in, 5)
	yS, yZP := Tensor(in, 6), Tensor(in, 7)
	acc, shape, M, N, err := intMatMul(a, aZP, b, bZP)
	if err != nil {
		return nil, err
	}
	lo, hi, err := quantRange(yZP.DType)
	if err != nil {
		return nil, err
	}
	aSel, err := perSlot(aS, M, "a_scale")
	if err != nil {
		return nil, err
	}
	bSel, err := perSlot(bS, N, "b_scale")
	if err != nil {
		return nil, err
	}
	ySel, err := perSlot(yS, N, "y_scale")
	if err != nil {
		return nil, err
	}
	yzSel, err := perSlot(yZP, N, "y_zero_point")
	if err != nil {
		return nil, err
	}
	as, bs, ys, yz := aS.Float64s(), bS.Float64s(), yS.Float64s(), yZP.Int64s()
	y := ir.Zeros(yZP.DType, shape)
	for i, v := range acc {
		row, col := (i/N)%M, i%N
		scale := as[aSel(row)] * bs[bSel(col)] / ys[ySel(col)]
		y.SetInt64At(i, saturate(float64(v)*scale, yz[yzSel(col)], lo, hi))
	}
	return Outs(y), nil
}
