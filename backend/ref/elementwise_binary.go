package ref

import (
	"cmp"
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Binary elementwise kernels: arithmetic, comparisons, logic and bitwise
// ops, all with numpy broadcasting.

// binFn is the scalar function of a binary op with a result of the input
// dtype, per class; a nil entry means the op does not take that class.
type binFn struct {
	F func(a, b float64) float64
	I func(a, b int64) int64
	U func(a, b uint64) uint64
	B func(a, b bool) bool
}

// applyBinary computes fn over the broadcast of a and b (same dtype).
func applyBinary(a, b *ir.Tensor, fn binFn) (*ir.Tensor, error) {
	if err := sameDType(a, b); err != nil {
		return nil, err
	}
	bc, err := newBcast(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	dt := a.DType
	switch c := classOf(dt); {
	case c == floatClass && fn.F != nil:
		return FromFloat64s(dt, bc.shape, zipWith(asFloat64s(a), asFloat64s(b), bc, fn.F)), nil
	case c == signedClass && fn.I != nil:
		return fromInt64s(dt, bc.shape, zipWith(asInt64s(a), asInt64s(b), bc, fn.I)), nil
	case c == unsignedClass && fn.U != nil:
		return fromUint64s(dt, bc.shape, zipWith(asUint64s(a), asUint64s(b), bc, fn.U)), nil
	case c == boolClass && fn.B != nil:
		return ir.FromSlice(bc.shape, zipWith(ir.Values[bool](a), ir.Values[bool](b), bc, fn.B)), nil
	}
	return nil, unsupportedDType(dt)
}

// cmpFn is the scalar predicate of a comparison or logic op, per class.
type cmpFn struct {
	F func(a, b float64) bool
	I func(a, b int64) bool
	U func(a, b uint64) bool
	B func(a, b bool) bool
	S func(a, b string) bool
}

// applyCompare computes the bool tensor fn(a, b) over their broadcast.
func applyCompare(a, b *ir.Tensor, fn cmpFn) (*ir.Tensor, error) {
	if err := sameDType(a, b); err != nil {
		return nil, err
	}
	bc, err := newBcast(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	var out []bool
	switch c := classOf(a.DType); {
	case c == floatClass && fn.F != nil:
		out = zipWith(asFloat64s(a), asFloat64s(b), bc, fn.F)
	case c == signedClass && fn.I != nil:
		out = zipWith(asInt64s(a), asInt64s(b), bc, fn.I)
	case c == unsignedClass && fn.U != nil:
		out = zipWith(asUint64s(a), asUint64s(b), bc, fn.U)
	case c == boolClass && fn.B != nil:
		out = zipWith(ir.Values[bool](a), ir.Values[bool](b), bc, fn.B)
	case c == stringClass && fn.S != nil:
		out = zipWith(ir.Values[string](a), ir.Values[string](b), bc, fn.S)
	default:
		return nil, unsupportedDType(a.DType)
	}
	return ir.FromSlice(bc.shape, out), nil
}

// ordered builds the cmpFn of an order comparison from a test on
// cmp.Compare's result. Any comparison with NaN is false, as in IEEE 754.
func ordered(test func(c int) bool) cmpFn {
	return cmpFn{
		F: func(a, b float64) bool { return !math.IsNaN(a) && !math.IsNaN(b) && test(cmp.Compare(a, b)) },
		I: func(a, b int64) bool { return test(cmp.Compare(a, b)) },
		U: func(a, b uint64) bool { return test(cmp.Compare(a, b)) },
	}
}

func binaryKernel(fn binFn) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		out, err := applyBinary(Tensor(in, 0), Tensor(in, 1), fn)
		if err != nil {
			return nil, err
		}
		return Outs(out), nil
	}
}

func compareKernel(fn cmpFn) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		out, err := applyCompare(Tensor(in, 0), Tensor(in, 1), fn)
		if err != nil {
			return nil, err
		}
		return Outs(out), nil
	}
}

// checkNoIntZero fails when an integer divisor holds a zero: integer
// division by zero has no value (numpy warns and yields 0, C traps).
func checkNoIntZero(b *ir.Tensor) error {
	if !b.DType.IsInt() {
		return nil
	}
	for i := range b.Len() {
		if b.Int64At(i) == 0 {
			return fmt.Errorf("integer division by zero (divisor element %d)", i)
		}
	}
	return nil
}

// divKernel is Div: integer quotients truncate toward zero like C.
func divKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	if err := checkNoIntZero(Tensor(in, 1)); err != nil {
		return nil, err
	}
	return binaryKernel(binFn{
		F: func(a, b float64) float64 { return a / b },
		I: func(a, b int64) int64 { return a / b },
		U: func(a, b uint64) uint64 { return a / b },
	})(nil, n, in)
}

// modKernel is Mod. fmod=1 is C's fmod (the sign of the dividend);
// fmod=0 is Python's % (the sign of the divisor). ONNX allows fmod=0 only
// for integers; floats get the same floored meaning here, as numpy's mod.
func modKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	if err := checkNoIntZero(Tensor(in, 1)); err != nil {
		return nil, err
	}
	fn := binFn{
		F: math.Mod,
		I: func(a, b int64) int64 {
			if b == -1 {
				return 0 // MinInt64 % -1 overflows in some CPUs' division
			}
			return a % b
		},
		U: func(a, b uint64) uint64 { return a % b },
	}
	if n.Int("fmod") == 0 {
		truncF, truncI := fn.F, fn.I
		fn.F = func(a, b float64) float64 {
			r := truncF(a, b)
			if r != 0 && (r < 0) != (b < 0) {
				r += b
			}
			return r
		}
		fn.I = func(a, b int64) int64 {
			r := truncI(a, b)
			if r != 0 && (r < 0) != (b < 0) {
				r += b
			}
			return r
		}
	}
	return binaryKernel(fn)(nil, n, in)
}

