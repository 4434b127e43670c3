package ref

import (
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func resizeAttrs(kv ...string) map[string]*ir.Attr {
	m := map[string]*ir.Attr{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = ir.StringAttr(kv[i+1])
	}
	return m
}

func f32v(v ...float32) *ir.Tensor { return ir.FromSlice([]int{len(v)}, v) }

func TestResizeNearestModes(t *testing.T) {
	x := ir.FromSlice([]int{1, 3}, []float32{1, 2, 3})
	scales := f32v(1, 2)
	cases := []struct {
		coord, nearest string
		want           []float64
	}{
		// asymmetric: x/2 = 0, .5, 1, 1.5, 2, 2.5
		{"asymmetric", "floor", []float64{1, 1, 2, 2, 3, 3}},
		{"asymmetric", "ceil", []float64{1, 2, 2, 3, 3, 3}},
		{"asymmetric", "round_prefer_ceil", []float64{1, 2, 2, 3, 3, 3}},
		{"asymmetric", "round_prefer_floor", []float64{1, 1, 2, 2, 3, 3}},
		// half_pixel: -.25, .25, .75, 1.25, 1.75, 2.25
		{"half_pixel", "round_prefer_floor", []float64{1, 1, 2, 2, 3, 3}},
	}
	for _, c := range cases {
		a := resizeAttrs("coordinate_transformation_mode", c.coord, "nearest_mode", c.nearest)
		out, err := famRun(t, "Resize", a, []string{"y"}, x, nil, scales)
		if err != nil {
			t.Fatal(err)
		}
		famCheck(t, c.coord+"/"+c.nearest, out[0], []int{1, 6}, c.want)
	}
}

func TestResizeLinear(t *testing.T) {
	x := f32v(1, 2)
	out, err := famRun(t, "Resize", resizeAttrs("mode", "linear"), []string{"y"}, x, nil, f32v(2))
	if err != nil {
		t.Fatal(err)
	}
	// half_pixel: -.25 (edge), .25, .75, 1.25 (edge)
	famCheck(t, "half_pixel", out[0], []int{4}, []float64{1, 1.25, 1.75, 2})

	a := resizeAttrs("mode", "linear", "coordinate_transformation_mode", "align_corners")
	out, err = famRun(t, "Resize", a, []string{"y"}, x, nil, nil, famAxes(3))
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "align_corners", out[0], []int{3}, []float64{1, 1.5, 2})
}

// Antialiasing stretches the tent over 1/scale input elements and
// normalises: output 0 samples at 0.5 with weights .25 .75 .75 .25 on
// elements -1 (edge: 0), 0, 1, 2.
func TestResizeAntialias(t *testing.T) {
	x := f32v(1, 2, 3, 4)
	a := resizeAttrs("mode", "linear")
	a["antialias"] = ir.IntAttr(1)
	out, err := famRun(t, "Resize", a, []string{"y"}, x, nil, f32v(0.5))
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "antialias", out[0], []int{2}, []float64{3.25 / 2, 6.75 / 2})
	delete(a, "antialias")
	out, _ = famRun(t, "Resize", a, []string{"y"}, x, nil, f32v(0.5))
	famCheck(t, "no antialias", out[0], []int{2}, []float64{1.5, 3.5})
}

func TestResizeCubicIdentityAndExcludeOutside(t *testing.T) {
	x := f32v(1, 5, 2, 8)
	out, err := famRun(t, "Resize", resizeAttrs("mode", "cubic"), []string{"y"}, x, nil, f32v(1))
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "cubic scale 1", out[0], []int{4}, []float64{1, 5, 2, 8})
	// asymmetric x2: output 1 samples at 0.5, halfway between 1 and 5,
	// with neighbours -1 (edge: 1) and 2. Keys weights at t=.5, a=-.75:
	// -0.09375, 0.59375, 0.59375, -0.09375.
	a := resizeAttrs("mode", "cubic", "coordinate_transformation_mode", "asymmetric")
	out, _ = famRun(t, "Resize", a, []string{"y"}, x, nil, f32v(2))
	famCheck(t, "cubic", out[0], []int{8}, []float64{1, -0.09375*1 + 0.59375*1 + 0.59375*5 - 0.09375*2})
	// exclude_outside drops element -1 and renormalises the other three.
	a["exclude_outside"] = ir.IntAttr(1)
	out, _ = famRun(t, "Resize", a, []string{"y"}, x, nil, f32v(2))
	famCheck(t, "exclude_outside", out[0], []int{8}, []float64{1, (0.59375*1 + 0.59375*5 - 0.09375*2) / 1.09375})
}

