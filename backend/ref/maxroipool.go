package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("MaxRoiPool", maxRoiPoolKernel) }

// maxRoiPoolKernel is Fast R-CNN's RoI max pooling, as Caffe and
// onnxruntime compute it (the ONNX spec gives no formula):
//   - a roi row is [batch, x1, y1, x2, y2]; each corner is scaled by
//     spatial_scale and rounded half away from zero to a pixel;
//   - the roi spans the inclusive pixel range [start, end], at least one
//     pixel per dim, split into pooled_h x pooled_w bins of real size
//     span/pooled;
//   - bin p covers pixels [floor(p*size), ceil((p+1)*size)) offset by the
//     roi start and clipped to the map;
//   - the output is the max over the bin, or 0 for an empty bin.
func maxRoiPoolKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, rois := Tensor(in, 0), Tensor(in, 1)
	if !x.DType.IsFloat() || !rois.DType.IsFloat() {
		return nil, fmt.Errorf("X (%s) and rois (%s) must be float tensors", x.DType, rois.DType)
	}
	if x.Rank() != 4 {
		return nil, fmt.Errorf("X has shape %v, want [N,C,H,W]", x.Shape)
	}
	if rois.Rank() != 2 || rois.Shape[1] != 5 {
		return nil, fmt.Errorf("rois have shape %v, want [num_rois, 5]", rois.Shape)
	}
	pooled := n.Ints("pooled_shape")
	if len(pooled) != 2 || pooled[0] <= 0 || pooled[1] <= 0 {
		return nil, fmt.Errorf("pooled_shape %v must be two positive sizes", pooled)
	}
	ph, pw := int(pooled[0]), int(pooled[1])
	N, C, H, W := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	scale := float64(n.Float("spatial_scale"))
	nr := rois.Shape[0]
	out := ir.Zeros(x.DType, []int{nr, C, ph, pw})
	xs, rs := x.Float64s(), rois.Float64s()
	for r := range nr {
		roi := rs[r*5 : r*5+5]
		b := int(roi[0])
		if roi[0] != math.Trunc(roi[0]) || b < 0 || b >= N {
			return nil, fmt.Errorf("roi %d: batch index %v is not an integer in [0, %d)", r, roi[0], N)
		}
		x1, y1 := int(math.Round(roi[1]*scale)), int(math.Round(roi[2]*scale))
		x2, y2 := int(math.Round(roi[3]*scale)), int(math.Round(roi[4]*scale))
		binH := float64(max(y2-y1+1, 1)) / float64(ph)
		binW := float64(max(x2-x1+1, 1)) / float64(pw)
		for c := range C {
			plane := xs[(b*C+c)*H*W : (b*C+c+1)*H*W]
			for i := range ph {
				h0 := clampInt(int(math.Floor(float64(i)*binH))+y1, 0, H)
				h1 := clampInt(int(math.Ceil(float64(i+1)*binH))+y1, 0, H)
				for j := range pw {
					w0 := clampInt(int(math.Floor(float64(j)*binW))+x1, 0, W)
					w1 := clampInt(int(math.Ceil(float64(j+1)*binW))+x1, 0, W)
					m := 0.0 // an empty bin pools to 0
					if h1 > h0 && w1 > w0 {
						m = math.Inf(-1)
						for h := h0; h < h1; h++ {
							for w := w0; w < w1; w++ {
								m = math.Max(m, plane[h*W+w])
							}
						}
					}
					out.SetFloat64At(((r*C+c)*ph+i)*pw+j, m)
				}
			}
		}
	}
	return Outs(out), nil
}

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }
