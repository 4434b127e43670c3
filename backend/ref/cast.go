package ref

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/dlc-go/dlc/ir"
)

// Cast and CastLike. Number-to-number conversions follow C casts (as
// numpy's astype does): floats round to nearest even, float-to-integer
// truncates toward zero, integers wrap. Strings parse and print the way
// numpy does, so a round trip through text is exact.

// CastTensor converts t to dtype dt. It fails on unsupported dtypes and on
// strings that do not parse as the target type.
func CastTensor(t *ir.Tensor, dt ir.DType) (*ir.Tensor, error) {
	src, dst := classOf(t.DType), classOf(dt)
	if src == noClass || dst == noClass {
		return nil, fmt.Errorf("cannot cast %s to %s", t.DType, dt)
	}
	switch {
	case t.DType == dt:
		return t.Clone(), nil
	case src == stringClass:
		return parseStrings(ir.Values[string](t), t.Shape, dt)
	case dst == stringClass:
		return ir.FromSlice(t.Shape, formatStrings(t)), nil
	case dst == boolClass:
		out := make([]bool, t.Len())
		for i := range out {
			// Every nonzero value is true, NaN included.
			out[i] = t.Float64At(i) != 0
		}
		return ir.FromSlice(t.Shape, out), nil
	case src == unsignedClass && dst != floatClass:
		return uintsToDType(dt, t.Shape, asUint64s(t)), nil
	case src == signedClass && dst != floatClass, src == boolClass && dst != floatClass:
		return intsToDType(dt, t.Shape, asInt64s(t)), nil
	case src == unsignedClass:
		return intsToFloat(dt, t.Shape, t.Len(), func(i int, f *big.Float) { f.SetUint64(asUint64s(t)[i]) }), nil
	case src == signedClass:
		return intsToFloat(dt, t.Shape, t.Len(), func(i int, f *big.Float) { f.SetInt64(t.Int64At(i)) }), nil
	}
	// Floats to floats or integers; integers to floats.
	return FromFloat64s(dt, t.Shape, asFloat64s(t)), nil
}

// intsToDType stores int64 values into any integer dtype, wrapping.
func intsToDType(dt ir.DType, shape []int, v []int64) *ir.Tensor {
	if dt.IsSigned() {
		return fromInt64s(dt, shape, v)
	}
	return fromUint64s(dt, shape, mapSlice(v, func(x int64) uint64 { return uint64(x) }))
}

// uintsToDType stores uint64 values into any integer dtype, wrapping.
func uintsToDType(dt ir.DType, shape []int, v []uint64) *ir.Tensor {
	if dt.IsUnsigned() {
		return fromUint64s(dt, shape, v)
	}
	return fromInt64s(dt, shape, mapSlice(v, func(x uint64) int64 { return int64(x) }))
}

// floatPrec is the significand precision, in bits, of each float dtype.
var floatPrec = map[ir.DType]uint{ir.Float64: 53, ir.Float32: 24, ir.Float16: 11, ir.BFloat16: 8}

// intsToFloat converts n integers (set into a big.Float by set) to a float
// dtype rounding once, to nearest even: going through float64 would round
// twice for integers wider than 53 bits.
func intsToFloat(dt ir.DType, shape []int, n int, set func(int, *big.Float)) *ir.Tensor {
	out := ir.Zeros(dt, shape)
	f := new(big.Float).SetPrec(floatPrec[dt]).SetMode(big.ToNearestEven)
	for i := 0; i < n; i++ {
		set(i, f)
		v, _ := f.Float64() // exact: f has at most 53 bits
		out.SetFloat64At(i, v)
	}
	return out
}

// float64ToHalf rounds v to float16 or bfloat16 bits, once.
func float64ToHalf(dt ir.DType, v float64) uint16 {
	if dt == ir.BFloat16 {
		return ir.F64ToBF16(v)
	}
	return ir.F64ToF16(v)
}

// formatStrings prints every element as numpy's str() does: shortest
// round-trip digits for floats, "nan"/"inf"/"-inf", "True"/"False".
func formatStrings(t *ir.Tensor) []string {
	out := make([]string, t.Len())
	for i := range out {
		switch c := classOf(t.DType); c {
		case boolClass:
			out[i] = "False"
			if ir.Values[bool](t)[i] {
				out[i] = "True"
			}
		case signedClass:
			out[i] = strconv.FormatInt(t.Int64At(i), 10)
		case unsignedClass:
			out[i] = strconv.FormatUint(uint64(t.Int64At(i)), 10)
		default:
			out[i] = formatFloat(t.Float64At(i), t.DType)
		}
	}
	return out
}

