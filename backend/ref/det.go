package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("Det", detKernel) }

// detKernel computes the determinant of each [M, M] matrix in the last two
// dims by Gaussian elimination with partial pivoting, in float64.
func detKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	r := x.Rank()
	if r < 2 || x.Shape[r-1] != x.Shape[r-2] {
		return nil, fmt.Errorf("input has shape %v, want [..., M, M]", x.Shape)
	}
	m := x.Shape[r-1]
	batch := x.Shape[:r-2]
	xs := x.Float64s()
	nb, _ := ir.NumElements(batch)
	out := make([]float64, nb)
	a := make([]float64, m*m)
	for b := range out {
		copy(a, xs[b*m*m:(b+1)*m*m])
		out[b] = detLU(a, m)
	}
	return Outs(FromFloat64s(x.DType, batch, out)), nil
}

// detLU returns the determinant of the m x m row-major matrix a,
// destroying a.
func detLU(a []float64, m int) float64 {
	det := 1.0
	for col := range m {
		p := col
		for row := col + 1; row < m; row++ {
			if math.Abs(a[row*m+col]) > math.Abs(a[p*m+col]) {
				p = row
			}
		}
		if a[p*m+col] == 0 {
			return 0
		}
		if p != col {
			for k := range m {
				a[p*m+k], a[col*m+k] = a[col*m+k], a[p*m+k]
			}
			det = -det
		}
		piv := a[col*m+col]
		det *= piv
		for row := col + 1; row < m; row++ {
			f := a[row*m+col] / piv
			for k := col; k < m; k++ {
				a[row*m+k] -= f * a[col*m+k]
			}
		}
	}
	return det
}
