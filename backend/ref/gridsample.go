package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("GridSample", gridSampleKernel) }

// gridTap is one input element that contributes to an output sample:
// its flat spatial index and weight.
type gridTap struct {
	idx int
	w   float64
}

// gridSampleKernel samples X [N,C,D1..Dr] at grid [N,O1..Or,r], whose last
// dim lists coordinates innermost dim first (x, y, z). The semantics are
// PyTorch's grid_sample, which ONNX's tests were generated from:
//   - coordinates are unnormalized from [-1, 1] with align_corners;
//   - linear and nearest map the coordinate through padding_mode (border
//     clips it, reflection mirrors then clips) and read 0 outside;
//   - cubic uses the raw coordinate and maps each of its 4 taps per dim
//     through padding_mode instead, with the A = -0.75 cubic kernel.
func gridSampleKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, grid := Tensor(in, 0), Tensor(in, 1)
	r := x.Rank() - 2
	if r < 1 || grid.Rank() != r+2 || grid.Shape[0] != x.Shape[0] || grid.Shape[r+1] != r {
		return nil, fmt.Errorf("X %v and grid %v do not fit: want X [N,C,D1..Dr] and grid [N,O1..Or,r]", x.Shape, grid.Shape)
	}
	if x.DType == ir.String {
		return nil, fmt.Errorf("GridSample of string tensors is not supported")
	}
	mode, pad := n.Str("mode"), n.Str("padding_mode")
	// Opset 16 spelled the modes bilinear and bicubic.
	switch mode {
	case "bilinear":
		mode = "linear"
	case "bicubic":
		mode = "cubic"
	case "linear", "nearest", "cubic":
	default:
		return nil, fmt.Errorf("unknown mode %q (want linear, nearest or cubic)", mode)
	}
	switch pad {
	case "zeros", "border", "reflection":
	default:
		return nil, fmt.Errorf("unknown padding_mode %q (want zeros, border or reflection)", pad)
	}
	align := n.Int("align_corners") != 0
	N, C := x.Shape[0], x.Shape[1]
	dims := x.Shape[2:]
	spatial, _ := ir.NumElements(dims)
	outSp := grid.Shape[1 : r+1]
	nOut, _ := ir.NumElements(outSp)
	outShape := append([]int{N, C}, outSp...)
	out := ir.Zeros(x.DType, outShape)
	gs := grid.Float64s()
	exact := mode == "nearest" && !einsumIsFloat(x.DType)
	coord := make([]float64, r)
	for b := range N {
		for o := range nOut {
			g := gs[(b*nOut+o)*r : (b*nOut+o+1)*r]
			for j := range r {
				coord[j] = gridUnnormalize(g[r-1-j], dims[j], align)
			}
			taps := gridTaps(mode, pad, align, coord, dims)
			for c := range C {
				base := (b*C + c) * spatial
				k := (b*C+c)*nOut + o
				if exact {
					if len(taps) > 0 {
						out.SetInt64At(k, x.Int64At(base+taps[0].idx))
					}
					continue
				}
				s := 0.0
				for _, t := range taps {
					s += t.w * x.Float64At(base+t.idx)
				}
				out.SetFloat64At(k, s)
			}
		}
	}
	return Outs(out), nil
}

func gridUnnormalize(v float64, size int, align bool) float64 {
	if align {
		return (v + 1) / 2 * float64(size-1)
	}
	return ((v+1)*float64(size) - 1) / 2
}

// gridPad maps a coordinate through the padding mode (PyTorch's
// compute_coordinates); zeros leaves it as is.
func gridPad(v float64, size int, pad string, align bool) float64 {
	switch pad {
	case "border":
		return gridClip(v, size)
	case "reflection":
		if align {
			v = gridReflect(v, 0, 2*float64(size-1))
		} else {
			v = gridReflect(v, -1, 2*float64(size)-1)
		}
		return gridClip(v, size)
	}
	return v
}

func gridClip(v float64, size int) float64 { return math.Min(float64(size-1), math.Max(v, 0)) }

// gridReflect mirrors v into [twiceLow/2, twiceHigh/2].
func gridReflect(v, twiceLow, twiceHigh float64) float64 {
	if twiceLow == twiceHigh {
		return 0
	}
	lo := twiceLow / 2
	span := (twiceHigh - twiceLow) / 2
	v = math.Abs(v - lo)
	extra := math.Mod(v, span)
	if int64(math.Floor(v/span))%2 == 0 {
		return extra + lo
	}
	return span - extra + lo
}

// gridTaps lists the input elements (flat spatial index, weight) that an
// output sample at coord (one entry per spatial dim, outermost first)
// reads; taps outside the input are left out, which reads them as 0.
func gridTaps(mode, pad string, align bool, coord []float64, dims []int) []gridTap {
	r := len(dims)
	// Per dim: candidate indices and their 1-D weights.
	idx := make([][]int, r)
	wt := make([][]float64, r)
	for j, v := range coord {
		switch mode {
		case "nearest":
			idx[j] = []int{int(math.RoundToEven(gridPad(v, dims[j], pad, align)))}
			wt[j] = []float64{1}
		case "linear":
			v = gridPad(v, dims[j], pad, align)
			f := math.Floor(v)
			idx[j] = []int{int(f), int(f) + 1}
			wt[j] = []float64{1 - (v - f), v - f}
		case "cubic":
			f := math.Floor(v)
			t := v - f
			wt[j] = gridCubicWeights(t)
			for q := -1; q <= 2; q++ {
				p := gridPad(f+float64(q), dims[j], pad, align)
				idx[j] = append(idx[j], int(p))
			}
		}
	}
	strides := ir.Strides(dims)
	taps := []gridTap{{idx: 0, w: 1}}
	for j := range r {
		var next []gridTap
		for _, t := range taps {
			for q, i := range idx[j] {
				if i < 0 || i >= dims[j] {
					continue
				}
				next = append(next, gridTap{t.idx + i*strides[j], t.w * wt[j][q]})
			}
		}
		taps = next
	}
	return taps
}

// gridCubicWeights are the 4 cubic-convolution weights (A = -0.75) of taps
// at floor-1 .. floor+2 for fractional offset t.
func gridCubicWeights(t float64) []float64 {
	const a = -0.75
	near := func(x float64) float64 { return ((a+2)*x-(a+3))*x*x + 1 }
	far := func(x float64) float64 { return ((a*x-5*a)*x+8*a)*x - 4*a }
	return []float64{far(t + 1), near(t), near(1 - t), far(2 - t)}
}