// bitShiftKernel is BitShift on unsigned integers. Shifting by the width
// or more gives 0, as numpy does.
func bitShiftKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	var f func(a, b uint64) uint64
	switch dir := n.Str("direction"); dir {
	case "LEFT":
		f = func(a, b uint64) uint64 { return a << b }
	case "RIGHT":
		f = func(a, b uint64) uint64 { return a >> b }
	default:
		return nil, fmt.Errorf("direction %q is neither LEFT nor RIGHT", dir)
	}
	return binaryKernel(binFn{U: f})(nil, n, in)
}

// powKernel is Pow: the result has the base's dtype; the exponent may
// have any numeric dtype. Integer bases with integer exponents are exact
// (wrapping); with float exponents they are computed in float64 and
// truncated, as numpy's astype does.
func powKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, y := Tensor(in, 0), Tensor(in, 1)
	if !x.DType.IsNumeric() || !y.DType.IsNumeric() {
		return nil, fmt.Errorf("Pow of %s by %s: both must be numeric", x.DType, y.DType)
	}
	bc, err := newBcast(x.Shape, y.Shape)
	if err != nil {
		return nil, err
	}
	if x.DType.IsFloat() || y.DType.IsFloat() {
		out := zipWith(asFloat64s(x), asFloat64s(y), bc, math.Pow)
		return Outs(FromFloat64s(x.DType, bc.shape, out)), nil
	}
	// Integers: exponents as int64 (a uint64 exponent past 2^63 only
	// matters modulo the wrap, where it behaves like any huge exponent).
	ys := asInt64s(y)
	if y.DType.IsUnsigned() {
		ys = mapSlice(asUint64s(y), func(v uint64) int64 { return int64(min(v, math.MaxInt64)) })
	}
	if x.DType.IsUnsigned() {
		out := zipWith(asUint64s(x), ys, bc, func(a uint64, e int64) uint64 { return uint64(intPow(int64(a), e)) })
		return Outs(fromUint64s(x.DType, bc.shape, out)), nil
	}
	return Outs(fromInt64s(x.DType, bc.shape, zipWith(asInt64s(x), ys, bc, intPow))), nil
}

// intPow is a^e in wrapping 64-bit arithmetic; a negative exponent gives
// the truncated real result (0 unless |a| is 1).
func intPow(a, e int64) int64 {
	if e < 0 {
		switch a {
		case 1:
			return 1
		case -1:
			if e%2 == 0 {
				return 1
			}
			return -1
		}
		return 0
	}
	r := int64(1)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r *= a
		}
		a *= a
	}
	return r
}

func init() {
	Register("Add", binaryKernel(binFn{
		F: func(a, b float64) float64 { return a + b },
		I: func(a, b int64) int64 { return a + b },
		U: func(a, b uint64) uint64 { return a + b },
	}))
	Register("Sub", binaryKernel(binFn{
		F: func(a, b float64) float64 { return a - b },
		I: func(a, b int64) int64 { return a - b },
		U: func(a, b uint64) uint64 { return a - b },
	}))
	Register("Mul", binaryKernel(binFn{
		F: func(a, b float64) float64 { return a * b },
		I: func(a, b int64) int64 { return a * b },
		U: func(a, b uint64) uint64 { return a * b },
	}))
	Register("Div", divKernel)
	Register("Mod", modKernel)
	Register("Pow", powKernel)
	Register("BitShift", bitShiftKernel)
	Register("BitwiseAnd", binaryKernel(binFn{
		I: func(a, b int64) int64 { return a & b },
		U: func(a, b uint64) uint64 { return a & b },
	}))
	Register("BitwiseOr", binaryKernel(binFn{
		I: func(a, b int64) int64 { return a | b },
		U: func(a, b uint64) uint64 { return a | b },
	}))
	Register("BitwiseXor", binaryKernel(binFn{
		I: func(a, b int64) int64 { return a ^ b },
		U: func(a, b uint64) uint64 { return a ^ b },
	}))

	equal := ordered(func(c int) bool { return c == 0 })
	equal.B = func(a, b bool) bool { return a == b }
	equal.S = func(a, b string) bool { return a == b }
	Register("Equal", compareKernel(equal))
	Register("Greater", compareKernel(ordered(func(c int) bool { return c > 0 })))
	Register("GreaterOrEqual", compareKernel(ordered(func(c int) bool { return c >= 0 })))
	Register("Less", compareKernel(ordered(func(c int) bool { return c < 0 })))
	Register("LessOrEqual", compareKernel(ordered(func(c int) bool { return c <= 0 })))
	Register("And", compareKernel(cmpFn{B: func(a, b bool) bool { return a && b }}))
	Register("Or", compareKernel(cmpFn{B: func(a, b bool) bool { return a || b }}))
	Register("Xor", compareKernel(cmpFn{B: func(a, b bool) bool { return a != b }}))
}
