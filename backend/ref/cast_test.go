package ref

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func castTo(dt ir.DType) map[string]*ir.Attr { return map[string]*ir.Attr{"to": ir.IntAttr(int64(dt))} }

func TestCastNumbers(t *testing.T) {
	f := ewF32([]int{5}, -2.7, -0.5, 0.5, 2.7, 300)
	ewExact(t, "float->int32 truncates", ewMust(t, "Cast", castTo(ir.Int32), f), []int{5}, int32(-2), 0, 0, 2, 300)
	ewExact(t, "float->uint8", ewMust(t, "Cast", castTo(ir.Uint8), ewF32([]int{2}, 2.9, 255)), []int{2}, uint8(2), 255)
	ewExact(t, "float->bool", ewMust(t, "Cast", castTo(ir.Bool), ewF32([]int{3}, 0, -0.1, float32(math.NaN()))),
		[]int{3}, false, true, true)
	ewExact(t, "int64->int8 wraps", ewMust(t, "Cast", castTo(ir.Int8), ir.FromSlice([]int{2}, []int64{200, -129})),
		[]int{2}, int8(-56), 127)
	ewExact(t, "int8->uint16 wraps", ewMust(t, "Cast", castTo(ir.Uint16), ir.FromSlice([]int{1}, []int8{-1})),
		[]int{1}, uint16(0xffff))
	ewExact(t, "uint64->int64 keeps bits", ewMust(t, "Cast", castTo(ir.Int64), ir.FromSlice([]int{1}, []uint64{math.MaxUint64})),
		[]int{1}, int64(-1))
	ewExact(t, "uint64->double", ewMust(t, "Cast", castTo(ir.Float64), ir.FromSlice([]int{1}, []uint64{1 << 63})),
		[]int{1}, float64(1<<63))
	ewExact(t, "bool->float", ewMust(t, "Cast", castTo(ir.Float32), ir.FromSlice([]int{2}, []bool{true, false})),
		[]int{2}, float32(1), 0)
	ewExact(t, "int64 exact through int64", ewMust(t, "Cast", castTo(ir.Int64), ir.FromSlice([]int{1}, []int32{-7})),
		[]int{1}, int64(-7))
	// CastLike takes the dtype of its second input.
	ewExact(t, "CastLike", ewMust(t, "CastLike", nil, f, ir.Scalar[int16](0)), []int{5}, int16(-2), 0, 0, 2, 300)
}

func TestCastToHalfRoundsOnce(t *testing.T) {
	// Just above the midpoint of 1 and the next float16: rounding to
	// float32 first would land exactly on the midpoint and round to even (1).
	v := 1 + math.Ldexp(1, -11) + math.Ldexp(1, -40)
	got := ewMust(t, "Cast", castTo(ir.Float16), ir.FromSlice([]int{1}, []float64{v}))
	if b := ir.Values[uint16](got)[0]; b != 0x3c01 {
		t.Errorf("float16 of %v: bits %#x, want 0x3c01", v, b)
	}
	// bfloat16: nearest even, not truncation.
	got = ewMust(t, "Cast", castTo(ir.BFloat16), ewF32([]int{2}, math.Float32frombits(0x3f80c000), math.Float32frombits(0x3f808000)))
	if b := ir.Values[uint16](got); got.DType != ir.BFloat16 || b[0] != 0x3f81 || b[1] != 0x3f80 {
		t.Errorf("bfloat16 rounding: got %s %#x, want bf16 [0x3f81 0x3f80]", got.DType, b)
	}
	got = ewMust(t, "Cast", castTo(ir.Float32), ir.FromBits(ir.Float16, []int{2}, []uint16{0x3c01, 0xfc00}))
	ewExact(t, "float16->float", got, []int{2}, float32(1+1.0/1024), float32(math.Inf(-1)))
}

func TestCastStrings(t *testing.T) {
	in := ir.FromSlice([]int{2, 4}, []string{"0.5", "1e-5", "NaN", "INF", "+INF", "-inf", " 7 ", "-Infinity"})
	got := ewMust(t, "Cast", castTo(ir.Float32), in)
	ewClose(t, "string->float", got, ir.Float32, []int{2, 4},
		0.5, float64(float32(1e-5)), math.NaN(), math.Inf(1), math.Inf(1), math.Inf(-1), 7, math.Inf(-1))
	ewExact(t, "string->int64", ewMust(t, "Cast", castTo(ir.Int64), ir.FromSlice([]int{3}, []string{"-9007199254740993", "12", "3.9"})),
		[]int{3}, int64(-9007199254740993), 12, 3)
	ewExact(t, "string->bool", ewMust(t, "Cast", castTo(ir.Bool), ir.FromSlice([]int{4}, []string{"True", "false", "0", "2"})),
		[]int{4}, true, false, false, true)
	_, err := ewRun(t, "Cast", castTo(ir.Float32), ir.FromSlice([]int{1}, []string{"abc"}))
	ewErr(t, "unparsable", err, `"abc"`)

	// float32 prints like numpy: shortest round-trip digits, positional
	// for 1e-4 <= |x| < 1e16, two-digit signed exponents otherwise.
	// (float32(1e-4) is just below 1e-4.) Expected strings are numpy 1.24's.
	f := ewF32([]int{10}, 0.039187793, 1, float32(math.Copysign(0, -1)), 1e-5, 1.5e20, 123456.79,
		float32(math.NaN()), float32(math.Inf(-1)), 0.0001, 9.999e15)
	ewExact(t, "float->string", ewMust(t, "Cast", castTo(ir.String), f), []int{10},
		"0.039187793", "1.0", "-0.0", "1e-05", "1.5e+20", "123456.79", "nan", "-inf", "1e-04", "9999000000000000.0")
	ewExact(t, "double->string", ewMust(t, "Cast", castTo(ir.String), ir.FromSlice([]int{1}, []float64{0.1})), []int{1}, "0.1")
	h := ir.FromBits(ir.Float16, []int{1}, []uint16{ir.F32ToF16(0.1)})
	ewExact(t, "float16->string is the float16 shortest", ewMust(t, "Cast", castTo(ir.String), h), []int{1}, "0.1")
	ewExact(t, "ints and bools->string", ewMust(t, "Cast", castTo(ir.String), ir.FromSlice([]int{2}, []uint64{math.MaxUint64, 0})),
		[]int{2}, "18446744073709551615", "0")
	ewExact(t, "bool->string", ewMust(t, "Cast", castTo(ir.String), ir.FromSlice([]int{2}, []bool{true, false})),
		[]int{2}, "True", "False")
}
