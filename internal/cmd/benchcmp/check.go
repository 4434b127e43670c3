package main

import (
	"fmt"
	"math"
	"reflect"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Tolerance of the dlc-versus-ORT check, the one internal/realmodels holds
// dlc to against PyTorch: every float element must satisfy
//
//	|got - want| <= relTol * max(|want|, floorFrac * max|want over the output|)
//
// Two float32 engines summing in different orders differ by rounding; this
// allows that on every element that matters while still catching a wrong
// kernel, which is off by far more.
const (
	relTol    = 1e-4
	floorFrac = 1e-2
)

// compareOutputs checks got against want output by output and returns the
// largest relative error (scaled as above) and the first mismatch.
func compareOutputs(got, want []*ir.Tensor) (float64, error) {
	if len(got) != len(want) {
		return 0, fmt.Errorf("%d outputs, ORT has %d", len(got), len(want))
	}
	worst := 0.0
	for i := range want {
		rel, err := compareTensor(got[i], want[i])
		worst = math.Max(worst, rel)
		if err != nil {
			return worst, fmt.Errorf("output %d: %w", i, err)
		}
	}
	return worst, nil
}

// compareTensor checks one output; non-float dtypes must match exactly.
func compareTensor(got, want *ir.Tensor) (float64, error) {
	if got.DType != want.DType {
		return 0, fmt.Errorf("dtype %s, ORT %s", got.DType, want.DType)
	}
	if !slices.Equal(got.Shape, want.Shape) {
		return 0, fmt.Errorf("shape %v, ORT %v", got.Shape, want.Shape)
	}
	if !want.DType.IsFloat() {
		if !reflect.DeepEqual(got.Data, want.Data) {
			return math.Inf(1), fmt.Errorf("values differ")
		}
		return 0, nil
	}
	g, w := got.Float64s(), want.Float64s()
	peak := 0.0
	for _, v := range w {
		peak = math.Max(peak, math.Abs(v))
	}
	floor := floorFrac * peak
	worst, bad, first := 0.0, 0, -1
	for i := range w {
		scale := math.Max(math.Abs(w[i]), floor)
		diff := math.Abs(g[i] - w[i])
		// Written so a NaN fails: NaN <= x is false.
		if !(diff <= relTol*scale) {
			bad++
			if first < 0 {
				first = i
			}
		}
		switch {
		case math.IsNaN(diff):
			worst = math.Inf(1)
		case diff > 0 && scale > 0:
			worst = math.Max(worst, diff/scale)
		case diff > 0:
			worst = math.Inf(1)
		}
	}
	if bad > 0 {
		return worst, fmt.Errorf("%d of %d elements off (max rel %.2g); first at %d: dlc %g, ORT %g",
			bad, len(w), worst, first, g[first], w[first])
	}
	return worst, nil
}
