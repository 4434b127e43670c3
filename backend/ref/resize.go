package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Resize (opset 19 semantics) and the deprecated Upsample.
//
// Each resized axis maps output coordinate x to an input coordinate
// x_original by coordinate_transformation_mode, then samples there:
// nearest picks one element (nearest_mode says how to round), linear and
// cubic weigh neighbours by a tent or Keys cubic filter (cubic_coeff_a).
// Neighbours outside the input repeat the edge element, or with
// exclude_outside=1 get weight 0 and the rest are renormalised. With
// antialias=1 and a scale below 1, the linear and cubic filters are
// stretched by 1/scale and normalised. With tf_crop_and_resize, a
// coordinate outside the input gives extrapolation_value.
//
// As in ONNX's reference implementation, an axis resized by "scales" has
// the output length floor(scale*length) but the coordinate transforms use
// the unrounded scale*length (align_corners, tf_crop_and_resize,
// pytorch_half_pixel's one-element case); one resized by "sizes" uses
// scale = size/length. The axes are resampled one after another, which is
// the same as resampling them together since every filter is separable.

func init() {
	Register("Resize", resizeKernel)
	Register("Upsample", upsampleKernel)
}

// resizeOpts are the attributes of a Resize node.
type resizeOpts struct {
	mode, coord, nearest, policy string
	cubicA, extrapolation        float64
	exclude, antialias           bool
	axes                         []int64 // nil: every axis
}

func resizeOptsOf(n *ir.Node) resizeOpts {
	return resizeOpts{
		mode: n.Str("mode"), coord: n.Str("coordinate_transformation_mode"),
		nearest: n.Str("nearest_mode"), policy: n.Str("keep_aspect_ratio_policy"),
		cubicA: float64(n.Float("cubic_coeff_a")), extrapolation: float64(n.Float("extrapolation_value")),
		exclude: n.Int("exclude_outside") != 0, antialias: n.Int("antialias") != 0,
		axes: n.Ints("axes"),
	}
}

// resizeInput returns input i, treating an empty tensor as absent the way
// opset 11 models pass "no roi" or "no scales".
func resizeInput(in []ir.Data, i int) *ir.Tensor {
	if t := Tensor(in, i); t != nil && t.Len() > 0 {
		return t
	}
	return nil
}

func resizeKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	var roi, scales []float64
	var sizes []int64
	if t := resizeInput(in, 1); t != nil {
		roi = t.Float64s()
	}
	if t := resizeInput(in, 2); t != nil {
		scales = t.Float64s()
	}
	if t := resizeInput(in, 3); t != nil {
		sizes = t.Int64s()
	}
	y, err := resize(Tensor(in, 0), roi, scales, sizes, resizeOptsOf(n))
	if err != nil {
		return nil, err
	}
	return Outs(y), nil
}

// upsampleKernel runs Upsample as the Resize it means. The importer
// rewrites Upsample into Resize; this serves graphs built directly.
func upsampleKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	var scales []float64
	if t := resizeInput(in, 1); t != nil {
		scales = t.Float64s()
	} else {
		for _, s := range n.Floats("scales") {
			scales = append(scales, float64(s))
		}
	}
	mode := n.Str("mode")
	if mode == "bilinear" {
		mode = "linear"
	}
	y, err := resize(Tensor(in, 0), nil, scales, nil, resizeOpts{mode: mode, coord: "asymmetric",
		nearest: "floor", policy: "stretch", cubicA: -0.75})
	if err != nil {
		return nil, err
	}
	return Outs(y), nil
}

// resizeAxis is how one axis is resampled.
type resizeAxis struct {
	in, out    int
	scale      float64 // output length per input length
	outF       float64 // the output length before rounding
	start, end float64 // tf_crop_and_resize region, normalised
}

// resize computes Resize of x. roi, scales and sizes are nil when absent.
func resize(x *ir.Tensor, roi, scales []float64, sizes []int64, o resizeOpts) (*ir.Tensor, error) {
	axes, dims, err := resizePlan(x.DType, x.Shape, roi, scales, sizes, o)
	if err != nil {
		return nil, err
	}
	shape := append([]int{}, x.Shape...)
	vals := x.Float64s()
	for _, ax := range axes {
		var err error
		if vals, err = resampleAxis(vals, shape, ax, dims[ax], o); err != nil {
			return nil, err
		}
		shape[ax] = dims[ax].out
	}
	return resizeResult(x.DType, shape, vals), nil
}

