package ref

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// evalShapeOp builds one node of op over graph inputs typed like in (nil
// for an omitted input) and runs its reference kernel.
func evalShapeOp(t *testing.T, op string, attrs map[string]*ir.Attr, nout int, in ...*ir.Tensor) ([]ir.Data, error) {
	t.Helper()
	return runOp(t, op, attrs, outNames(nout), tensorsData(in)...)
}

// mustShapeOp is evalShapeOp for cases that must succeed; it returns the
// output tensors.
func mustShapeOp(t *testing.T, op string, attrs map[string]*ir.Attr, nout int, in ...*ir.Tensor) []*ir.Tensor {
	t.Helper()
	out, err := evalShapeOp(t, op, attrs, nout, in...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	ts := make([]*ir.Tensor, len(out))
	for i, d := range out {
		ts[i] = d.(*ir.Tensor)
	}
	return ts
}

// wantShapeErr checks that op fails with a message containing frag.
func wantShapeErr(t *testing.T, frag, op string, attrs map[string]*ir.Attr, nout int, in ...*ir.Tensor) {
	t.Helper()
	_, err := evalShapeOp(t, op, attrs, nout, in...)
	if err == nil || !strings.Contains(err.Error(), frag) {
		t.Errorf("%s: error %v, want one containing %q", op, err, frag)
	}
}

// wantT checks a tensor's shape and data exactly.
func wantT[T ir.Elem](t *testing.T, got *ir.Tensor, shape []int, vals ...T) {
	t.Helper()
	if !slices.Equal(got.Shape, shape) {
		t.Fatalf("shape %v, want %v", got.Shape, shape)
	}
	if vals == nil {
		vals = []T{}
	}
	if !reflect.DeepEqual(got.Data, vals) {
		t.Fatalf("data %v, want %v", got.Data, vals)
	}
}

func i64s(shape []int, v ...int64) *ir.Tensor   { return ir.FromSlice(shape, v) }
func f32s(shape []int, v ...float32) *ir.Tensor { return ir.FromSlice(shape, v) }
func vec(v ...int64) *ir.Tensor                 { return ir.FromSlice([]int{len(v)}, v) }

// iota32 is 0, 1, ... as float32 of the given shape.
func iota32(shape ...int) *ir.Tensor {
	n, _ := ir.NumElements(shape)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return ir.FromSlice(shape, v)
}

func attrs(kv ...any) map[string]*ir.Attr {
	m := map[string]*ir.Attr{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(*ir.Attr)
	}
	return m
}

func TestConstantReturnsACopy(t *testing.T) {
	val := f32s([]int{2}, 1, 2)
	out := mustShapeOp(t, "Constant", attrs("value", ir.TensorAttr(val)), 1)
	out[0].Data.([]float32)[0] = 9
	if val.Data.([]float32)[0] != 1 {
		t.Fatal("Constant output aliases the attribute")
	}
}

func TestReshape(t *testing.T) {
	x := iota32(2, 3, 4)
	out := mustShapeOp(t, "Reshape", nil, 1, x, vec(0, -1, 2))
	wantT(t, out[0].Reshaped([]int{2, 6, 2}), []int{2, 6, 2}, x.Data.([]float32)...)
	// allowzero: a 0 is a real zero dim, so only an empty input fits.
	wantShapeErr(t, "cannot reshape", "Reshape", attrs("allowzero", ir.IntAttr(1)), 1, x, vec(0, -1))
	empty := f32s([]int{0, 3})
	out = mustShapeOp(t, "Reshape", attrs("allowzero", ir.IntAttr(1)), 1, empty, vec(3, 0))
	wantT[float32](t, out[0], []int{3, 0})
	wantShapeErr(t, "more than one -1", "Reshape", nil, 1, x, vec(-1, -1))
	wantShapeErr(t, "cannot reshape", "Reshape", nil, 1, x, vec(5, 5))
}

func TestShapeAndSize(t *testing.T) {
	x := iota32(2, 3, 4, 5)
	wantT[int64](t, mustShapeOp(t, "Shape", nil, 1, x)[0], []int{4}, 2, 3, 4, 5)
	wantT[int64](t, mustShapeOp(t, "Shape", attrs("start", ir.IntAttr(-3), "end", ir.IntAttr(-1)), 1, x)[0], []int{2}, 3, 4)
	// Out-of-range bounds clamp; start past end is empty.
	wantT[int64](t, mustShapeOp(t, "Shape", attrs("start", ir.IntAttr(-10), "end", ir.IntAttr(10)), 1, x)[0], []int{4}, 2, 3, 4, 5)
	wantT[int64](t, mustShapeOp(t, "Shape", attrs("start", ir.IntAttr(3), "end", ir.IntAttr(1)), 1, x)[0], []int{0})
	wantT[int64](t, mustShapeOp(t, "Size", nil, 1, x)[0], nil, 120)
}

func TestFlattenSqueezeUnsqueeze(t *testing.T) {
	x := iota32(2, 1, 3)
	wantT(t, mustShapeOp(t, "Flatten", attrs("axis", ir.IntAttr(0)), 1, x)[0], []int{1, 6}, x.Data.([]float32)...)
	wantT(t, mustShapeOp(t, "Flatten", attrs("axis", ir.IntAttr(-1)), 1, x)[0], []int{2, 3}, x.Data.([]float32)...)
	wantT(t, mustShapeOp(t, "Squeeze", nil, 1, x)[0], []int{2, 3}, x.Data.([]float32)...)
	wantT(t, mustShapeOp(t, "Squeeze", nil, 1, x, vec(-2))[0], []int{2, 3}, x.Data.([]float32)...)
	wantShapeErr(t, "size is not 1", "Squeeze", nil, 1, x, vec(0))
	// Axes refer to the output and need not be sorted.
	wantT[float32](t, mustShapeOp(t, "Unsqueeze", nil, 1, f32s([]int{3}, 1, 2, 3), vec(2, 0))[0], []int{1, 3, 1}, 1, 2, 3)
	wantT[float32](t, mustShapeOp(t, "Unsqueeze", nil, 1, f32s([]int{3}, 1, 2, 3), vec(-1))[0], []int{3, 1}, 1, 2, 3)
	wantShapeErr(t, "repeated", "Unsqueeze", nil, 1, x, vec(0, 0))
}

func TestConcatTranspose(t *testing.T) {
	a := i64s([]int{2, 1}, 1, 2)
	b := i64s([]int{2, 2}, 3, 4, 5, 6)
	wantT[int64](t, mustShapeOp(t, "Concat", attrs("axis", ir.IntAttr(-1)), 1, a, b)[0], []int{2, 3}, 1, 3, 4, 2, 5, 6)
	wantT[int64](t, mustShapeOp(t, "Concat", attrs("axis", ir.IntAttr(0)), 1, b, i64s([]int{0, 2}))[0], []int{2, 2}, 3, 4, 5, 6)
	wantShapeErr(t, "incompatible", "Concat", attrs("axis", ir.IntAttr(0)), 1, a, b)
	wantShapeErr(t, "is f32", "Concat", attrs("axis", ir.IntAttr(1)), 1, a, f32s([]int{2, 1}, 1, 2))

	x := ir.FromSlice([]int{2, 3}, []string{"a", "b", "c", "d", "e", "f"})
	wantT(t, mustShapeOp(t, "Transpose", nil, 1, x)[0], []int{3, 2}, "a", "d", "b", "e", "c", "f")
	y := iota32(2, 3, 4)
	out := mustShapeOp(t, "Transpose", attrs("perm", ir.IntsAttr(1, 2, 0)), 1, y)[0]
	if !slices.Equal(out.Shape, []int{3, 4, 2}) || out.Data.([]float32)[1] != 12 || out.Data.([]float32)[2] != 1 {
		t.Fatalf("transpose(1,2,0) = %v %v", out.Shape, out.Data)
	}
	wantShapeErr(t, "perm", "Transpose", attrs("perm", ir.IntsAttr(0, 0, 1)), 1, y)
}

func TestSlice(t *testing.T) {
	x := iota32(10)
	// Negative step from past the end, clamped.
	wantT[float32](t, mustShapeOp(t, "Slice", nil, 1, x, vec(100), vec(-100), vec(0), vec(-3))[0], []int{4}, 9, 6, 3, 0)
	wantT[float32](t, mustShapeOp(t, "Slice", nil, 1, x, vec(-3), vec(1<<62))[0], []int{3}, 7, 8, 9)
	wantT[float32](t, mustShapeOp(t, "Slice", nil, 1, x, vec(5), vec(2))[0], []int{0})
	y := iota32(3, 4)
	wantT[float32](t, mustShapeOp(t, "Slice", nil, 1, y, vec(1), vec(3), vec(-1), nil)[0], []int{3, 2}, 1, 2, 5, 6, 9, 10)
	wantShapeErr(t, "step is 0", "Slice", nil, 1, x, vec(0), vec(5), vec(0), vec(0))
	wantShapeErr(t, "differ in length", "Slice", nil, 1, x, vec(0, 1), vec(5))
}

func TestSplit(t *testing.T) {
	x := iota32(7)
	out := mustShapeOp(t, "Split", attrs("num_outputs", ir.IntAttr(3)), 3, x)
	wantT[float32](t, out[0], []int{3}, 0, 1, 2)
	wantT[float32](t, out[2], []int{1}, 6)
	out = mustShapeOp(t, "Split", attrs("axis", ir.IntAttr(-1)), 2, iota32(2, 3), vec(1, 2))
	wantT[float32](t, out[0], []int{2, 1}, 0, 3)
	wantT[float32](t, out[1], []int{2, 2}, 1, 2, 4, 5)
	wantShapeErr(t, "does not cut", "Split", nil, 2, x, vec(3, 3))
}

func TestExpandTile(t *testing.T) {
	x := i64s([]int{3, 1}, 1, 2, 3)
	wantT[int64](t, mustShapeOp(t, "Expand", nil, 1, x, vec(2, 1, 2))[0], []int{2, 3, 2}, 1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3)
	// The target may be smaller than the input: broadcasting goes both ways.
	wantT[int64](t, mustShapeOp(t, "Expand", nil, 1, x, vec(1))[0], []int{3, 1}, 1, 2, 3)
	wantShapeErr(t, "broadcast", "Expand", nil, 1, x, vec(2, 2))
	wantT[int64](t, mustShapeOp(t, "Tile", nil, 1, i64s([]int{1, 2}, 1, 2), vec(2, 2))[0], []int{2, 4}, 1, 2, 1, 2, 1, 2, 1, 2)
	wantShapeErr(t, "repeats", "Tile", nil, 1, x, vec(2))
}

func TestPadModes(t *testing.T) {
	x := i64s([]int{3}, 1, 2, 3)
	pads := vec(2, 3)
	cases := map[string][]int64{
		"constant": {7, 7, 1, 2, 3, 7, 7, 7},
		"edge":     {1, 1, 1, 2, 3, 3, 3, 3},
		"reflect":  {3, 2, 1, 2, 3, 2, 1, 2},
		"wrap":     {2, 3, 1, 2, 3, 1, 2, 3},
	}
	for mode, want := range cases {
		out := mustShapeOp(t, "Pad", attrs("mode", ir.StringAttr(mode)), 1, x, pads, ir.Scalar(int64(7)))
		wantT(t, out[0], []int{8}, want...)
	}
	// Negative pads crop; axes select the padded dims.
	y := iota32(2, 3)
	wantT[float32](t, mustShapeOp(t, "Pad", nil, 1, y, vec(-1, 1), nil, vec(1))[0], []int{2, 3}, 1, 2, 0, 4, 5, 0)
	wantShapeErr(t, "pads", "Pad", nil, 1, y, vec(1, 1))
	wantShapeErr(t, "unknown mode", "Pad", attrs("mode", ir.StringAttr("mirror")), 1, y, vec(0, 0, 0, 0))
}

func TestSpaceDepth(t *testing.T) {
	x := iota32(1, 8, 1, 1)
	// DCR: output block (i, j) of channel c reads channel (i*b+j)*C' + c.
	wantT[float32](t, mustShapeOp(t, "DepthToSpace", attrs("blocksize", ir.IntAttr(2)), 1, x)[0], []int{1, 2, 2, 2}, 0, 2, 4, 6, 1, 3, 5, 7)
	wantT[float32](t, mustShapeOp(t, "DepthToSpace", attrs("blocksize", ir.IntAttr(2), "mode", ir.StringAttr("CRD")), 1, x)[0],
		[]int{1, 2, 2, 2}, 0, 1, 2, 3, 4, 5, 6, 7)
	// SpaceToDepth inverts DepthToSpace in DCR mode.
	y := iota32(2, 3, 4, 6)
	d := mustShapeOp(t, "SpaceToDepth", attrs("blocksize", ir.IntAttr(2)), 1, y)[0]
	if !slices.Equal(d.Shape, []int{2, 12, 2, 3}) {
		t.Fatalf("SpaceToDepth shape %v", d.Shape)
	}
	back := mustShapeOp(t, "DepthToSpace", attrs("blocksize", ir.IntAttr(2)), 1, d)[0]
	wantT(t, back, y.Shape, y.Data.([]float32)...)
	wantShapeErr(t, "divisible", "SpaceToDepth", attrs("blocksize", ir.IntAttr(4)), 1, y)
}

func TestConstantOfShape(t *testing.T) {
	out := mustShapeOp(t, "ConstantOfShape", attrs("value", ir.TensorAttr(ir.FromSlice([]int{1}, []int32{5}))), 1, vec(2, 2))
	wantT[int32](t, out[0], []int{2, 2}, 5, 5, 5, 5)
	wantT[float32](t, mustShapeOp(t, "ConstantOfShape", nil, 1, vec())[0], nil, 0)
	wantShapeErr(t, "negative", "ConstantOfShape", nil, 1, vec(-1))
}

func TestTooLargeOutputPanicsWithAllocError(t *testing.T) {
	defer func() {
		r := recover()
		if _, ok := r.(*ir.AllocError); !ok {
			t.Fatalf("recovered %v, want *ir.AllocError", r)
		}
	}()
	_, _ = evalShapeOp(t, "Expand", nil, 1, f32s([]int{1}, 1), vec(1<<40, 1<<40))
}

// Steps near either end of int64 must not overflow the element count.
func TestSliceExtremeSteps(t *testing.T) {
	x := vec(0, 1, 2, 3, 4)
	wantT[int64](t, mustShapeOp(t, "Slice", nil, 1, x, vec(0), vec(5), vec(0), vec(math.MaxInt64))[0], []int{1}, 0)
	wantT[int64](t, mustShapeOp(t, "Slice", nil, 1, x, vec(4), vec(-10), vec(0), vec(math.MinInt64))[0], []int{1}, 4)
	wantT[int64](t, mustShapeOp(t, "Slice", nil, 1, x, vec(-1), vec(math.MinInt64), vec(0), vec(-2))[0], []int{3}, 4, 2, 0)
}

// ONNX shape, repeats and pads inputs are int64: a uint64 one is refused
// when the node is built (as ONNX Runtime refuses the model), so a value
// above MaxInt64 never reaches a kernel as a wrapped negative number.
func TestUnsignedShapeInputsTooLarge(t *testing.T) {
	huge := ir.FromSlice([]int{1}, []uint64{math.MaxUint64})
	x := vec(1, 2)
	wantShapeErr(t, "is u64, wants one of i64", "Tile", nil, 1, x, huge)
	wantShapeErr(t, "is u64, wants one of i64", "Expand", nil, 1, x, huge)
	wantShapeErr(t, "is u64, wants one of i64", "ConstantOfShape", nil, 1, huge)
	wantShapeErr(t, "is u64, wants one of i64", "Pad", nil, 1, x, ir.FromSlice([]int{2}, []uint64{0, math.MaxUint64}))
	wantShapeErr(t, "is u64, wants one of i64", "Tile", nil, 1, x, ir.FromSlice([]int{1}, []uint64{2}))
}
