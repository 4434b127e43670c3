package ref

import (
	"fmt"
	"math"
)

// Sampling along one axis for Resize (see resize.go).

// resizeTap is one input element's weight in an output element.
type resizeTap struct {
	idx int
	w   float64
}

// resampleAxis resizes axis ax of vals (of shape) to d.out elements.
func resampleAxis(vals []float64, shape []int, ax int, d resizeAxis, o resizeOpts) ([]float64, error) {
	outer, inner := 1, 1
	for i := 0; i < ax; i++ {
		outer *= shape[i]
	}
	for i := ax + 1; i < len(shape); i++ {
		inner *= shape[i]
	}
	taps := make([][]resizeTap, d.out) // nil: extrapolated
	for k := range taps {
		var err error
		if taps[k], err = resizeTaps(k, d, o); err != nil {
			return nil, err
		}
	}
	out := make([]float64, outer*d.out*inner)
	for a := 0; a < outer; a++ {
		src := vals[a*d.in*inner : (a+1)*d.in*inner]
		dst := out[a*d.out*inner : (a+1)*d.out*inner]
		for k, tk := range taps {
			row := dst[k*inner : (k+1)*inner]
			if tk == nil {
				for i := range row {
					row[i] = o.extrapolation
				}
				continue
			}
			for _, t := range tk {
				for i := range row {
					row[i] += t.w * src[t.idx*inner+i]
				}
			}
		}
	}
	return out, nil
}

// resizeCoord maps output coordinate x of axis d to the input coordinate.
func resizeCoord(x float64, d resizeAxis, mode string) (float64, error) {
	in, s := float64(d.in), d.scale
	switch mode {
	case "half_pixel":
		return (x+0.5)/s - 0.5, nil
	case "half_pixel_symmetric":
		adjustment := float64(d.out) / d.outF
		center := in / 2
		offset := center * (1 - adjustment)
		return offset + (x+0.5)/s - 0.5, nil
	case "pytorch_half_pixel":
		// ONNX's reference gives -0.5 for a one-element output; with
		// edge clamping that samples the first element like 0 would.
		if d.outF == 1 {
			return -0.5, nil
		}
		return (x+0.5)/s - 0.5, nil
	case "align_corners":
		if d.outF == 1 {
			return 0, nil
		}
		return x * (in - 1) / (d.outF - 1), nil
	case "asymmetric":
		return x / s, nil
	case "tf_crop_and_resize":
		if d.outF == 1 {
			return (d.end-d.start)*(in-1)/2 + d.start*(in-1), nil
		}
		return x*(d.end-d.start)*(in-1)/(d.outF-1) + d.start*(in-1), nil
	case "tf_half_pixel_for_nn": // opset 11 only
		return (x + 0.5) / s, nil
	}
	return 0, fmt.Errorf("unknown coordinate_transformation_mode %q", mode)
}

// resizeTaps returns the weighted input elements of output element k, or
// nil when it takes extrapolation_value.
func resizeTaps(k int, d resizeAxis, o resizeOpts) ([]resizeTap, error) {
	x, err := resizeCoord(float64(k), d, o.coord)
	if err != nil {
		return nil, err
	}
	last := d.in - 1
	if o.coord == "tf_crop_and_resize" && (x < 0 || x > float64(last)) {
		return nil, nil
	}
	clampIdx := func(i int) int { return max(0, min(last, i)) }
	var filter func(float64) float64
	support := 1.0
	switch o.mode {
	case "nearest":
		i, err := resizeNearest(x, o.nearest)
		if err != nil {
			return nil, err
		}
		return []resizeTap{{clampIdx(i), 1}}, nil
	case "linear":
		filter = func(t float64) float64 { return math.Max(0, 1-math.Abs(t)) }
	case "cubic":
		a := o.cubicA
		support = 2
		filter = func(t float64) float64 {
			t = math.Abs(t)
			switch {
			case t <= 1:
				return ((a+2)*t-(a+3))*t*t + 1
			case t < 2:
				return ((a*t-5*a)*t+8*a)*t - 4*a
			}
			return 0
		}
	default:
		return nil, fmt.Errorf("unknown mode %q", o.mode)
	}
	// Antialiasing stretches the filter when downscaling.
	stretch := 1.0
	if o.antialias && d.scale < 1 {
		stretch = d.scale
	}
	reach := support / stretch
	var taps []resizeTap
	sum := 0.0
	for j := int(math.Floor(x - reach)); j <= int(math.Ceil(x+reach)); j++ {
		w := filter((float64(j) - x) * stretch)
		if w == 0 || (o.exclude && (j < 0 || j > last)) {
			continue
		}
		taps = append(taps, resizeTap{j, w})
		sum += w
	}
	for i := range taps {
		taps[i].idx = clampIdx(taps[i].idx)
		if o.antialias || o.exclude {
			taps[i].w /= sum
		}
	}
	return taps, nil
}

// resizeNearest rounds an input coordinate by nearest_mode.
func resizeNearest(x float64, mode string) (int, error) {
	fl := math.Floor(x)
	frac := x - fl
	switch mode {
	case "round_prefer_floor":
		if frac <= 0.5 {
			return int(fl), nil
		}
		return int(fl) + 1, nil
	case "round_prefer_ceil":
		if frac < 0.5 {
			return int(fl), nil
		}
		return int(fl) + 1, nil
	case "floor":
		return int(fl), nil
	case "ceil":
		return int(math.Ceil(x)), nil
	}
	return 0, fmt.Errorf("unknown nearest_mode %q", mode)
}
