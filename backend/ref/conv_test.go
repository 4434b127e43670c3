package ref

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// cpRun builds a one-node graph of op with the given inputs (nil for an
// omitted one) and nOut outputs, and runs its reference kernel. It also
// checks that the inferred output types agree with the computed outputs
// wherever inference produced a static shape.
func cpRun(t *testing.T, op string, attrs map[string]*ir.Attr, nOut int, ins ...*ir.Tensor) ([]ir.Data, error) {
	t.Helper()
	return runOp(t, op, attrs, outNames(nOut), tensorsData(ins)...)
}

// cpMust is cpRun for calls that must succeed.
func cpMust(t *testing.T, op string, attrs map[string]*ir.Attr, nOut int, ins ...*ir.Tensor) []ir.Data {
	t.Helper()
	res, err := cpRun(t, op, attrs, nOut, ins...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return res
}

// cpCheck compares a tensor with a shape and values (float within 1e-6,
// integers exactly through float64).
func cpCheck(t *testing.T, what string, d ir.Data, shape []int, want []float64) {
	t.Helper()
	got := d.(*ir.Tensor)
	if !slices.Equal(got.Shape, shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, shape)
	}
	for i, w := range want {
		if g := got.Float64At(i); math.Abs(g-w) > 1e-6 {
			t.Fatalf("%s: element %d = %v, want %v (all: %v)", what, i, g, w, got.Data)
		}
	}
}

func cpF32(shape []int, v ...float32) *ir.Tensor { return ir.FromSlice(shape, v) }

func cpInts(v ...int64) *ir.Attr { return ir.IntsAttr(v...) }

func cpIota(shape []int) *ir.Tensor {
	n := numElems(shape)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return cpF32(shape, v...)
}

func TestConv2DPadsAndStrides(t *testing.T) {
	x := cpIota([]int{1, 1, 3, 3})
	w := cpF32([]int{1, 1, 2, 2}, 1, 1, 1, 1)
	y := cpMust(t, "Conv", nil, 1, x, w)
	cpCheck(t, "no pads", y[0], []int{1, 1, 2, 2}, []float64{8, 12, 20, 24})
	y = cpMust(t, "Conv", map[string]*ir.Attr{"pads": cpInts(1, 1, 1, 1), "strides": cpInts(2, 2)}, 1, x, w)
	cpCheck(t, "pads+strides", y[0], []int{1, 1, 2, 2}, []float64{0, 3, 9, 24})
	// Asymmetric pads: only the end of the width is padded.
	y = cpMust(t, "Conv", map[string]*ir.Attr{"pads": cpInts(0, 0, 0, 1)}, 1, x, w)
	cpCheck(t, "asymmetric", y[0], []int{1, 1, 2, 3}, []float64{8, 12, 7, 20, 24, 13})
}

func TestConv1DDepthwiseDilatedWithBias(t *testing.T) {
	x := cpF32([]int{1, 2, 5}, 1, 2, 3, 4, 5, 10, 20, 30, 40, 50)
	w := cpF32([]int{2, 1, 2}, 1, -1, 2, 0)
	b := cpF32([]int{2}, 100, 0)
	y := cpMust(t, "Conv", map[string]*ir.Attr{"group": ir.IntAttr(2), "dilations": cpInts(2)}, 1, x, w, b)
	cpCheck(t, "depthwise", y[0], []int{1, 2, 3}, []float64{98, 98, 98, 20, 40, 60})
}

func TestConvAutoPad(t *testing.T) {
	x := cpF32([]int{1, 1, 4}, 1, 2, 3, 4)
	w := cpF32([]int{1, 1, 2}, 1, 1)
	y := cpMust(t, "Conv", map[string]*ir.Attr{"auto_pad": ir.StringAttr("SAME_UPPER")}, 1, x, w)
	cpCheck(t, "SAME_UPPER", y[0], []int{1, 1, 4}, []float64{3, 5, 7, 4})
	y = cpMust(t, "Conv", map[string]*ir.Attr{"auto_pad": ir.StringAttr("SAME_LOWER")}, 1, x, w)
	cpCheck(t, "SAME_LOWER", y[0], []int{1, 1, 4}, []float64{1, 3, 5, 7})
	y = cpMust(t, "Conv", map[string]*ir.Attr{"auto_pad": ir.StringAttr("VALID"), "strides": cpInts(2)}, 1, x, w)
	cpCheck(t, "VALID", y[0], []int{1, 1, 2}, []float64{3, 7})
}

