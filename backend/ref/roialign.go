package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("RoiAlign", roiAlignKernel) }

// roiAlignKernel follows the definition that ONNX's RoiAlign tests come
// from (the Detectron / onnxruntime algorithm): each roi [x1,y1,x2,y2] is
// scaled by spatial_scale (and shifted by half a pixel in half_pixel mode),
// split into output_height x output_width bins, and each bin sampled on a
// sampling_ratio^2 grid (ceil(bin size) per dim when sampling_ratio is 0)
// of bilinear samples. Samples more than one pixel outside the map read 0.
// avg averages the samples; max takes, per sample, the largest of its four
// weighted corner values and then the largest over samples, as
// onnxruntime does.
func roiAlignKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, rois, bidx := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	if x.Rank() != 4 {
		return nil, fmt.Errorf("X has shape %v, want [N,C,H,W]", x.Shape)
	}
	if rois.Rank() != 2 || rois.Shape[1] != 4 {
		return nil, fmt.Errorf("rois have shape %v, want [num_rois, 4]", rois.Shape)
	}
	nr := rois.Shape[0]
	if bidx.Rank() != 1 || bidx.Shape[0] != nr {
		return nil, fmt.Errorf("batch_indices have shape %v, want [%d]", bidx.Shape, nr)
	}
	N, C, H, W := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow := int(n.Int("output_height")), int(n.Int("output_width"))
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("output size %dx%d must be positive", oh, ow)
	}
	scale := float64(n.Float("spatial_scale"))
	ratio := int(n.Int("sampling_ratio"))
	isMax := false
	switch m := n.Str("mode"); m {
	case "avg":
	case "max":
		isMax = true
	default:
		return nil, fmt.Errorf("unknown mode %q (want avg or max)", m)
	}
	offset := 0.0
	halfPixel := false
	switch m := n.Str("coordinate_transformation_mode"); m {
	case "half_pixel":
		offset, halfPixel = 0.5, true
	case "output_half_pixel":
	default:
		return nil, fmt.Errorf("unknown coordinate_transformation_mode %q", m)
	}
	xs := x.Float64s()
	rs := rois.Float64s()
	out := make([]float64, nr*C*oh*ow)
	for r := range nr {
		b := int(bidx.Int64At(r))
		if b < 0 || b >= N {
			return nil, fmt.Errorf("batch_indices[%d] = %d is outside [0, %d)", r, b, N)
		}
		if H == 0 || W == 0 {
			continue // no pixels: every sample reads 0
		}
		x1, y1 := rs[r*4]*scale-offset, rs[r*4+1]*scale-offset
		x2, y2 := rs[r*4+2]*scale-offset, rs[r*4+3]*scale-offset
		rw, rh := x2-x1, y2-y1
		if !halfPixel {
			// The legacy mode forces rois to at least one pixel.
			rw, rh = math.Max(rw, 1), math.Max(rh, 1)
		}
		bh, bw := rh/float64(oh), rw/float64(ow)
		gh, gw := ratio, ratio
		if ratio <= 0 {
			gh, gw = int(math.Ceil(rh/float64(oh))), int(math.Ceil(rw/float64(ow)))
		}
		count := float64(max(gh*gw, 1))
		for ph := range oh {
			for pw := range ow {
				// Samples of this bin, shared by all channels.
				var samples [][4]roiCorner
				for iy := range gh {
					y := y1 + float64(ph)*bh + (float64(iy)+0.5)*bh/float64(gh)
					for ix := range gw {
						xx := x1 + float64(pw)*bw + (float64(ix)+0.5)*bw/float64(gw)
						samples = append(samples, roiBilinear(y, xx, H, W))
					}
				}
				for c := range C {
					plane := xs[(b*C+c)*H*W : (b*C+c+1)*H*W]
					acc := 0.0
					if isMax {
						acc = math.Inf(-1)
					}
					for _, s := range samples {
						if isMax {
							for _, k := range s {
								acc = math.Max(acc, k.w*plane[k.idx])
							}
							continue
						}
						for _, k := range s {
							acc += k.w * plane[k.idx]
						}
					}
					if !isMax {
						acc /= count
					} else if len(samples) == 0 {
						acc = 0
					}
					out[((r*C+c)*oh+ph)*ow+pw] = acc
				}
			}
		}
	}
	return Outs(FromFloat64s(x.DType, []int{nr, C, oh, ow}, out)), nil
}

// roiCorner is one of the four pixels a bilinear sample reads.
type roiCorner struct {
	idx int
	w   float64
}

// roiBilinear returns the four weighted corners of the sample at (y, x);
// a sample more than a pixel outside the map has zero weights.
func roiBilinear(y, x float64, h, w int) [4]roiCorner {
	if y < -1 || y > float64(h) || x < -1 || x > float64(w) {
		return [4]roiCorner{}
	}
	y, x = math.Max(y, 0), math.Max(x, 0)
	yl, xl := int(y), int(x)
	yh, xh := yl+1, xl+1
	if yl >= h-1 {
		yl, yh, y = h-1, h-1, float64(h-1)
	}
	if xl >= w-1 {
		xl, xh, x = w-1, w-1, float64(w-1)
	}
	ly, lx := y-float64(yl), x-float64(xl)
	hy, hx := 1-ly, 1-lx
	return [4]roiCorner{{yl*w + xl, hy * hx}, {yl*w + xh, hy * lx}, {yh*w + xl, ly * hx}, {yh*w + xh, ly * lx}}
}
