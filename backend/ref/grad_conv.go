package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Reference kernel of dlc.ConvGradWeight (ir/ops_grad.go), the weight
// gradient of Conv. The data gradient is a ConvTranspose and needs no
// kernel of its own.

func init() {
	Register("dlc.ConvGradWeight", convGradWeight)
}

// convGradWeight computes dW[m, c, k] = sum over n and output positions o
// of dY[n, m, o] * X[n, grp(m)*C/group + c, tap k of o], the same taps
// Conv's forward kernel reads.
func convGradWeight(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, dy := Tensor(in, 0), Tensor(in, 1)
	if err := spatialInput(x, "X"); err != nil {
		return nil, err
	}
	group := int(n.Int("group"))
	k := kernelShape(n, nil)
	g, err := ir.WindowGeometry(n, x.Shape[2:], k, false)
	if err != nil {
		return nil, err
	}
	N, C := x.Shape[0], x.Shape[1]
	want := append([]int{N, -1}, g.Out...)
	if dy.Rank() != len(want) || dy.Shape[0] != N {
		return nil, fmt.Errorf("dY has shape %v, want %v", dy.Shape, want)
	}
	for i, d := range g.Out {
		if dy.Shape[2+i] != d {
			return nil, fmt.Errorf("dY has shape %v, want %v", dy.Shape, want)
		}
	}
	M := dy.Shape[1]
	if group < 1 || C%group != 0 || M%group != 0 {
		return nil, fmt.Errorf("X has %d channels and dY %d: both must be divisible by group %d", C, M, group)
	}
	cg, mg := C/group, M/group
	inLen, outLen, kLen := numElems(g.In), numElems(g.Out), numElems(g.Kernel)
	taps, _ := windowTaps(g)
	xs, ys := x.Float64s(), dy.Float64s()
	dw := make([]float64, M*cg*kLen)
	for b := 0; b < N; b++ {
		for m := 0; m < M; m++ {
			yp := ys[(b*M+m)*outLen : (b*M+m+1)*outLen]
			for c := 0; c < cg; c++ {
				xc := (m/mg)*cg + c
				xp := xs[(b*C+xc)*inLen : (b*C+xc+1)*inLen]
				wp := dw[(m*cg+c)*kLen : (m*cg+c+1)*kLen]
				for o, ts := range taps {
					for _, t := range ts {
						wp[t.k] += yp[o] * xp[t.in]
					}
				}
			}
		}
	}
	return Outs(FromFloat64s(x.DType, append([]int{M, cg}, k...), dw)), nil
}
