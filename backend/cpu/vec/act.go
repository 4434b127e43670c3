// Package vec holds dlc's vectorized float32 loops: activations,
// elementwise arithmetic, reductions and the transcendental functions they
// need. Each exported function has a pure-Go meaning; SIMD versions are
// chosen at start by CPU feature.
package vec

import "math"

// ActKind names an activation that a fused kernel applies in its epilogue.
type ActKind uint8

// The activations a Conv, Gemm or MatMul epilogue may apply; their
// parameters follow the ONNX ops of the same name.
const (
	ActNone      ActKind = iota
	ActRelu              // max(x, 0)
	ActClip              // min(max(x, Alpha), Beta)
	ActLeakyRelu         // x ≥ 0 ? x : Alpha·x
	ActSigmoid           // 1/(1+e^−x)
	ActTanh              // tanh x
	ActHardSwish         // x·max(0, min(1, x/6 + 1/2))
	ActGelu              // x·Φ(x), exact erf form
	ActGeluTanh          // ONNX Gelu approximate="tanh"
	ActSilu              // x·sigmoid(x)
	ActHardSigmoid       // max(0, min(1, Alpha·x + Beta))
)

var actNames = [...]string{"", "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "Gelu", "GeluTanh", "Silu", "HardSigmoid"}

func (k ActKind) String() string {
	if int(k) < len(actNames) {
		return actNames[k]
	}
	return "Act?"
}

// ParseAct returns the ActKind named s ("" for none).
func ParseAct(s string) (ActKind, bool) {
	for i, n := range actNames {
		if n == s {
			return ActKind(i), true
		}
	}
	return 0, false
}

// Act is an activation with its parameters.
type Act struct {
	Kind        ActKind
	Alpha, Beta float32
}

// Apply replaces every x in xs by the activation of x.
func (a Act) Apply(xs []float32) {
	if a.Kind == ActNone {
		return
	}
	applyAct(a, xs)
}

// Scalar is the meaning of the activation on one value, computed in
// float64: the reference that SIMD versions are tested against.
func (a Act) Scalar(x float32) float32 {
	v := float64(x)
	switch a.Kind {
	case ActNone:
		return x
	case ActRelu:
		return float32(math.Max(v, 0))
	case ActClip:
		return min(max(x, a.Alpha), a.Beta)
	case ActLeakyRelu:
		if x >= 0 {
			return x
		}
		return a.Alpha * x
	case ActSigmoid:
		return float32(1 / (1 + math.Exp(-v)))
	case ActTanh:
		return float32(math.Tanh(v))
	case ActHardSwish:
		return float32(v * math.Max(0, math.Min(1, v/6+0.5)))
	case ActGelu:
		return float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
	case ActGeluTanh:
		return float32(0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v))))
	case ActSilu:
		return float32(v / (1 + math.Exp(-v)))
	case ActHardSigmoid:
		return float32(math.Max(0, math.Min(1, float64(a.Alpha)*v+float64(a.Beta))))
	}
	panic("vec: unknown activation " + a.Kind.String())
}

// applyAct is the portable loop; SIMD builds replace it per kind.
var applyAct = func(a Act, xs []float32) {
	for i, x := range xs {
		xs[i] = a.Scalar(x)
	}
}
