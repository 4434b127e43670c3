package ref

import (
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Unary elementwise kernels: math functions, rounding, sign, logic.

// unFn is the scalar function of a unary op with a result of the input
// dtype, per class; nil entries are classes the op rejects.
type unFn struct {
	F func(float64) float64
	I func(int64) int64
	U func(uint64) uint64
	B func(bool) bool
}

// applyUnary computes fn over every element of x.
func applyUnary(x *ir.Tensor, fn unFn) (*ir.Tensor, error) {
	dt := x.DType
	switch c := classOf(dt); {
	case c == floatClass && fn.F != nil:
		return FromFloat64s(dt, x.Shape, mapSlice(asFloat64s(x), fn.F)), nil
	case c == signedClass && fn.I != nil:
		return fromInt64s(dt, x.Shape, mapSlice(asInt64s(x), fn.I)), nil
	case c == unsignedClass && fn.U != nil:
		return fromUint64s(dt, x.Shape, mapSlice(asUint64s(x), fn.U)), nil
	case c == boolClass && fn.B != nil:
		return ir.FromSlice(x.Shape, mapSlice(ir.Values[bool](x), fn.B)), nil
	}
	return nil, unsupportedDType(dt)
}

func unaryKernel(fn unFn) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		out, err := applyUnary(Tensor(in, 0), fn)
		if err != nil {
			return nil, err
		}
		return Outs(out), nil
	}
}

// floatUnary registers ops defined on floats only.
func floatUnary(f func(float64) float64) Kernel { return unaryKernel(unFn{F: f}) }

// predicateKernel maps a float tensor to bools with the test that pred
// builds from the node's attributes.
func predicateKernel(pred func(n *ir.Node) func(float64) bool) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		x := Tensor(in, 0)
		if !x.DType.IsFloat() {
			return nil, unsupportedDType(x.DType)
		}
		return Outs(ir.FromSlice(x.Shape, mapSlice(asFloat64s(x), pred(n)))), nil
	}
}

func signF(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return v // 0, -0 and NaN map to themselves
}

func init() {
	Register("Abs", unaryKernel(unFn{
		F: math.Abs,
		I: func(v int64) int64 { return max(v, -v) }, // MinInt wraps to itself, as in C
		U: func(v uint64) uint64 { return v },
	}))
	Register("Neg", unaryKernel(unFn{
		F: func(v float64) float64 { return -v },
		I: func(v int64) int64 { return -v },
	}))
	Register("Sign", unaryKernel(unFn{
		F: signF,
		I: func(v int64) int64 { return int64(signF(float64(v))) },
		U: func(v uint64) uint64 { return min(v, 1) },
	}))
	Register("Ceil", floatUnary(math.Ceil))
	Register("Floor", floatUnary(math.Floor))
	Register("Round", floatUnary(math.RoundToEven))
	Register("Reciprocal", floatUnary(func(v float64) float64 { return 1 / v }))
	Register("Sqrt", floatUnary(math.Sqrt))
	Register("Exp", floatUnary(math.Exp))
	Register("Log", floatUnary(math.Log))
	Register("Erf", floatUnary(math.Erf))
	Register("Sin", floatUnary(math.Sin))
	Register("Cos", floatUnary(math.Cos))
	Register("Tan", floatUnary(math.Tan))
	Register("Asin", floatUnary(math.Asin))
	Register("Acos", floatUnary(math.Acos))
	Register("Atan", floatUnary(math.Atan))
	Register("Sinh", floatUnary(math.Sinh))
	Register("Cosh", floatUnary(math.Cosh))
	Register("Tanh", floatUnary(math.Tanh))
	Register("Asinh", floatUnary(math.Asinh))
	Register("Acosh", floatUnary(math.Acosh))
	Register("Atanh", floatUnary(math.Atanh))
	Register("Not", unaryKernel(unFn{B: func(v bool) bool { return !v }}))
	Register("BitwiseNot", unaryKernel(unFn{
		I: func(v int64) int64 { return ^v },
		U: func(v uint64) uint64 { return ^v },
	}))
	Register("IsNaN", predicateKernel(func(*ir.Node) func(float64) bool { return math.IsNaN }))
	Register("IsInf", predicateKernel(func(n *ir.Node) func(float64) bool {
		pos, neg := n.Int("detect_positive") != 0, n.Int("detect_negative") != 0
		return func(v float64) bool { return (pos && math.IsInf(v, 1)) || (neg && math.IsInf(v, -1)) }
	}))
}