// formatFloat prints v, a value of float dtype dt, like numpy's repr of
// that type: the fewest digits that read back to the same value, in
// positional notation for 1e-4 <= |v| < 1e16 and scientific otherwise.
func formatFloat(v float64, dt ir.DType) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	digits := shortestDigits(v, dt) // e.g. "1.2345e-05"
	mant, expStr, _ := strings.Cut(digits, "e")
	exp, _ := strconv.Atoi(expStr)
	if a := math.Abs(v); a == 0 || (a >= 1e-4 && a < 1e16) {
		f := strconv.FormatFloat(mustParse(digits), 'f', -1, 64)
		if !strings.Contains(f, ".") {
			f += ".0"
		}
		return f
	}
	// numpy writes at least two exponent digits, with a sign.
	sign := "+"
	if exp < 0 {
		sign, exp = "-", -exp
	}
	return fmt.Sprintf("%se%s%02d", mant, sign, exp)
}

func mustParse(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// shortestDigits returns v in 'e' notation with the fewest significant
// digits that convert back to v in dtype dt.
func shortestDigits(v float64, dt ir.DType) string {
	switch dt {
	case ir.Float32:
		return strconv.FormatFloat(v, 'e', -1, 32)
	case ir.Float64:
		return strconv.FormatFloat(v, 'e', -1, 64)
	}
	// float16 and bfloat16: try precisions until one reads back.
	want := float64ToHalf(dt, v)
	for prec := 0; prec < 17; prec++ {
		s := strconv.FormatFloat(v, 'e', prec, 64)
		if float64ToHalf(dt, mustParse(s)) == want {
			return s
		}
	}
	return strconv.FormatFloat(v, 'e', -1, 64)
}

// parseStrings converts text to dtype dt. Floats accept what
// strconv.ParseFloat does, which covers "1e-5", "NaN", "INF", "-inf" and
// "+Infinity" in any case; integers also accept float text, truncated;
// bools accept "true"/"false" in any case and numbers (nonzero is true).
func parseStrings(s []string, shape []int, dt ir.DType) (*ir.Tensor, error) {
	out := ir.Zeros(dt, shape)
	for i, raw := range s {
		text := strings.TrimSpace(raw)
		switch classOf(dt) {
		case boolClass:
			b, err := parseBool(text)
			if err != nil {
				return nil, err
			}
			ir.Values[bool](out)[i] = b
		case signedClass:
			if v, err := strconv.ParseInt(text, 10, 64); err == nil {
				out.SetInt64At(i, v)
				continue
			}
			f, err := parseFloatText(text, 64)
			if err != nil {
				return nil, err
			}
			out.SetFloat64At(i, f)
		case unsignedClass:
			if v, err := strconv.ParseUint(text, 10, 64); err == nil {
				out.SetInt64At(i, int64(v))
				continue
			}
			f, err := parseFloatText(text, 64)
			if err != nil {
				return nil, err
			}
			out.SetFloat64At(i, f)
		case floatClass:
			bits := 64
			if dt == ir.Float32 {
				bits = 32 // round the decimal once, straight to float32
			}
			f, err := parseFloatText(text, bits)
			if err != nil {
				return nil, err
			}
			if dt == ir.Float16 || dt == ir.BFloat16 {
				ir.Values[uint16](out)[i] = float64ToHalf(dt, f)
			} else {
				out.SetFloat64At(i, f)
			}
		}
	}
	return out, nil
}

func parseFloatText(text string, bits int) (float64, error) {
	f, err := strconv.ParseFloat(text, bits)
	if err != nil && !isRangeErr(err) {
		return 0, fmt.Errorf("cannot parse %q as a number", text)
	}
	return f, nil // out of range parses to ±Inf or 0, as numpy does
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func parseBool(text string) (bool, error) {
	switch strings.ToLower(text) {
	case "true":
		return true, nil
	case "false", "":
		return false, nil
	}
	f, err := parseFloatText(text, 64)
	if err != nil {
		return false, fmt.Errorf("cannot parse %q as a bool", text)
	}
	return f != 0, nil
}

func castKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	out, err := CastTensor(Tensor(in, 0), ir.DType(n.Int("to")))
	if err != nil {
		return nil, err
	}
	return Outs(out), nil
}

func castLikeKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	out, err := CastTensor(Tensor(in, 0), Tensor(in, 1).DType)
	if err != nil {
		return nil, err
	}
	return Outs(out), nil
}

func init() {
	Register("Cast", castKernel)
	Register("CastLike", castLikeKernel)
}
