package ref

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// dcRandom is a float32 tensor of the given shape with values in [-1, 1).
func dcRandom(rng *rand.Rand, shape ...int) *ir.Tensor {
	v := make([]float32, numElems(shape))
	for i := range v {
		v[i] = float32(rng.Float64()*2 - 1)
	}
	return ir.FromSlice(shape, v)
}

// dcFill is a float64 tensor whose element i is f(i).
func dcFill(shape []int, f func(i int) float64) *ir.Tensor {
	v := make([]float64, numElems(shape))
	for i := range v {
		v[i] = f(i)
	}
	return ir.FromSlice(shape, v)
}

// dcRun runs one op that must succeed and returns its single output.
func dcRun(t *testing.T, op string, attrs map[string]*ir.Attr, in ...*ir.Tensor) *ir.Tensor {
	t.Helper()
	res, err := runOp(t, op, attrs, outNames(1), tensorsData(in)...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return res[0].(*ir.Tensor)
}

// dcClose fails unless got and want have the same shape and values within tol.
func dcClose(t *testing.T, what string, got, want *ir.Tensor, tol float64) {
	t.Helper()
	if !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want.Shape)
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range w {
		if math.Abs(g[i]-w[i]) > tol {
			t.Fatalf("%s: element %d = %v, want %v", what, i, g[i], w[i])
		}
	}
}

// dcOffsetShape is the offset shape for x, kernel k, output spatial dims out.
func dcOffsetShape(n, og int, k, out []int) []int {
	return append([]int{n, og * numElems(k) * len(k)}, out...)
}

// With zero offsets and no mask, DeformConv is Conv: same taps, integer
// sampling positions, zero padding.
func TestDeformConvZeroOffsetIsConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 19))
	cases := []struct {
		name          string
		x, w          []int
		out           []int
		group, og     int
		pads, strides []int64
		dilations     []int64
		bias          bool
	}{
		{"plain 3x3", []int{1, 1, 5, 5}, []int{1, 1, 3, 3}, []int{3, 3}, 1, 1, nil, nil, nil, false},
		{"groups, strides, asymmetric pads", []int{2, 4, 6, 7}, []int{6, 2, 3, 2}, []int{3, 3}, 2, 1,
			[]int64{1, 0, 0, 2}, []int64{2, 3}, nil, true},
		{"dilations, offset groups", []int{1, 6, 7, 6}, []int{3, 2, 2, 3}, []int{7, 4}, 3, 2,
			[]int64{1, 1, 1, 1}, nil, []int64{2, 2}, true},
		{"1-D", []int{2, 3, 9}, []int{2, 3, 3}, []int{3}, 1, 3, []int64{1, 0}, []int64{2}, []int64{2}, true},
		{"3-D", []int{1, 2, 4, 3, 4}, []int{2, 1, 2, 2, 3}, []int{5, 2, 3}, 2, 1,
			[]int64{1, 0, 1, 1, 0, 0}, []int64{1, 1, 1}, nil, false},
	}
	for _, c := range cases {
		attrs := map[string]*ir.Attr{"group": ir.IntAttr(int64(c.group))}
		if c.pads != nil {
			attrs["pads"] = ir.IntsAttr(c.pads...)
		}
		if c.strides != nil {
			attrs["strides"] = ir.IntsAttr(c.strides...)
		}
		if c.dilations != nil {
			attrs["dilations"] = ir.IntsAttr(c.dilations...)
		}
		x, w := dcRandom(rng, c.x...), dcRandom(rng, c.w...)
		var b *ir.Tensor
		if c.bias {
			b = dcRandom(rng, c.w[0])
		}
		want := dcRun(t, "Conv", attrs, x, w, b)
		if !slices.Equal(want.Shape[2:], c.out) {
			t.Fatalf("%s: Conv output %v, test expects spatial %v", c.name, want.Shape, c.out)
		}
		off := ir.Zeros(ir.Float32, dcOffsetShape(c.x[0], c.og, c.w[2:], c.out))
		dAttrs := map[string]*ir.Attr{"offset_group": ir.IntAttr(int64(c.og))}
		for k, v := range attrs {
			dAttrs[k] = v
		}
		got := dcRun(t, "DeformConv", dAttrs, x, w, off, b)
		if got.DType != ir.Float32 {
			t.Fatalf("%s: dtype %s, want float32", c.name, got.DType)
		}
		dcClose(t, c.name, got, want, 1e-5)
	}
}

