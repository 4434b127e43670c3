package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// ConvInteger and QLinearConv: the convolution core of conv.go run on
// zero-point shifted int64 values, so accumulation is exact.

func init() {
	Register("ConvInteger", convInteger)
	Register("QLinearConv", qlinearConv)
}

// shiftedConvOperands returns x - x_zero_point (x_zero_point per tensor)
// and w - w_zero_point (per tensor or per output channel m of w [M, ...]).
func shiftedConvOperands(x, xZP, w, wZP *ir.Tensor) (xs, ws []int64, err error) {
	for _, t := range []*ir.Tensor{x, w} {
		if t.DType != ir.Int8 && t.DType != ir.Uint8 {
			return nil, nil, fmt.Errorf("x and w must be int8 or uint8, got %s", t.DType)
		}
	}
	if xZP != nil && xZP.Len() != 1 {
		return nil, nil, fmt.Errorf("x_zero_point must have one element, has shape %v", xZP.Shape)
	}
	xs = x.Int64s()
	if xZP != nil {
		z := xZP.Int64At(0)
		for i := range xs {
			xs[i] -= z
		}
	}
	ws = w.Int64s()
	if wZP == nil || w.Rank() == 0 {
		return xs, ws, nil
	}
	M := w.Shape[0]
	sel, err := perSlot(wZP, M, "w_zero_point")
	if err != nil {
		return nil, nil, err
	}
	zs := wZP.Int64s()
	per := len(ws) / max(M, 1)
	for i := range ws {
		ws[i] -= zs[sel(i/per)]
	}
	return xs, ws, nil
}

// intConv runs Conv on shifted integer operands.
func intConv(n *ir.Node, x, xZP, w, wZP *ir.Tensor) ([]int64, []int, error) {
	g, err := convLayout(n, x.Shape, w.Shape, false)
	if err != nil {
		return nil, nil, err
	}
	xs, ws, err := shiftedConvOperands(x, xZP, w, wZP)
	if err != nil {
		return nil, nil, err
	}
	ys, shape := convCore(xs, x.Shape, ws, w.Shape, g, int(n.Int("group")))
	return ys, shape, nil
}

func convInteger(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	ys, shape, err := intConv(n, Tensor(in, 0), Tensor(in, 2), Tensor(in, 1), Tensor(in, 3))
	if err != nil {
		return nil, err
	}
	return Outs(int64sTensor(ir.Int32, shape, ys)), nil
}

// qlinearConv computes saturate(round((acc + B[m]) * x_scale * w_scale[m] /
// y_scale) + y_zero_point), acc the exact convolution of shifted operands.
func qlinearConv(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, xS, xZP := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	w, wS, wZP := Tensor(in, 3), Tensor(in, 4), Tensor(in, 5)
	yS, yZP, b := Tensor(in, 6), Tensor(in, 7), Tensor(in, 8)
	acc, shape, err := intConv(n, x, xZP, w, wZP)
	if err != nil {
		return nil, err
	}
	if b != nil {
		if err := addBias(acc, shape, b.Int64s()); err != nil {
			return nil, err
		}
	}
	for _, p := range []struct {
		t    *ir.Tensor
		what string
	}{{xS, "x_scale"}, {yS, "y_scale"}, {yZP, "y_zero_point"}} {
		if p.t.Len() != 1 {
			return nil, fmt.Errorf("%s must have one element, has shape %v", p.what, p.t.Shape)
		}
	}
	M := shape[1]
	wSel, err := perSlot(wS, M, "w_scale")
	if err != nil {
		return nil, err
	}
	lo, hi, err := quantRange(yZP.DType)
	if err != nil {
		return nil, err
	}
	xs, ws, ys, yz := xS.Float64At(0), wS.Float64s(), yS.Float64At(0), yZP.Int64At(0)
	plane := numElems(shape[2:])
	y := ir.Zeros(yZP.DType, shape)
	for i, v := range acc {
		m := (i / max(plane, 1)) % M
		y.SetInt64At(i, saturate(float64(v)*(xs*ws[wSel(m)]/ys), yz, lo, hi))
	}
	return Outs(y), nil
}
