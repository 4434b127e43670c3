package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("AffineGrid", affineGridKernel) }

// affineGridKernel builds the sampling grid of an affine transform, as
// torch.nn.functional.affine_grid does. size is [N, C, H, W] (2-D, theta
// [N, 2, 3]) or [N, C, D, H, W] (3-D, theta [N, 3, 4]). The base grid holds
// the normalized coordinates of every output pixel, x along W first, then
// y along H (and z along D), then 1; each output point is theta[n] times
// that column. Normalized coordinate of index i along a dim of size S:
//   - align_corners=1: -1 + 2i/(S-1), so the corner pixels' centers are ±1;
//   - align_corners=0: (2i+1)/S - 1, so the image's outer edges are ±1.
//
// For S = 1 both give 0 (for align_corners=1 we follow PyTorch, which
// places a lone pixel at the center rather than dividing by zero).
func affineGridKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	theta := Tensor(in, 0)
	if !theta.DType.IsFloat() {
		return nil, fmt.Errorf("theta dtype %s: AffineGrid needs a float type", theta.DType)
	}
	size64, err := intInput(in, 1, "size")
	if err != nil {
		return nil, err
	}
	size, err := toDims("size", size64)
	if err != nil {
		return nil, err
	}
	if len(size) != 4 && len(size) != 5 {
		return nil, fmt.Errorf("size %v must be [N,C,H,W] or [N,C,D,H,W]", size)
	}
	r := len(size) - 2 // spatial rank
	N := size[0]
	if theta.Rank() != 3 || theta.Shape[0] != N || theta.Shape[1] != r || theta.Shape[2] != r+1 {
		return nil, fmt.Errorf("theta has shape %v, want [%d, %d, %d] for size %v", theta.Shape, N, r, r+1, size)
	}
	align := n.Int("align_corners") != 0
	outShape := append(append([]int{N}, size[2:]...), r)
	if mustAlloc(theta.DType, outShape) == 0 { // checked before the base grid, sized by size
		return Outs(ir.Zeros(theta.DType, outShape)), nil
	}
	// spatial dims in output order (D,) H, W; axis j of the point (x, y, z)
	// runs along spatial dim r-1-j.
	spatial := size[2:]
	coords := make([][]float64, r)
	for d, s := range spatial {
		coords[d] = make([]float64, s)
		for i := range s {
			switch {
			case s == 1:
				coords[d][i] = 0
			case align:
				coords[d][i] = -1 + 2*float64(i)/float64(s-1)
			default:
				coords[d][i] = (2*float64(i)+1)/float64(s) - 1
			}
		}
	}
	out := ir.Zeros(theta.DType, outShape)
	th := theta.Float64s()
	pts := numElems(spatial)
	c := make([]int, r)
	base := make([]float64, r+1)
	for b := range N {
		m := th[b*r*(r+1) : (b+1)*r*(r+1)]
		for p := range pts {
			unravel(p, spatial, c)
			for j := range r {
				base[j] = coords[r-1-j][c[r-1-j]]
			}
			base[r] = 1
			for row := range r {
				v := 0.0
				for k := range r + 1 {
					v += m[row*(r+1)+k] * base[k]
				}
				out.SetFloat64At((b*pts+p)*r+row, v)
			}
		}
	}
	return Outs(out), nil
}