func TestConv3DAndFloat64(t *testing.T) {
	x := ir.FromSlice([]int{1, 1, 2, 2, 2}, []float64{1, 2, 3, 4, 5, 6, 7, 8})
	w := ir.FromSlice([]int{2, 1, 2, 2, 2}, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, -1})
	y := cpMust(t, "Conv", nil, 1, x, w)
	if y[0].(*ir.Tensor).DType != ir.Float64 {
		t.Fatalf("dtype %s, want f64", y[0].(*ir.Tensor).DType)
	}
	cpCheck(t, "3-D", y[0], []int{1, 2, 1, 1, 1}, []float64{36, -7})
}

func TestConvErrors(t *testing.T) {
	x := cpIota([]int{1, 2, 3, 3})
	for name, tc := range map[string]struct {
		w     *ir.Tensor
		attrs map[string]*ir.Attr
		want  string
	}{
		"channels":     {cpIota([]int{1, 3, 2, 2}), nil, "channels"},
		"kernel_shape": {cpIota([]int{1, 2, 2, 2}), map[string]*ir.Attr{"kernel_shape": cpInts(3, 3)}, "kernel_shape"},
		"group":        {cpIota([]int{3, 1, 2, 2}), map[string]*ir.Attr{"group": ir.IntAttr(2)}, "group"},
	} {
		if _, err := cpRun(t, "Conv", tc.attrs, 1, x, tc.w); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, tc.want)
		}
	}
}

func TestConvTranspose(t *testing.T) {
	x := cpF32([]int{1, 1, 3}, 1, 2, 3)
	w := cpF32([]int{1, 1, 3}, 1, 1, 1)
	y := cpMust(t, "ConvTranspose", nil, 1, x, w)
	cpCheck(t, "plain", y[0], []int{1, 1, 5}, []float64{1, 3, 6, 5, 3})
	s2 := map[string]*ir.Attr{"strides": cpInts(2)}
	y = cpMust(t, "ConvTranspose", s2, 1, x, w)
	cpCheck(t, "stride 2", y[0], []int{1, 1, 7}, []float64{1, 1, 3, 2, 5, 3, 3})
	y = cpMust(t, "ConvTranspose", map[string]*ir.Attr{"strides": cpInts(2), "pads": cpInts(1, 1)}, 1, x, w)
	cpCheck(t, "pads", y[0], []int{1, 1, 5}, []float64{1, 3, 2, 5, 3})
	y = cpMust(t, "ConvTranspose", map[string]*ir.Attr{"strides": cpInts(2), "output_padding": cpInts(1)}, 1, x, w)
	cpCheck(t, "output_padding", y[0], []int{1, 1, 8}, []float64{1, 1, 3, 2, 5, 3, 3, 0})
	// output_shape 9 is 2 more than the full output: one zero each side.
	y = cpMust(t, "ConvTranspose", map[string]*ir.Attr{"strides": cpInts(2), "output_shape": cpInts(9)}, 1, x, w)
	cpCheck(t, "output_shape", y[0], []int{1, 1, 9}, []float64{0, 1, 1, 3, 2, 5, 3, 3, 0})
	// SAME_*: output = input * stride; SAME_UPPER crops the odd pad at the
	// end, SAME_LOWER at the start.
	y = cpMust(t, "ConvTranspose", map[string]*ir.Attr{"strides": cpInts(2), "auto_pad": ir.StringAttr("SAME_UPPER")}, 1, x, w)
	cpCheck(t, "SAME_UPPER", y[0], []int{1, 1, 6}, []float64{1, 1, 3, 2, 5, 3})
	y = cpMust(t, "ConvTranspose", map[string]*ir.Attr{"strides": cpInts(2), "auto_pad": ir.StringAttr("SAME_LOWER")}, 1, x, w)
	cpCheck(t, "SAME_LOWER", y[0], []int{1, 1, 6}, []float64{1, 3, 2, 5, 3, 3})
}

