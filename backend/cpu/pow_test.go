package cpu

import (
	"math"
	"testing"
)

// Pow by 0.5 follows pow, not sqrt, at -Inf and -0, in place or not.
func TestPowHalfEdges(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	src := []float32{float32(math.Inf(-1)), negZero, 0, 4, -4, float32(math.Inf(1)), float32(math.NaN()), 2}
	for _, inPlace := range []bool{false, true} {
		x := append([]float32(nil), src...)
		dst := make([]float32, len(x))
		if inPlace {
			dst = x
		}
		powHalf(dst, x)
		for i, s := range src {
			want := float32(math.Pow(float64(s), 0.5))
			got := dst[i]
			same := got == want && math.Signbit(float64(got)) == math.Signbit(float64(want)) ||
				math.IsNaN(float64(got)) && math.IsNaN(float64(want))
			if !same {
				t.Errorf("in place %v: pow(%v, 0.5) = %v, want %v", inPlace, s, got, want)
			}
		}
	}
}
