package ref

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestActivations(t *testing.T) {
	x := ir.FromSlice([]int{4}, []float64{-2, -0.5, 0.5, 3})
	alpha := func(v float32) map[string]*ir.Attr { return map[string]*ir.Attr{"alpha": ir.FloatAttr(v)} }
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	sp := func(v float64) float64 { return math.Log(1 + math.Exp(v)) }
	cases := []struct {
		op    string
		attrs map[string]*ir.Attr
		f     func(float64) float64
	}{
		{"Relu", nil, func(v float64) float64 { return math.Max(v, 0) }},
		{"LeakyRelu", nil, func(v float64) float64 { return map[bool]float64{true: 0.01 * v, false: v}[v < 0] }},
		{"LeakyRelu", alpha(0.5), func(v float64) float64 { return map[bool]float64{true: 0.5 * v, false: v}[v < 0] }},
		{"ThresholdedRelu", alpha(0.5), func(v float64) float64 { return map[bool]float64{true: v, false: 0}[v > 0.5] }},
		{"Elu", alpha(2), func(v float64) float64 { return map[bool]float64{true: 2 * (math.Exp(v) - 1), false: v}[v < 0] }},
		{"Celu", alpha(2), func(v float64) float64 { return math.Max(0, v) + math.Min(0, 2*(math.Exp(v/2)-1)) }},
		{"Selu", nil, func(v float64) float64 {
			a, g := float64(float32(1.67326319217681884765625)), float64(float32(1.05070102214813232421875))
			if v > 0 {
				return g * v
			}
			return g * a * (math.Exp(v) - 1)
		}},
		{"Sigmoid", nil, sig},
		{"HardSigmoid", map[string]*ir.Attr{"alpha": ir.FloatAttr(0.5), "beta": ir.FloatAttr(0.25)},
			func(v float64) float64 { return math.Max(0, math.Min(1, 0.5*v+0.25)) }},
		{"HardSwish", nil, func(v float64) float64 { return v * math.Max(0, math.Min(1, v/6+0.5)) }},
		{"Softplus", nil, sp},
		{"Softsign", nil, func(v float64) float64 { return v / (1 + math.Abs(v)) }},
		{"Mish", nil, func(v float64) float64 { return v * math.Tanh(sp(v)) }},
		{"Gelu", nil, func(v float64) float64 { return v * 0.5 * math.Erfc(-v/math.Sqrt2) }},
		{"Gelu", map[string]*ir.Attr{"approximate": ir.StringAttr("tanh")}, func(v float64) float64 {
			return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		}},
		{"Shrink", map[string]*ir.Attr{"bias": ir.FloatAttr(0.25), "lambd": ir.FloatAttr(1)}, func(v float64) float64 {
			switch {
			case v < -1:
				return v + 0.25
			case v > 1:
				return v - 0.25
			}
			return 0
		}},
	}
	x32 := ir.FromSlice([]int{4}, []float32{-2, -0.5, 0.5, 3})
	for _, c := range cases {
		in, dt := x, ir.Float64
		if c.op == "Celu" { // ONNX's Celu takes float32 only
			in, dt = x32, ir.Float32
		}
		ewClose(t, c.op, ewMust(t, c.op, c.attrs, in), dt, []int{4}, mapSlice(ir.Values[float64](x), c.f)...)
	}
	// Softplus must not overflow for large inputs.
	ewClose(t, "Softplus large", ewMust(t, "Softplus", nil, ewF32([]int{2}, 1000, -1000)), ir.Float32, []int{2}, 1000, 0)
	_, err := ewRun(t, "Gelu", map[string]*ir.Attr{"approximate": ir.StringAttr("erf")}, x)
	ewErr(t, "bad approximate", err, "erf")
	ewExact(t, "Relu int32", ewMust(t, "Relu", nil, ir.FromSlice([]int{2}, []int32{-4, 4})), []int{2}, int32(0), 4)
	ewExact(t, "Shrink int", ewMust(t, "Shrink", map[string]*ir.Attr{"bias": ir.FloatAttr(1), "lambd": ir.FloatAttr(1)},
		ir.FromSlice([]int{3}, []int8{-5, 1, 5})), []int{3}, int8(-4), 0, 4)
}

func TestPRelu(t *testing.T) {
	x := ewF32([]int{2, 2, 1}, -1, -1, -2, 2)
	slope := ewF32([]int{2, 1}, 0.5, 0.25)
	ewExact(t, "PRelu per channel", ewMust(t, "PRelu", nil, x, slope), []int{2, 2, 1}, float32(-0.5), -0.25, -1, 2)
	ewExact(t, "PRelu int", ewMust(t, "PRelu", nil, ir.FromSlice([]int{2}, []int64{-3, 3}), ir.Scalar[int64](2)),
		[]int{2}, int64(-6), 3)
}

func TestClip(t *testing.T) {
	nan := float32(math.NaN())
	x := ewF32([]int{5}, -3, -1, 0, 2, nan)
	lo, hi := ir.Scalar[float32](-1), ir.Scalar[float32](1)
	ewClose(t, "Clip both", ewMust(t, "Clip", nil, x, lo, hi), ir.Float32, []int{5}, -1, -1, 0, 1, math.NaN())
	ewClose(t, "Clip min only", ewMust(t, "Clip", nil, x, lo), ir.Float32, []int{5}, -1, -1, 0, 2, math.NaN())
	ewClose(t, "Clip max only", ewMust(t, "Clip", nil, x, nil, hi), ir.Float32, []int{5}, -3, -1, 0, 1, math.NaN())
	ewClose(t, "Clip none", ewMust(t, "Clip", nil, x), ir.Float32, []int{5}, -3, -1, 0, 2, math.NaN())
	ewClose(t, "Clip min > max gives max", ewMust(t, "Clip", nil, x, hi, lo), ir.Float32, []int{5}, -1, -1, -1, -1, math.NaN())

	i8 := ir.FromSlice([]int{3}, []int8{-128, 0, 127})
	ewExact(t, "Clip int8", ewMust(t, "Clip", nil, i8, ir.Scalar[int8](-5), ir.Scalar[int8](5)), []int{3}, int8(-5), 0, 5)
	ewExact(t, "Clip int8 default", ewMust(t, "Clip", nil, i8), []int{3}, int8(-128), 0, 127)
	u := ir.FromSlice([]int{2}, []uint64{1, math.MaxUint64})
	ewExact(t, "Clip uint64", ewMust(t, "Clip", nil, u, ir.Scalar[uint64](2), ir.Scalar[uint64](1<<63)), []int{2}, uint64(2), 1<<63)

	_, err := ewRun(t, "Clip", nil, x, ewF32([]int{2}, 0, 1))
	ewErr(t, "non-scalar bound", err, "scalar")
	_, err = ewRun(t, "Clip", nil, x, ir.Scalar[float64](0))
	ewErr(t, "bound of another dtype", err, "differ")
}
