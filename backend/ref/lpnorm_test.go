package ref

import (
	"math"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Helpers shared by the tests of the ops in lpnorm.go, maxroipool.go,
// multinomial.go, centercroppad.go, col2im.go, affinegrid.go and
// imagedecoder.go (prefix xo: "extra ops").

// xoMust runs op through runOp with one output and fails the test on error.
func xoMust(t *testing.T, op string, attrs map[string]*ir.Attr, in ...ir.Data) *ir.Tensor {
	t.Helper()
	out, err := runOp(t, op, attrs, outNames(1), in...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return out[0].(*ir.Tensor)
}

// xoClose checks dtype, shape and values within 1e-6 relative + absolute.
func xoClose(t *testing.T, what string, got *ir.Tensor, dt ir.DType, shape []int, want ...float64) {
	t.Helper()
	if got.DType != dt || !equalInts(got.Shape, shape) {
		t.Fatalf("%s: got %s%v, want %s%v", what, got.DType, got.Shape, dt, shape)
	}
	if got.Len() != len(want) {
		t.Fatalf("%s: %d values, want %d", what, got.Len(), len(want))
	}
	for i, w := range want {
		if g := got.Float64At(i); math.Abs(g-w) > 1e-6*(1+math.Abs(w)) {
			t.Errorf("%s[%d] = %v, want %v", what, i, g, w)
		}
	}
}

// xoErr runs op expecting an error whose message contains substr.
func xoErr(t *testing.T, op string, attrs map[string]*ir.Attr, substr string, in ...ir.Data) {
	t.Helper()
	_, err := runOp(t, op, attrs, outNames(1), in...)
	if err == nil {
		t.Errorf("%s: want an error containing %q, got none", op, substr)
	} else if !strings.Contains(err.Error(), substr) {
		t.Errorf("%s: error %q does not contain %q", op, err, substr)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func lpAttrs(axis, p int64) map[string]*ir.Attr {
	return map[string]*ir.Attr{"axis": ir.IntAttr(axis), "p": ir.IntAttr(p)}
}

func TestLpNormalization(t *testing.T) {
	x := ir.FromSlice([]int{2, 3}, []float32{3, 4, 0, -1, 2, -2})
	// Default axis -1, p 2: row norms 5 and 3.
	xoClose(t, "L2 rows", xoMust(t, "LpNormalization", nil, x), ir.Float32, []int{2, 3},
		0.6, 0.8, 0, -1.0/3, 2.0/3, -2.0/3)
	// p 1 along axis 0: column sums of |x| are 4, 6, 2.
	xoClose(t, "L1 cols", xoMust(t, "LpNormalization", lpAttrs(0, 1), x), ir.Float32, []int{2, 3},
		0.75, 2.0/3, 0, -0.25, 1.0/3, -1)
	// An all-zero slice stays zero instead of 0/0.
	z := ir.FromSlice([]int{2, 2}, []float64{0, 0, 1, 1})
	xoClose(t, "zero slice", xoMust(t, "LpNormalization", nil, z), ir.Float64, []int{2, 2},
		0, 0, 1/math.Sqrt2, 1/math.Sqrt2)
	// Middle axis of a 3-D tensor (numpy: x / sqrt((x**2).sum(axis=1))).
	v := make([]float64, 24)
	for i := range v {
		v[i] = float64(i) - 5
	}
	xoClose(t, "axis 1 of 3-D", xoMust(t, "LpNormalization", lpAttrs(1, 2), ir.FromSlice([]int{2, 3, 4}, v)),
		ir.Float64, []int{2, 3, 4},
		-0.845154254729, -0.707106781187, -0.507092552837, -0.301511344578, -0.169030850946, 0.0,
		0.169030850946, 0.301511344578, 0.507092552837, 0.707106781187, 0.845154254729, 0.904534033733,
		0.352208223799, 0.371390676354, 0.387657443029, 0.401609664451, 0.553470065969, 0.557086014531,
		0.55994963993, 0.562253530232, 0.75473190814, 0.742781352708, 0.732241836832, 0.722897396012)
	// float16 goes through float64 and back: 0.6 and 0.8 rounded to half.
	h := ir.FromBits(ir.Float16, []int{2}, []uint16{ir.F32ToF16(3), ir.F32ToF16(4)})
	f16 := func(v float32) float64 { return float64(ir.F16ToF32(ir.F32ToF16(v))) }
	xoClose(t, "float16", xoMust(t, "LpNormalization", nil, h), ir.Float16, []int{2}, f16(0.6), f16(0.8))
}

func TestLpNormalizationErrors(t *testing.T) {
	x := ir.FromSlice([]int{2}, []float32{1, 2})
	xoErr(t, "LpNormalization", lpAttrs(-1, 3), "p = 3", x)
	xoErr(t, "LpNormalization", lpAttrs(1, 2), "axis 1 out of range", x)
	xoErr(t, "LpNormalization", nil, "wants one of f16", ir.FromSlice([]int{2}, []int32{1, 2}))
}