func TestResizeCropAndExtrapolate(t *testing.T) {
	x := f32v(0, 10, 20, 30, 40)
	a := resizeAttrs("mode", "linear", "coordinate_transformation_mode", "tf_crop_and_resize")
	a["extrapolation_value"] = ir.FloatAttr(-1)
	// roi [0.5, 1.25] of 4 spans input coordinates 2 to 5; sampled at 4
	// points: 2, 3, 4, 5 (outside: extrapolated).
	roi := f32v(0.5, 1.25)
	out, err := famRun(t, "Resize", a, []string{"y"}, x, roi, nil, famAxes(4))
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "crop", out[0], []int{4}, []float64{20, 30, 40, -1})
}

func TestResizeAxesAndAspectPolicy(t *testing.T) {
	x := ir.Zeros(ir.Float32, []int{1, 4, 6})
	a := resizeAttrs("keep_aspect_ratio_policy", "not_larger")
	a["axes"] = ir.IntsAttr(1, 2)
	out, err := famRun(t, "Resize", a, []string{"y"}, x, nil, nil, famAxes(2, 6))
	if err != nil {
		t.Fatal(err)
	}
	// min(2/4, 6/6) = 0.5 for both axes: 2 x 3.
	if s := out[0].(*ir.Tensor).Shape; !slices.Equal(s, []int{1, 2, 3}) {
		t.Fatalf("not_larger shape %v, want [1 2 3]", s)
	}
	a["keep_aspect_ratio_policy"] = ir.StringAttr("not_smaller")
	out, _ = famRun(t, "Resize", a, []string{"y"}, x, nil, nil, famAxes(2, 6))
	if s := out[0].(*ir.Tensor).Shape; !slices.Equal(s, []int{1, 4, 6}) {
		t.Fatalf("not_smaller shape %v, want [1 4 6]", s)
	}
}

func TestResizeIntegersAndErrors(t *testing.T) {
	x := ir.FromSlice([]int{2}, []uint8{0, 255})
	out, err := famRun(t, "Resize", resizeAttrs("mode", "linear", "coordinate_transformation_mode", "align_corners"),
		[]string{"y"}, x, nil, nil, famAxes(3))
	if err != nil {
		t.Fatal(err)
	}
	if got := ir.Values[uint8](out[0].(*ir.Tensor)); got[0] != 0 || got[1] != 127 || got[2] != 255 {
		t.Fatalf("uint8 linear = %v, want [0 127 255]", got)
	}
	f := f32v(1, 2)
	if _, err := famRun(t, "Resize", nil, []string{"y"}, f); err == nil {
		t.Fatal("neither scales nor sizes: want an error")
	}
	if _, err := famRun(t, "Resize", nil, []string{"y"}, f, nil, f32v(2), famAxes(4)); err == nil {
		t.Fatal("both scales and sizes: want an error")
	}
	if _, err := famRun(t, "Resize", nil, []string{"y"}, f, nil, f32v(2, 2)); err == nil {
		t.Fatal("two scales for one axis: want an error")
	}
	if _, err := famRun(t, "Resize", resizeAttrs("mode", "area"), []string{"y"}, f, nil, f32v(2)); err == nil {
		t.Fatal("unknown mode: want an error")
	}
}

// Upsample means Resize with asymmetric coordinates, rounding down.
func TestUpsampleKernel(t *testing.T) {
	x := ir.FromSlice([]int{1, 2}, []float32{1, 2})
	a := map[string]*ir.Attr{"scales": ir.FloatsAttr(1, 3)}
	out, err := famRun(t, "Upsample", a, []string{"y"}, x)
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "upsample", out[0], []int{1, 6}, []float64{1, 1, 1, 2, 2, 2})
}
