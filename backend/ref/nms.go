package ref

import (
	"fmt"
	"math"
	"sort"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("NonMaxSuppression", nmsKernel) }

// nmsKernel: for each batch b and class c, boxes whose score exceeds
// score_threshold (when given) are taken by descending score (lower box
// index first on ties); a box is selected unless its IoU with an already
// selected box of the same (b, c) exceeds iou_threshold, until
// max_output_boxes_per_class (absent or 0: none) are selected. Rows
// [b, c, box] come out by batch, then class, then selection order.
func nmsKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	boxes, scores := Tensor(in, 0), Tensor(in, 1)
	if boxes.Rank() != 3 || boxes.Shape[2] != 4 {
		return nil, fmt.Errorf("boxes have shape %v, want [batches, boxes, 4]", boxes.Shape)
	}
	B, nb := boxes.Shape[0], boxes.Shape[1]
	if scores.Rank() != 3 || scores.Shape[0] != B || scores.Shape[2] != nb {
		return nil, fmt.Errorf("scores have shape %v, want [%d, classes, %d]", scores.Shape, B, nb)
	}
	nc := scores.Shape[1]
	maxOut := int64(0)
	if t := Tensor(in, 2); t != nil {
		if t.Len() != 1 {
			return nil, fmt.Errorf("max_output_boxes_per_class has shape %v, want a scalar", t.Shape)
		}
		maxOut = t.Int64At(0)
	}
	iouTh := 0.0
	if t := Tensor(in, 3); t != nil {
		if t.Len() != 1 {
			return nil, fmt.Errorf("iou_threshold has shape %v, want a scalar", t.Shape)
		}
		iouTh = t.Float64At(0)
	}
	scoreTh, hasScoreTh := 0.0, false
	if t := Tensor(in, 4); t != nil {
		if t.Len() != 1 {
			return nil, fmt.Errorf("score_threshold has shape %v, want a scalar", t.Shape)
		}
		scoreTh, hasScoreTh = t.Float64At(0), true
	}
	center := n.Int("center_point_box") != 0
	bs, ss := boxes.Float64s(), scores.Float64s()
	var rows []int64
	for b := range B {
		// Boxes of this batch as [ymin, xmin, ymax, xmax].
		corners := make([][4]float64, nb)
		for i := range corners {
			v := bs[(b*nb+i)*4 : (b*nb+i+1)*4]
			corners[i] = nmsCorners(v, center)
		}
		for c := range nc {
			sc := ss[(b*nc+c)*nb : (b*nc+c+1)*nb]
			var cand []int
			for i, s := range sc {
				if !hasScoreTh || s > scoreTh {
					cand = append(cand, i)
				}
			}
			sort.SliceStable(cand, func(i, j int) bool { return sc[cand[i]] > sc[cand[j]] })
			var sel []int
			for _, i := range cand {
				if int64(len(sel)) >= maxOut {
					break
				}
				keep := true
				for _, j := range sel {
					if nmsIoU(corners[i], corners[j]) > iouTh {
						keep = false
						break
					}
				}
				if keep {
					sel = append(sel, i)
					rows = append(rows, int64(b), int64(c), int64(i))
				}
			}
		}
	}
	return Outs(ir.FromSlice([]int{len(rows) / 3, 3}, rows)), nil
}

// nmsCorners converts a box to [ymin, xmin, ymax, xmax]: center form
// [xc, yc, w, h], or corners [y1, x1, y2, x2] given in either order.
func nmsCorners(v []float64, center bool) [4]float64 {
	if center {
		return [4]float64{v[1] - v[3]/2, v[0] - v[2]/2, v[1] + v[3]/2, v[0] + v[2]/2}
	}
	return [4]float64{math.Min(v[0], v[2]), math.Min(v[1], v[3]), math.Max(v[0], v[2]), math.Max(v[1], v[3])}
}

// nmsIoU is intersection over union; 0 when the boxes do not overlap or
// have no area.
func nmsIoU(a, b [4]float64) float64 {
	ih := math.Min(a[2], b[2]) - math.Max(a[0], b[0])
	iw := math.Min(a[3], b[3]) - math.Max(a[1], b[1])
	if ih <= 0 || iw <= 0 {
		return 0
	}
	inter := ih * iw
	union := (a[2]-a[0])*(a[3]-a[1]) + (b[2]-b[0])*(b[3]-b[1]) - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}
