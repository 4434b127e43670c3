package ref

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// ewRun builds a one-node graph of op over the inputs (nil for an omitted
// one) and runs its kernel, returning output 0. The helpers serve the
// elementwise, activation and cast tests.
func ewRun(t *testing.T, op string, attrs map[string]*ir.Attr, in ...*ir.Tensor) (*ir.Tensor, error) {
	t.Helper()
	out, err := runOp(t, op, attrs, outNames(1), tensorsData(in)...)
	if err != nil {
		return nil, err
	}
	return out[0].(*ir.Tensor), nil
}

// ewMust is ewRun that fails the test on an error.
func ewMust(t *testing.T, op string, attrs map[string]*ir.Attr, in ...*ir.Tensor) *ir.Tensor {
	t.Helper()
	y, err := ewRun(t, op, attrs, in...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return y
}

// ewExact checks dtype, shape and exact data of got.
func ewExact[T ir.Elem](t *testing.T, what string, got *ir.Tensor, shape []int, want ...T) {
	t.Helper()
	if got.DType != ir.DTypeOf[T]() || !slices.Equal(got.Shape, shape) {
		t.Fatalf("%s: got %s, want %s%v", what, got, ir.DTypeOf[T](), shape)
	}
	if g := ir.Values[T](got); !reflect.DeepEqual(g, want) {
		t.Errorf("%s: got %v, want %v", what, g, want)
	}
}

// ewClose checks dtype, shape and values within 1e-6 relative (NaN
// matches NaN).
func ewClose(t *testing.T, what string, got *ir.Tensor, dt ir.DType, shape []int, want ...float64) {
	t.Helper()
	if got.DType != dt || !slices.Equal(got.Shape, shape) {
		t.Fatalf("%s: got %s, want %s%v", what, got, dt, shape)
	}
	for i, w := range want {
		g := got.Float64At(i)
		if math.IsNaN(w) && math.IsNaN(g) {
			continue
		}
		if math.Abs(g-w) > 1e-6*math.Max(1, math.Abs(w)) || math.IsNaN(g) {
			t.Errorf("%s: element %d is %v, want %v", what, i, g, w)
		}
	}
}

func ewErr(t *testing.T, what string, err error, contains string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), contains) {
		t.Errorf("%s: error %v, want one containing %q", what, err, contains)
	}
}

func ewF32(shape []int, v ...float32) *ir.Tensor { return ir.FromSlice(shape, v) }

func TestBinaryBroadcast(t *testing.T) {
	a := ewF32([]int{2, 1, 3}, 1, 2, 3, 4, 5, 6)
	b := ewF32([]int{4, 1}, 10, 20, 30, 40)
	got := ewMust(t, "Add", nil, a, b)
	want := []float32{}
	for i := range 2 {
		for j := range 4 {
			for k := range 3 {
				want = append(want, float32(i*3+k+1)+float32(10*(j+1)))
			}
		}
	}
	ewExact(t, "Add [2,1,3]+[4,1]", got, []int{2, 4, 3}, want...)
	ewExact(t, "Sub scalar", ewMust(t, "Sub", nil, ewF32([]int{2}, 5, 7), ir.Scalar[float32](1)), []int{2}, float32(4), 6)

	_, err := ewRun(t, "Mul", nil, ewF32([]int{3}, 1, 2, 3), ewF32([]int{1, 1}, 1), ewF32([]int{2}, 1, 2))
	ewErr(t, "three inputs to Mul", err, "inputs")
	_, err = ewRun(t, "Mul", nil, ewF32([]int{3}, 1, 2, 3), ewF32([]int{2}, 1, 2))
	ewErr(t, "incompatible shapes", err, "broadcast")
	_, err = ewRun(t, "Add", nil, ewF32([]int{1}, 1), ir.FromSlice([]int{1}, []int32{1}))
	ewErr(t, "mixed dtypes", err, "differ")
	_, err = ewRun(t, "Add", nil, ir.FromSlice([]int{1}, []bool{true}), ir.FromSlice([]int{1}, []bool{true}))
	ewErr(t, "bool Add", err, "wants one of")
}