// An offset of +1 in x on every tap reads one column to the right: the
// result is Conv of the input shifted left by one column, with zeros
// entering from the right border.
func TestDeformConvIntegerOffsetShifts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	x, w, b := dcRandom(rng, 1, 2, 4, 5), dcRandom(rng, 3, 2, 2, 2), dcRandom(rng, 3)
	shifted := ir.Zeros(ir.Float32, x.Shape)
	xs, ss := ir.Values[float32](x), ir.Values[float32](shifted)
	for row := 0; row < 2*4; row++ { // every (channel, y) row of 5 columns
		copy(ss[row*5:row*5+4], xs[row*5+1:row*5+5])
	}
	// Pads only along y: a pad column would read x[0] after the shift.
	attrs := map[string]*ir.Attr{"pads": ir.IntsAttr(1, 0, 0, 0)}
	want := dcRun(t, "Conv", attrs, shifted, w, b) // [1, 3, 4, 4]
	offShape := dcOffsetShape(1, 1, []int{2, 2}, []int{4, 4})
	off := dcFill(offShape, func(i int) float64 {
		return float64((i / 16) % 2) // channel 2k is dy = 0, 2k+1 is dx = 1
	})
	x64 := ir.FromSlice(x.Shape, x.Float64s())
	got := dcRun(t, "DeformConv", attrs, x64, ir.FromSlice(w.Shape, w.Float64s()), off, ir.FromSlice(b.Shape, b.Float64s()))
	if got.DType != ir.Float64 {
		t.Fatalf("dtype %s, want float64 like X", got.DType)
	}
	dcClose(t, "shift by +1 column", got, want, 1e-6)
}

// Fractional offsets interpolate bilinearly, with out-of-bounds
// neighbours counting as zero. Worked by hand on x = [[1, 2], [3, 4]]
// with a 1x1 kernel of weight 1.
func TestDeformConvBilinear(t *testing.T) {
	x := cpF32([]int{1, 1, 2, 2}, 1, 2, 3, 4)
	w := cpF32([]int{1, 1, 1, 1}, 1)
	off := cpF32([]int{1, 2, 2, 2},
		0.5, 0, -1.5, 0.25, // dy per output position
		0.5, -0.5, 0, -0.75) // dx per output position
	// (0,0)+(0.5,0.5): mean of all four = 2.5.
	// (0,1)+(0,-0.5) = (0,0.5): (1+2)/2 = 1.5.
	// (1,0)+(-1.5,0) = (-0.5,0): half of x[0,0], half outside = 0.5.
	// (1,1)+(0.25,-0.75) = (1.25,0.25): row 2 is outside, so
	// 0.75*(0.75*3 + 0.25*4) = 2.4375.
	y := dcRun(t, "DeformConv", nil, x, w, off)
	cpCheck(t, "bilinear", y, []int{1, 1, 2, 2}, []float64{2.5, 1.5, 0.5, 2.4375})
	// One pixel or more outside samples nothing, even at exactly -1:
	// (0,0)->(-1,0), (0,1)->(0,-1) and (1,1)->(2,1) give 0, while
	// (1,0)->(1,0.5) is the mean of 3 and 4.
	off = cpF32([]int{1, 2, 2, 2}, -1, 0, 0, 1, 0, -2, 0.5, 0)
	y = dcRun(t, "DeformConv", nil, x, w, off)
	cpCheck(t, "outside", y, []int{1, 1, 2, 2}, []float64{0, 0, (3 + 4) / 2.0, 0})
}

// The mask scales each sampled value before the weights apply.
func TestDeformConvMask(t *testing.T) {
	// Hand case: 1x1 kernel, so y = w*mask*x + b per position.
	x := cpF32([]int{1, 1, 2, 2}, 1, 2, 3, 4)
	w := cpF32([]int{1, 1, 1, 1}, 2)
	b := cpF32([]int{1}, 0.5)
	off := ir.Zeros(ir.Float32, []int{1, 2, 2, 2})
	mask := cpF32([]int{1, 1, 2, 2}, 0.5, 2, 0, -1)
	y := dcRun(t, "DeformConv", nil, x, w, off, b, mask)
	cpCheck(t, "mask 1x1", y, []int{1, 1, 2, 2}, []float64{1.5, 8.5, 0.5, -7.5})

	// A mask constant per tap is Conv with that tap's weights scaled.
	rng := rand.New(rand.NewPCG(11, 13))
	xr, wr := dcRandom(rng, 2, 2, 5, 4), dcRandom(rng, 2, 2, 2, 3)
	scale := []float32{0.5, -1, 0, 2, 1, 0.25}
	ws := ir.Values[float32](wr)
	scaled := make([]float32, len(ws))
	for i, v := range ws {
		scaled[i] = v * scale[i%6]
	}
	attrs := map[string]*ir.Attr{"pads": ir.IntsAttr(1, 1, 1, 1)}
	want := dcRun(t, "Conv", attrs, xr, ir.FromSlice(wr.Shape, scaled)) // [2, 2, 6, 4]
	plane := 6 * 4
	mv := make([]float32, 2*6*plane)
	for i := range mv {
		mv[i] = scale[(i/plane)%6]
	}
	offR := ir.Zeros(ir.Float32, dcOffsetShape(2, 1, []int{2, 3}, []int{6, 4}))
	got := dcRun(t, "DeformConv", attrs, xr, wr, offR, nil, ir.FromSlice([]int{2, 6, 6, 4}, mv))
	dcClose(t, "mask per tap", got, want, 1e-5)
}

