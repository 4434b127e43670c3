package onnx

import (
	"reflect"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// Tests of the converters in legacy_shape.go: an old-opset model must
// import to the canonical op and compute what the old op meant.

// runLegacyShape imports a one-node model at opset with input x (f32) and
// initializers inits, runs it on xv and returns its outputs and the ops of
// the imported graph.
func runLegacyShape(t *testing.T, opset int64, node *onnxpb.NodeProto, x *ir.Tensor, nout int, inits ...*onnxpb.TensorProto) ([]*ir.Tensor, []string) {
	t.Helper()
	dims := make([]int64, len(x.Shape))
	for i, d := range x.Shape {
		dims[i] = int64(d)
	}
	g := &onnxpb.GraphProto{Name: ptr("g"), Node: []*onnxpb.NodeProto{node}, Initializer: inits,
		Input: []*onnxpb.ValueInfoProto{pbInfo("x", x.DType, dims...)}}
	for _, o := range node.Output[:nout] {
		g.Output = append(g.Output, &onnxpb.ValueInfoProto{Name: ptr(o)})
	}
	if len(node.Input) == 0 {
		g.Input = nil
	}
	m, err := FromProto(pbModel(opset, g), "")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	in := map[string]ir.Data{}
	if g.Input != nil {
		in["x"] = x
	}
	return runImported(t, m, in)
}

func legacyWant(t *testing.T, got *ir.Tensor, shape []int, data any) {
	t.Helper()
	if !reflect.DeepEqual(got.Shape, shape) && !(len(got.Shape) == 0 && len(shape) == 0) {
		t.Fatalf("shape %v, want %v", got.Shape, shape)
	}
	if !reflect.DeepEqual(got.Data, data) {
		t.Fatalf("data %v, want %v", got.Data, data)
	}
}

func iotaF32(shape ...int) *ir.Tensor {
	n, _ := ir.NumElements(shape)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return ir.FromSlice(shape, v)
}

func TestLegacyConstantForms(t *testing.T) {
	none := iotaF32(1)
	f := &onnxpb.AttributeProto{Name: ptr("value_float"), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: ptr(float32(2.5))}
	out, ops := runLegacyShape(t, 12, pbNode("Constant", "c", nil, []string{"y"}, f), none, 1)
	legacyWant(t, out[0], nil, []float32{2.5})
	if !reflect.DeepEqual(ops, []string{"Constant"}) {
		t.Fatalf("ops %v", ops)
	}
	out, _ = runLegacyShape(t, 13, pbNode("Constant", "c", nil, []string{"y"}, pbInts("value_ints", 4, 5)), none, 1)
	legacyWant(t, out[0], []int{2}, []int64{4, 5})
	ss := &onnxpb.AttributeProto{Name: ptr("value_strings"), Type: onnxpb.AttributeProto_STRINGS.Enum(), Strings: [][]byte{[]byte("a")}}
	out, _ = runLegacyShape(t, 13, pbNode("Constant", "c", nil, []string{"y"}, ss), none, 1)
	legacyWant(t, out[0], []int{1}, []string{"a"})
	// Two value attributes are ambiguous.
	g := &onnxpb.GraphProto{Name: ptr("g"), Output: []*onnxpb.ValueInfoProto{{Name: ptr("y")}},
		Node: []*onnxpb.NodeProto{pbNode("Constant", "c", nil, []string{"y"}, pbInt("value_int", 1), pbInts("value_ints", 1))}}
	if _, err := FromProto(pbModel(13, g), ""); err == nil {
		t.Fatal("a Constant with two values imported")
	}
}

func TestLegacyAttrsToInputs(t *testing.T) {
	x := iotaF32(2, 3)
	out, _ := runLegacyShape(t, 1, pbNode("Reshape", "r", []string{"x"}, []string{"y"}, pbInts("shape", 3, -1), pbInts("consumed_inputs", 0)), x, 1)
	legacyWant(t, out[0], []int{3, 2}, x.Data)

	out, _ = runLegacyShape(t, 9, pbNode("Slice", "s", []string{"x"}, []string{"y"}, pbInts("starts", 1), pbInts("ends", 3), pbInts("axes", 1)), x, 1)
	legacyWant(t, out[0], []int{2, 2}, []float32{1, 2, 4, 5})

	out, _ = runLegacyShape(t, 11, pbNode("Unsqueeze", "u", []string{"x"}, []string{"y"}, pbInts("axes", 0)), x, 1)
	legacyWant(t, out[0], []int{1, 2, 3}, x.Data)

	out, ops := runLegacyShape(t, 2, pbNode("Split", "s", []string{"x"}, []string{"a", "b"}, pbInt("axis", 1), pbInts("split", 1, 2)), x, 2)
	legacyWant(t, out[0], []int{2, 1}, []float32{0, 3})
	legacyWant(t, out[1], []int{2, 2}, []float32{1, 2, 4, 5})
	if ops[0] != "Split" {
		t.Fatalf("ops %v", ops)
	}

	out, _ = runLegacyShape(t, 1, pbNode("TopK", "k", []string{"x"}, []string{"v", "i"}, pbInt("k", 1)), x, 2)
	legacyWant(t, out[0], []int{2, 1}, []float32{2, 5})
	legacyWant(t, out[1], []int{2, 1}, []int64{2, 2})

	// Concat before opset 4 defaults to axis 1.
	out, _ = runLegacyShape(t, 1, pbNode("Concat", "c", []string{"x", "x"}, []string{"y"}), x, 1)
	legacyWant(t, out[0], []int{2, 6}, []float32{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5})
}

func TestLegacyPad(t *testing.T) {
	x := iotaF32(1, 2)
	val := &onnxpb.AttributeProto{Name: ptr("value"), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: ptr(float32(9))}
	out, _ := runLegacyShape(t, 1, pbNode("Pad", "p", []string{"x"}, []string{"y"}, pbInts("paddings", 0, 1, 0, 0), val), x, 1)
	legacyWant(t, out[0], []int{1, 3}, []float32{9, 0, 1})
	mode := &onnxpb.AttributeProto{Name: ptr("mode"), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte("edge")}
	out, _ = runLegacyShape(t, 2, pbNode("Pad", "p", []string{"x"}, []string{"y"}, pbInts("pads", 0, 0, 0, 2), mode), x, 1)
	legacyWant(t, out[0], []int{1, 4}, []float32{0, 1, 1, 1})
}

func TestLegacyScatterAndTile(t *testing.T) {
	x := iotaF32(1, 3)
	idx := TensorToProto(ir.FromSlice([]int{1, 1}, []int64{-1}), "i")
	upd := TensorToProto(ir.FromSlice([]int{1, 1}, []float32{7}), "u")
	out, ops := runLegacyShape(t, 10, pbNode("Scatter", "s", []string{"x", "i", "u"}, []string{"y"}, pbInt("axis", 1)), x, 1, idx, upd)
	legacyWant(t, out[0], []int{1, 3}, []float32{0, 1, 7})
	if !reflect.DeepEqual(ops, []string{"ScatterElements"}) {
		t.Fatalf("Scatter imported as %v", ops)
	}
	// Tile-1 repeated along one axis given as an input.
	tiles := TensorToProto(ir.Scalar(int64(2)), "t")
	axis := TensorToProto(ir.Scalar(int64(0)), "a")
	out, _ = runLegacyShape(t, 5, pbNode("Tile", "t", []string{"x", "t", "a"}, []string{"y"}), x, 1, tiles, axis)
	legacyWant(t, out[0], []int{2, 3}, []float32{0, 1, 2, 0, 1, 2})
}