func TestIntegerArithmeticIsExact(t *testing.T) {
	// int8 wraps like C; int64 beyond 2^53 stays exact.
	i8 := ir.FromSlice([]int{3}, []int8{127, -128, 100})
	ewExact(t, "int8 Add wraps", ewMust(t, "Add", nil, i8, ir.Scalar[int8](1)), []int{3}, int8(-128), -127, 101)
	big := ir.FromSlice([]int{1}, []int64{1<<62 + 1})
	ewExact(t, "int64 Add", ewMust(t, "Add", nil, big, big), []int{1}, int64(1<<63+2-1<<64))
	u64 := ir.FromSlice([]int{2}, []uint64{math.MaxUint64, 1 << 63})
	ewExact(t, "uint64 Sub", ewMust(t, "Sub", nil, u64, ir.FromSlice([]int{1}, []uint64{1})), []int{2}, uint64(math.MaxUint64-1), 1<<63-1)
	ewExact(t, "uint64 Greater", ewMust(t, "Greater", nil, u64, ir.FromSlice([]int{1}, []uint64{1 << 63})), []int{2}, true, false)
	ewExact(t, "uint8 Mul wraps", ewMust(t, "Mul", nil, ir.FromSlice([]int{1}, []uint8{200}), ir.FromSlice([]int{1}, []uint8{2})), []int{1}, uint8(144))
}

func TestDivAndMod(t *testing.T) {
	a := ir.FromSlice([]int{4}, []int32{7, -7, 7, -7})
	b := ir.FromSlice([]int{4}, []int32{2, 2, -2, -2})
	ewExact(t, "int Div truncates", ewMust(t, "Div", nil, a, b), []int{4}, int32(3), -3, -3, 3)
	ewExact(t, "Mod fmod=0 has the divisor's sign", ewMust(t, "Mod", nil, a, b), []int{4}, int32(1), 1, -1, -1)
	ewExact(t, "Mod fmod=1 has the dividend's sign",
		ewMust(t, "Mod", map[string]*ir.Attr{"fmod": ir.IntAttr(1)}, a, b), []int{4}, int32(1), -1, 1, -1)
	fa := ewF32([]int{3}, 5.5, -5.5, 5.5)
	fb := ewF32([]int{3}, 2, 2, -2)
	ewExact(t, "float fmod", ewMust(t, "Mod", map[string]*ir.Attr{"fmod": ir.IntAttr(1)}, fa, fb), []int{3}, float32(1.5), -1.5, 1.5)
	ewExact(t, "float floored mod", ewMust(t, "Mod", nil, fa, fb), []int{3}, float32(1.5), 0.5, -0.5)
	ewExact(t, "float Div by zero", ewMust(t, "Div", nil, ewF32([]int{1}, 1), ewF32([]int{1}, 0)), []int{1}, float32(math.Inf(1)))

	_, err := ewRun(t, "Div", nil, a, ir.FromSlice([]int{2, 1}, []int32{1, 0}))
	ewErr(t, "int Div by zero", err, "division by zero")
	_, err = ewRun(t, "Mod", nil, a, ir.Scalar[int32](0))
	ewErr(t, "int Mod by zero", err, "division by zero")
}

func TestPowMixedTypes(t *testing.T) {
	ewExact(t, "int^int", ewMust(t, "Pow", nil, ir.FromSlice([]int{3}, []int64{2, -3, 5}), ir.FromSlice([]int{3}, []int64{62, 3, 0})),
		[]int{3}, int64(1<<62), -27, 1)
	ewExact(t, "int^float truncates", ewMust(t, "Pow", nil, ir.FromSlice([]int{2}, []int32{2, 9}), ewF32([]int{1}, 0.5)),
		[]int{2}, int32(1), 3)
	ewExact(t, "float^int", ewMust(t, "Pow", nil, ewF32([]int{2}, 2, -1.5), ir.FromSlice([]int{1}, []uint64{3})),
		[]int{2}, float32(8), -3.375)
	ewExact(t, "int^negative", ewMust(t, "Pow", nil, ir.FromSlice([]int{3}, []int64{2, -1, 1}), ir.Scalar[int64](-3)),
		[]int{3}, int64(0), -1, 1)
	// ONNX's Pow base is int32, int64 or a float type.
	_, err := ewRun(t, "Pow", nil, ir.FromSlice([]int{1}, []uint8{3}), ir.FromSlice([]int{1}, []uint8{6}))
	ewErr(t, "uint8 base", err, "wants one of i32")
}