// resizePlan returns the axes a Resize of a dt tensor of shape xshape
// resamples, in order, and how it resamples each axis (all of them, the
// others unchanged). dlc.ResizeGrad shares it.
func resizePlan(dt ir.DType, xshape []int, roi, scales []float64, sizes []int64, o resizeOpts) ([]int, []resizeAxis, error) {
	rank := len(xshape)
	axes := make([]int, 0, rank)
	if o.axes == nil {
		for i := 0; i < rank; i++ {
			axes = append(axes, i)
		}
	}
	seen := make([]bool, rank)
	for _, a := range o.axes {
		ax, err := NormAxis(a, rank)
		if err != nil {
			return nil, nil, fmt.Errorf("axes: %w", err)
		}
		if seen[ax] {
			return nil, nil, fmt.Errorf("axes: axis %d given twice", a)
		}
		seen[ax] = true
		axes = append(axes, ax)
	}
	dims := make([]resizeAxis, rank)
	for i, d := range xshape {
		dims[i] = resizeAxis{in: d, out: d, scale: 1, outF: float64(d), start: 0, end: 1}
	}
	switch {
	case scales != nil && sizes != nil:
		return nil, nil, fmt.Errorf("only one of scales and sizes may be given")
	case scales != nil:
		if len(scales) != len(axes) {
			return nil, nil, fmt.Errorf("scales has %d values for %d axes", len(scales), len(axes))
		}
		for i, ax := range axes {
			s := scales[i]
			if !(s > 0) || math.IsInf(s, 0) {
				return nil, nil, fmt.Errorf("scales[%d] = %g is not a positive number", i, s)
			}
			d := &dims[ax]
			d.scale, d.outF = s, s*float64(d.in)
			d.out = int(math.Floor(d.outF))
		}
	case sizes != nil:
		if len(sizes) != len(axes) {
			return nil, nil, fmt.Errorf("sizes has %d values for %d axes", len(sizes), len(axes))
		}
		if err := resizeSizes(dims, axes, sizes, o.policy); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("one of scales and sizes is required")
	}
	if roi != nil && o.coord == "tf_crop_and_resize" {
		if len(roi) != 2*len(axes) {
			return nil, nil, fmt.Errorf("roi has %d values for %d axes (want start and end of each)", len(roi), len(axes))
		}
		for i, ax := range axes {
			dims[ax].start, dims[ax].end = roi[i], roi[len(axes)+i]
		}
	}
	for _, d := range dims {
		if _, err := ir.CheckAlloc(dt, []int{d.out}); err != nil || d.out < 0 {
			return nil, nil, fmt.Errorf("output length %d is out of range", d.out)
		}
	}
	return axes, dims, nil
}

// resizeSizes sets the output lengths from sizes, applying
// keep_aspect_ratio_policy: with not_larger (not_smaller) every listed
// axis is scaled by the smallest (largest) of the ratios size/length and
// its length rounded half up.
func resizeSizes(dims []resizeAxis, axes []int, sizes []int64, policy string) error {
	for i, s := range sizes {
		if s < 0 {
			return fmt.Errorf("sizes[%d] = %d is negative", i, s)
		}
	}
	common := 0.0
	switch policy {
	case "stretch":
	case "not_larger", "not_smaller":
		common = math.Inf(1)
		if policy == "not_smaller" {
			common = math.Inf(-1)
		}
		for i, ax := range axes {
			r := float64(sizes[i]) / float64(dims[ax].in)
			if policy == "not_larger" {
				common = math.Min(common, r)
			} else {
				common = math.Max(common, r)
			}
		}
	default:
		return fmt.Errorf("unknown keep_aspect_ratio_policy %q", policy)
	}
	for i, ax := range axes {
		d := &dims[ax]
		if policy == "stretch" {
			d.out = int(sizes[i])
			d.scale = float64(d.out) / float64(d.in)
		} else {
			d.scale = common
			d.out = int(math.Floor(common*float64(d.in) + 0.5))
		}
		d.outF = float64(d.out)
		if d.in == 0 && d.out != 0 {
			return fmt.Errorf("cannot resize an empty axis %d to length %d", ax, d.out)
		}
	}
	return nil
}

// resizeResult converts float64 results to dt; integer results are
// clamped to dt's range and truncated, as numpy's astype would after
// clamping.
func resizeResult(dt ir.DType, shape []int, vals []float64) *ir.Tensor {
	if dt.IsInt() {
		lo, hi := resizeIntRange(dt)
		for i, v := range vals {
			vals[i] = math.Max(lo, math.Min(hi, v))
		}
	}
	return FromFloat64s(dt, shape, vals)
}

// resizeIntRange is the range of an integer dtype as float64.
func resizeIntRange(dt ir.DType) (lo, hi float64) {
	bits := float64(8 * dt.Size())
	lo, hi = -math.Pow(2, bits-1), math.Pow(2, bits-1)-1
	if dt.IsUnsigned() {
		lo, hi = 0, math.Pow(2, bits)-1
	}
	if bits == 64 {
		hi = math.Nextafter(hi, 0) // 2^63-1 and 2^64-1 round up to a power of 2
	}
	return lo, hi
}