// With offset_group=2 each half of the channels has its own offsets and
// mask: channel 0 reads one column right, channel 1 one row down.
func TestDeformConvOffsetGroups(t *testing.T) {
	x := cpF32([]int{1, 2, 2, 3}, 1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60)
	w := cpF32([]int{1, 2, 1, 1}, 1, 1)
	off := ir.Zeros(ir.Float32, []int{1, 4, 2, 3})
	ov := ir.Values[float32](off)
	for i := 0; i < 6; i++ {
		ov[6+i] = 1  // group 0: dx = 1
		ov[12+i] = 1 // group 1: dy = 1
	}
	attrs := map[string]*ir.Attr{"offset_group": ir.IntAttr(2)}
	y := dcRun(t, "DeformConv", attrs, x, w, off)
	// y[i,j] = x0[i,j+1] + x1[i+1,j], zero outside.
	cpCheck(t, "offset groups", y, []int{1, 1, 2, 3}, []float64{42, 53, 60, 5, 6, 0})
	mask := cpF32([]int{1, 2, 2, 3}, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5)
	y = dcRun(t, "DeformConv", attrs, x, w, off, nil, mask)
	cpCheck(t, "offset groups with mask", y, []int{1, 1, 2, 3}, []float64{22, 28, 30, 5, 6, 0})
}

// One random-looking case checked against torchvision 0.14
// (torchvision.ops.deform_conv2d in float64) with x[i] = sin(0.7i),
// w[i] = 0.5cos(0.9i), offset[i] = 1.3sin(1.1i+0.5), mask[i] =
// 0.5+0.5cos(0.3i) over the flat row-major index i, bias [0.1, -0.2],
// x [2,4,5,4], w [2,2,3,2] (groups 2), offset [2,24,3,4] (offset groups
// 2), mask [2,12,3,4], stride (2,1), padding (1,1), dilation (1,2).
func TestDeformConvTorchvision(t *testing.T) {
	x := dcFill([]int{2, 4, 5, 4}, func(i int) float64 { return math.Sin(float64(i) * 0.7) })
	w := dcFill([]int{2, 2, 3, 2}, func(i int) float64 { return 0.5 * math.Cos(float64(i)*0.9) })
	off := dcFill([]int{2, 24, 3, 4}, func(i int) float64 { return 1.3 * math.Sin(float64(i)*1.1+0.5) })
	mask := dcFill([]int{2, 12, 3, 4}, func(i int) float64 { return 0.5 + 0.5*math.Cos(float64(i)*0.3) })
	b := ir.FromSlice([]int{2}, []float64{0.1, -0.2})
	attrs := map[string]*ir.Attr{
		"group": ir.IntAttr(2), "offset_group": ir.IntAttr(2), "strides": ir.IntsAttr(2, 1),
		"pads": ir.IntsAttr(1, 1, 1, 1), "dilations": ir.IntsAttr(1, 2), "kernel_shape": ir.IntsAttr(3, 2),
	}
	y := dcRun(t, "DeformConv", attrs, x, w, off, b, mask)
	want := ir.FromSlice([]int{2, 2, 3, 4}, []float64{
		0.190313808, 0.3486501843, 0.2685637408, 0.04743188903, -0.2828462482, 0.4739709528,
		0.6008894544, -0.06507742719, 0.08273014159, 0.6324611712, 0.06448317068, 0.2253176706,
		-0.2718661761, -0.2492124128, -0.1826245041, -0.2636042066, -0.2603042572, -0.01704566093,
		-0.3666136394, -0.5036074668, -0.1160013298, -0.1547022652, -0.1960474718, 0.061946241,
		0.2728072644, -0.1530909333, -0.2313215718, -0.008022452159, -0.4048160478, -0.4886375435,
		0.4074707787, 0.03223023793, 0.6162100678, 0.1865805978, 0.1541610817, 0.5979706512,
		-0.002300206807, -0.5987686233, -0.2802011882, -0.239608824, -0.2545051607, 0.1012556055,
		-0.01904643942, -0.1869991354, -0.1780556371, -0.3205539095, -0.573862252, -0.3231167928,
	})
	dcClose(t, "torchvision", y, want, 1e-8)
}