func TestConvTransposeGroupsAndBias(t *testing.T) {
	x := cpF32([]int{1, 2, 1}, 1, 2)
	w := cpF32([]int{2, 2, 1}, 3, 30, 4, 40) // [C=2, M/group=2, k=1]
	b := cpF32([]int{4}, 0, 0, 0, 1)
	y := cpMust(t, "ConvTranspose", map[string]*ir.Attr{"group": ir.IntAttr(2)}, 1, x, w, b)
	cpCheck(t, "groups", y[0], []int{1, 4, 1}, []float64{3, 30, 8, 81})
}

func TestConvInteger(t *testing.T) {
	x := ir.FromSlice([]int{1, 1, 2, 2}, []uint8{2, 3, 4, 5})
	w := ir.FromSlice([]int{2, 1, 1, 1}, []uint8{3, 5})
	y := cpMust(t, "ConvInteger", nil, 1, x, w, ir.Scalar(uint8(1)), ir.FromSlice([]int{2}, []uint8{1, 2}))
	if y[0].(*ir.Tensor).DType != ir.Int32 {
		t.Fatalf("dtype %s, want i32", y[0].(*ir.Tensor).DType)
	}
	cpCheck(t, "per-channel w_zero_point", y[0], []int{1, 2, 2, 2}, []float64{2, 4, 6, 8, 3, 6, 9, 12})
	// Without zero points, int8 weights: exact products.
	y = cpMust(t, "ConvInteger", nil, 1, x, ir.FromSlice([]int{1, 1, 1, 1}, []int8{-128}))
	cpCheck(t, "int8", y[0], []int{1, 1, 2, 2}, []float64{-256, -384, -512, -640})
	if _, err := cpRun(t, "ConvInteger", nil, 1, x, w, ir.Scalar(uint8(1)), ir.FromSlice([]int{3}, []uint8{1, 2, 3})); err == nil {
		t.Error("w_zero_point of 3 elements for 2 output channels: want an error")
	}
}

func TestQLinearConv(t *testing.T) {
	x := ir.FromSlice([]int{1, 1, 2}, []uint8{10, 20})
	w := ir.FromSlice([]int{1, 1, 1}, []int8{4})
	bias := ir.FromSlice([]int{1}, []int32{2})
	run := func(yzp uint8) *ir.Tensor {
		y := cpMust(t, "QLinearConv", nil, 1, x, ir.Scalar(float32(0.5)), ir.Scalar(uint8(10)),
			w, ir.Scalar(float32(0.25)), ir.Scalar(int8(0)), ir.Scalar(float32(0.5)), ir.Scalar(yzp), bias)
		return y[0].(*ir.Tensor)
	}
	// acc = (x-10)*4 + 2 = [2, 42]; * 0.5*0.25/0.5 = [0.5, 10.5]; ties to even.
	cpCheck(t, "ties", run(128), []int{1, 1, 2}, []float64{128, 138})
	cpCheck(t, "saturation", run(250), []int{1, 1, 2}, []float64{250, 255})
}

func TestConvInferredShape(t *testing.T) {
	g := ir.NewGraph("infer")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(2, 4, 7, 9)))
	w := g.AddInput("w", ir.TensorType(ir.Float32, ir.ShapeOf(6, 2, 3, 3)))
	n, err := g.AddNode(ir.NodeSpec{Op: "Conv", Inputs: []*ir.Value{x, w}, Outputs: []string{"y"},
		Attrs: map[string]*ir.Attr{"group": ir.IntAttr(2), "strides": cpInts(2, 3), "pads": cpInts(1, 0, 1, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.Outputs[0].Type.Shape.String(), "[2,6,4,3]"; got != want {
		t.Errorf("inferred shape %s, want %s", got, want)
	}
}
