package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Activation kernels, PRelu and Clip. Attribute constants are float32 in
// ONNX; they are widened to float64 once per call.

// attrKernel builds a unary kernel whose scalar functions depend on the
// node's attributes.
func attrKernel(build func(n *ir.Node) unFn) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		out, err := applyUnary(Tensor(in, 0), build(n))
		if err != nil {
			return nil, err
		}
		return Outs(out), nil
	}
}

// floatAttrKernel is attrKernel for ops defined on floats only.
func floatAttrKernel(build func(n *ir.Node) func(float64) float64) Kernel {
	return attrKernel(func(n *ir.Node) unFn { return unFn{F: build(n)} })
}

func floatAttr(n *ir.Node, name string) float64 { return float64(n.Float(name)) }

// softplus is ln(1 + e^x), written so that large |x| neither overflows
// nor loses the small term.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// geluKernel is Gelu: x * Phi(x) exactly, or with the tanh approximation.
func geluKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	var f func(float64) float64
	switch a := n.Str("approximate"); a {
	case "none":
		f = func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
	case "tanh":
		k := math.Sqrt(2 / math.Pi)
		f = func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(k*(x+0.044715*x*x*x))) }
	default:
		return nil, fmt.Errorf("approximate is %q, want \"none\" or \"tanh\"", a)
	}
	return floatUnary(f)(nil, n, in)
}

// preluKernel is PRelu: slope (broadcast to X) scales the negative part.
func preluKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	return binaryKernel(binFn{
		F: func(x, s float64) float64 {
			if x < 0 {
				return s * x
			}
			return x
		},
		I: func(x, s int64) int64 {
			if x < 0 {
				return s * x
			}
			return x
		},
		U: func(x, _ uint64) uint64 { return x },
	})(nil, n, in)
}

// clipKernel is Clip: max(X, min) then min(., max), so min > max gives max
// everywhere, as ONNX specifies. NaN elements stay NaN. An omitted bound
// does not clip.
func clipKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, lo, hi := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	if err := sameDType(x, lo, hi); err != nil {
		return nil, err
	}
	for _, b := range []*ir.Tensor{lo, hi} {
		if b != nil && b.Len() != 1 {
			return nil, fmt.Errorf("bound of shape %v is not a scalar", b.Shape)
		}
	}
	var fn unFn
	switch classOf(x.DType) {
	case floatClass:
		l, h := math.Inf(-1), math.Inf(1)
		if lo != nil {
			l = lo.Float64At(0)
		}
		if hi != nil {
			h = hi.Float64At(0)
		}
		fn.F = func(v float64) float64 { return clamp(v, l, h) }
	case signedClass:
		l, h := int64(math.MinInt64), int64(math.MaxInt64)
		if lo != nil {
			l = lo.Int64At(0)
		}
		if hi != nil {
			h = hi.Int64At(0)
		}
		fn.I = func(v int64) int64 { return clamp(v, l, h) }
	case unsignedClass:
		l, h := uint64(0), uint64(math.MaxUint64)
		if lo != nil {
			l = asUint64s(lo)[0]
		}
		if hi != nil {
			h = asUint64s(hi)[0]
		}
		fn.U = func(v uint64) uint64 { return clamp(v, l, h) }
	}
	out, err := applyUnary(x, fn)
	if err != nil {
		return nil, err
	}
	return Outs(out), nil
}

// clamp raises v to lo, then lowers it to hi. Comparisons with NaN are
// false, so a NaN v passes through.
func clamp[T int64 | uint64 | float64](v, lo, hi T) T {
	if v < lo {
		v = lo
	}
	if v > hi {
		v = hi
	}
	return v
}

func init() {
	Register("Relu", unaryKernel(unFn{
		F: func(x float64) float64 { return max(x, 0) }, // NaN stays NaN
		I: func(x int64) int64 { return max(x, 0) },
		U: func(x uint64) uint64 { return x },
	}))
	Register("LeakyRelu", floatAttrKernel(func(n *ir.Node) func(float64) float64 {
		alpha := floatAttr(n, "alpha")
		return func(x float64) float64 {
			if x < 0 {
				return alpha * x
			}
			return x
		}
	}))
	Register("ThresholdedRelu", floatAttrKernel(func(n *ir.Node) func(float64) float64 {
		alpha := floatAttr(n, "alpha")
		return func(x float64) float64 {
			if x > alpha {
				return x
			}
			return 0
		}
	}))
	Register("Elu", floatAttrKernel(func(n *ir.Node) func(float64) float64 {
		alpha := floatAttr(n, "alpha")
		return func(x float64) float64 {
			if x < 0 {
				return alpha * math.Expm1(x)
			}
			return x
		}
	}))
	Register("Celu", floatAttrKernel(func(n *ir.Node) func(float64) float64 {
		alpha := floatAttr(n, "alpha")
		return func(x float64) float64 { return max(0, x) + min(0, alpha*math.Expm1(x/alpha)) }
	}))
	Register("Selu", floatAttrKernel(func(n *ir.Node) func(float64) float64 {
		alpha, gamma := floatAttr(n, "alpha"), floatAttr(n, "gamma")
		return func(x float64) float64 {
			if x > 0 {
				return gamma * x
			}
			return gamma * alpha * math.Expm1(x)
		}
	}))
	Register("HardSigmoid", floatAttrKernel(func(n *ir.Node) func(float64) float64 {
		alpha, beta := floatAttr(n, "alpha"), floatAttr(n, "beta")
		return func(x float64) float64 { return max(0, min(1, alpha*x+beta)) }
	}))
	Register("Shrink", attrKernel(func(n *ir.Node) unFn {
		bias, lambd := floatAttr(n, "bias"), floatAttr(n, "lambd")
		f := func(x float64) float64 {
			switch {
			case x < -lambd:
				return x + bias
			case x > lambd:
				return x - bias
			}
			return 0
		}
		// Integers go through float64 and truncate back, as numpy would.
		return unFn{F: f,
			I: func(x int64) int64 { return int64(f(float64(x))) },
			U: func(x uint64) uint64 { return uint64(f(float64(x))) }}
	}))
	Register("Sigmoid", floatUnary(sigmoid))
	Register("HardSwish", floatUnary(func(x float64) float64 { return x * max(0, min(1, x/6+0.5)) }))
	Register("Softplus", floatUnary(softplus))
	Register("Softsign", floatUnary(func(x float64) float64 { return x / (1 + math.Abs(x)) }))
	Register("Mish", floatUnary(func(x float64) float64 { return x * math.Tanh(softplus(x)) }))
	Register("Gelu", geluKernel)
	Register("PRelu", preluKernel)
	Register("Clip", clipKernel)
}