func TestDeformConvErrors(t *testing.T) {
	x := ir.Zeros(ir.Float32, []int{1, 4, 3, 3})
	w := ir.Zeros(ir.Float32, []int{2, 4, 2, 2})
	good := ir.Zeros(ir.Float32, []int{1, 8, 2, 2})
	cases := []struct {
		name  string
		attrs map[string]*ir.Attr
		in    []*ir.Tensor
		want  string
	}{
		{"offset channels", nil, []*ir.Tensor{x, w, ir.Zeros(ir.Float32, []int{1, 4, 2, 2})}, "offset has shape"},
		{"offset spatial", nil, []*ir.Tensor{x, w, ir.Zeros(ir.Float32, []int{1, 8, 3, 3})}, "offset has shape"},
		{"offset_group", map[string]*ir.Attr{"offset_group": ir.IntAttr(3)}, []*ir.Tensor{x, w, good}, "offset_group"},
		{"mask", nil, []*ir.Tensor{x, w, good, nil, ir.Zeros(ir.Float32, []int{1, 8, 2, 2})}, "mask has shape"},
		{"bias", nil, []*ir.Tensor{x, w, good, ir.Zeros(ir.Float32, []int{3})}, "bias"},
		{"channels", nil, []*ir.Tensor{x, ir.Zeros(ir.Float32, []int{2, 3, 2, 2}), good}, "channels"},
	}
	for _, c := range cases {
		k := Lookup("DeformConv")
		g := ir.NewGraph("t")
		vals := make([]*ir.Value, len(c.in))
		for i, tt := range c.in {
			if tt != nil {
				vals[i] = g.AddInput("x"+string(rune('0'+i)), ir.TensorType(tt.DType, ir.UnrankedShape))
			}
		}
		// Unranked inputs keep inference out of the way: the kernel's
		// own checks are under test.
		n, err := g.AddNode(ir.NodeSpec{Op: "DeformConv", Inputs: vals, Outputs: outNames(1), Attrs: c.attrs})
		if err != nil {
			t.Fatalf("%s: building node: %v", c.name, err)
		}
		_, err = k(nil, n, tensorsData(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// ONNX's own backend test test_basic_deform_conv_with_padding (onnx 1.14,
// not in the installed test data): fractional offsets on two taps of a
// padded 2x2 ones kernel over arange(9). Run in float16 as well, which
// holds every value here closely enough.
func TestDeformConvONNXExample(t *testing.T) {
	x := cpIota([]int{1, 1, 3, 3})
	w := cpF32([]int{1, 1, 2, 2}, 1, 1, 1, 1)
	off := ir.Zeros(ir.Float32, []int{1, 8, 4, 4})
	ov := ir.Values[float32](off)
	ov[0] = 0.5       // dy of tap (0,0) at output (0,0)
	ov[5*16+6] = -0.1 // dx of tap (1,0) at output (1,2)
	attrs := map[string]*ir.Attr{"kernel_shape": cpInts(2, 2), "pads": cpInts(1, 1, 1, 1)}
	want := []float64{0, 1, 3, 2, 3, 8, 11.9, 7, 9, 20, 24, 13, 6, 13, 15, 8}
	y := dcRun(t, "DeformConv", attrs, x, w, off)
	cpCheck(t, "float32", y, []int{1, 1, 4, 4}, want)

	half := func(t32 *ir.Tensor) *ir.Tensor {
		bits := make([]uint16, numElems(t32.Shape))
		for i, v := range ir.Values[float32](t32) {
			bits[i] = ir.F32ToF16(v)
		}
		return ir.FromBits(ir.Float16, t32.Shape, bits)
	}
	y = dcRun(t, "DeformConv", attrs, half(x), half(w), half(off))
	if y.DType != ir.Float16 {
		t.Fatalf("dtype %s, want float16 like X", y.DType)
	}
	for i, v := range want {
		if g := y.Float64At(i); math.Abs(g-v) > 0.01 {
			t.Fatalf("float16: element %d = %v, want %v", i, g, v)
		}
	}
}