func TestBitOps(t *testing.T) {
	x := ir.FromSlice([]int{3}, []uint8{1, 0x81, 16})
	y := ir.FromSlice([]int{3}, []uint8{3, 1, 9})
	left := map[string]*ir.Attr{"direction": ir.StringAttr("LEFT")}
	right := map[string]*ir.Attr{"direction": ir.StringAttr("RIGHT")}
	ewExact(t, "shift left", ewMust(t, "BitShift", left, x, y), []int{3}, uint8(8), 2, 0)
	ewExact(t, "shift right", ewMust(t, "BitShift", right, x, y), []int{3}, uint8(0), 0x40, 0)
	_, err := ewRun(t, "BitShift", map[string]*ir.Attr{"direction": ir.StringAttr("UP")}, x, y)
	ewErr(t, "bad direction", err, "UP")
	_, err = ewRun(t, "BitShift", left, ir.FromSlice([]int{1}, []int32{1}), ir.FromSlice([]int{1}, []int32{1}))
	ewErr(t, "signed shift", err, "wants one of u8")

	a := ir.FromSlice([]int{2}, []int16{-1, 0x0f0f})
	b := ir.FromSlice([]int{2}, []int16{0x00ff, 0x00ff})
	ewExact(t, "and", ewMust(t, "BitwiseAnd", nil, a, b), []int{2}, int16(0xff), 0x0f)
	ewExact(t, "or", ewMust(t, "BitwiseOr", nil, a, b), []int{2}, int16(-1), 0x0fff)
	ewExact(t, "xor", ewMust(t, "BitwiseXor", nil, a, b), []int{2}, int16(-256), 0x0ff0)
	ewExact(t, "not", ewMust(t, "BitwiseNot", nil, a), []int{2}, int16(0), ^int16(0x0f0f))
	ewExact(t, "not uint", ewMust(t, "BitwiseNot", nil, ir.FromSlice([]int{1}, []uint32{5})), []int{1}, ^uint32(5))
}

func TestComparisonsAndLogic(t *testing.T) {
	nan := float32(math.NaN())
	a := ewF32([]int{4}, 1, 2, nan, 3)
	b := ewF32([]int{4}, 1, 3, nan, 2)
	ewExact(t, "Equal", ewMust(t, "Equal", nil, a, b), []int{4}, true, false, false, false)
	ewExact(t, "Greater", ewMust(t, "Greater", nil, a, b), []int{4}, false, false, false, true)
	ewExact(t, "GreaterOrEqual", ewMust(t, "GreaterOrEqual", nil, a, b), []int{4}, true, false, false, true)
	ewExact(t, "Less", ewMust(t, "Less", nil, a, b), []int{4}, false, true, false, false)
	ewExact(t, "LessOrEqual", ewMust(t, "LessOrEqual", nil, a, b), []int{4}, true, true, false, false)

	s := ir.FromSlice([]int{2, 1}, []string{"a", "b"})
	ewExact(t, "string Equal broadcast", ewMust(t, "Equal", nil, s, ir.FromSlice([]int{2}, []string{"a", "b"})),
		[]int{2, 2}, true, false, false, true)
	_, err := ewRun(t, "Less", nil, s, s)
	ewErr(t, "string Less", err, "wants one of")

	p := ir.FromSlice([]int{2, 2}, []bool{true, true, false, false})
	q := ir.FromSlice([]int{2}, []bool{true, false})
	ewExact(t, "And", ewMust(t, "And", nil, p, q), []int{2, 2}, true, false, false, false)
	ewExact(t, "Or", ewMust(t, "Or", nil, p, q), []int{2, 2}, true, true, true, false)
	ewExact(t, "Xor", ewMust(t, "Xor", nil, p, q), []int{2, 2}, false, true, true, false)
	ewExact(t, "Not", ewMust(t, "Not", nil, q), []int{2}, false, true)
	_, err = ewRun(t, "And", nil, a, b)
	ewErr(t, "float And", err, "wants one of bool")
}
