package onnx

import (
	"math"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// Tests of the converters in legacy_norm.go: an old-opset model imports to
// the canonical op(s) and computes what the old op meant.

// lnImport imports a one-node model at opset with f32 inputs named after
// the node's inputs (shapes from xs) and outputs the node's first nout.
func lnImport(opset int64, node *onnxpb.NodeProto, nout int, xs ...*ir.Tensor) (*ir.Model, error) {
	g := &onnxpb.GraphProto{Name: ptr("g"), Node: []*onnxpb.NodeProto{node}}
	for i, x := range xs {
		dims := make([]int64, len(x.Shape))
		for k, d := range x.Shape {
			dims[k] = int64(d)
		}
		g.Input = append(g.Input, pbInfo(node.Input[i], x.DType, dims...))
	}
	for _, o := range node.Output[:nout] {
		g.Output = append(g.Output, &onnxpb.ValueInfoProto{Name: ptr(o)})
	}
	return FromProto(pbModel(opset, g), "")
}

// lnRun imports and runs the model, returning its outputs and the ops of
// the imported graph.
func lnRun(t *testing.T, opset int64, node *onnxpb.NodeProto, nout int, xs ...*ir.Tensor) ([]*ir.Tensor, []string) {
	t.Helper()
	m, err := lnImport(opset, node, nout, xs...)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	in := map[string]ir.Data{}
	for i, x := range xs {
		in[node.Input[i]] = x
	}
	return runImported(t, m, in)
}

func lnNear(t *testing.T, what string, got *ir.Tensor, want ...float64) {
	t.Helper()
	v := got.Float64s()
	if len(v) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, v, want)
	}
	for i := range v {
		if math.Abs(v[i]-want[i]) > 1e-5 {
			t.Fatalf("%s: got %v, want %v", what, v, want)
		}
	}
}

func lnStr(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func lnFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: ptr(v)}
}

func TestLegacySoftmaxFlattens(t *testing.T) {
	// Opset 11 Softmax at axis 1 of [2,2,2] normalizes each batch item's
	// 4 values together.
	x := ir.FromSlice([]int{2, 2, 2}, []float32{0, 0, 0, 0, 1, 1, 1, 1})
	out, ops := lnRun(t, 11, pbNode("Softmax", "sm", []string{"x"}, []string{"y"}, pbInt("axis", 1)), 1, x)
	lnNear(t, "softmax", out[0], 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25)
	if !lnShapeIs(out[0], 2, 2, 2) || strings.Join(ops, ",") != "Shape,Flatten,Softmax,Reshape" {
		t.Fatalf("shape %v, ops %v", out[0].Shape, ops)
	}
	// Hardmax over the flattened trailing dims picks one element of 4.
	x = ir.FromSlice([]int{1, 2, 2}, []float32{1, 2, 4, 3})
	out, _ = lnRun(t, 1, pbNode("Hardmax", "hm", []string{"x"}, []string{"y"}), 1, x)
	lnNear(t, "hardmax", out[0], 0, 0, 1, 0)
	// At the last axis the old and new forms agree: one node.
	x = ir.FromSlice([]int{2, 2}, []float32{0, 0, 0, float32(math.Log(3))})
	out, ops = lnRun(t, 6, pbNode("LogSoftmax", "ls", []string{"x"}, []string{"y"}), 1, x)
	lnNear(t, "logsoftmax", out[0], -math.Ln2, -math.Ln2, math.Log(0.25), math.Log(0.75))
	if len(ops) != 1 {
		t.Fatalf("ops %v, want LogSoftmax alone", ops)
	}
}

// lnShapeIs reports whether t has exactly the given dims.
func lnShapeIs(t *ir.Tensor, dims ...int) bool {
	if len(t.Shape) != len(dims) {
		return false
	}
	for i := range dims {
		if t.Shape[i] != dims[i] {
			return false
		}
	}
	return true
}

func TestLegacyDropout(t *testing.T) {
	x := ir.FromSlice([]int{3}, []float32{1, 2, 3})
	// Opset 7: ratio attribute, and a mask of X's dtype (a Cast follows).
	out, ops := lnRun(t, 7, pbNode("Dropout", "d", []string{"x"}, []string{"y", "mask"}, lnFloat("ratio", 0.3)), 2, x)
	lnNear(t, "y", out[0], 1, 2, 3)
	lnNear(t, "mask", out[1], 1, 1, 1)
	if out[1].DType != ir.Float32 || strings.Join(ops, ",") != "Dropout,Cast" {
		t.Fatalf("mask %v, ops %v", out[1], ops)
	}
	// Opset 6 with is_test: inference, identity.
	out, _ = lnRun(t, 6, pbNode("Dropout", "d", []string{"x"}, []string{"y"}, pbInt("is_test", 1)), 1, x)
	lnNear(t, "is_test", out[0], 1, 2, 3)
	// Opset 10: the mask is bool already.
	out, _ = lnRun(t, 10, pbNode("Dropout", "d", []string{"x"}, []string{"y", "mask"}), 2, x)
	if out[1].DType != ir.Bool {
		t.Fatalf("opset 10 mask dtype %s, want bool", out[1].DType)
	}
}

func TestLegacyBatchNorm(t *testing.T) {
	x := ir.FromSlice([]int{1, 2, 1, 1}, []float32{3, 5})
	p := func(v ...float32) *ir.Tensor { return ir.FromSlice([]int{2}, v) }
	in := []string{"x", "s", "b", "m", "v"}
	node := pbNode("BatchNormalization", "bn", in, []string{"y"}, pbInt("is_test", 1), pbInt("spatial", 1),
		pbInts("consumed_inputs", 0, 0, 0, 1, 1), lnFloat("epsilon", 0))
	out, _ := lnRun(t, 1, node, 1, x, p(1, 2), p(0, 1), p(1, 1), p(4, 16))
	lnNear(t, "opset 1", out[0], 1, 3)
	// spatial=0 (per-activation statistics) is refused.
	node = pbNode("BatchNormalization", "bn", in, []string{"y"}, pbInt("spatial", 0))
	if _, err := lnImport(7, node, 1, x, p(1, 1), p(0, 0), p(0, 0), p(1, 1)); err == nil ||
		!strings.Contains(err.Error(), "spatial") {
		t.Fatalf("spatial=0: got %v, want an error naming spatial", err)
	}
	// Asking for the running stats meant training.
	m, err := lnImport(9, pbNode("BatchNormalization", "bn", in, []string{"y", "rm", "rv"}), 3,
		x, p(1, 1), p(0, 0), p(0, 0), p(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if n := m.Graph.Nodes[0]; n.Int("training_mode") != 1 {
		t.Fatalf("training_mode %d, want 1", n.Int("training_mode"))
	}
}

func TestLegacyRoiAlignAndGridSample(t *testing.T) {
	x := ir.FromSlice([]int{1, 1, 2, 2}, []float32{1, 2, 3, 4})
	rois := ir.FromSlice([]int{1, 4}, []float32{0, 0, 1, 1})
	m, err := lnImport(10, pbNode("RoiAlign", "ra", []string{"x", "r", "b"}, []string{"y"}), 1,
		x, rois, ir.FromSlice([]int{1}, []int64{0}))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Graph.Nodes[0].Str("coordinate_transformation_mode"); got != "output_half_pixel" {
		t.Fatalf("opset 10 RoiAlign mode %q, want output_half_pixel", got)
	}
	m, err = lnImport(16, pbNode("GridSample", "gs", []string{"x", "g"}, []string{"y"}, lnStr("mode", "bicubic")), 1,
		x, ir.FromSlice([]int{1, 1, 1, 2}, []float32{0, 0}))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Graph.Nodes[0].Str("mode"); got != "cubic" {
		t.Fatalf("opset 16 GridSample mode %q, want cubic", got)
	}
}

func TestLegacyGroupNorm(t *testing.T) {
	// Opset 18: scale and bias per group (2 groups of 2 channels).
	x := ir.FromSlice([]int{1, 4, 1}, []float32{1, 3, 10, 20})
	node := pbNode("GroupNormalization", "gn", []string{"x", "s", "b"}, []string{"y"},
		pbInt("num_groups", 2), lnFloat("epsilon", 0))
	out, _ := lnRun(t, 18, node, 1, x, ir.FromSlice([]int{2}, []float32{1, 2}), ir.FromSlice([]int{2}, []float32{0, 1}))
	lnNear(t, "y", out[0], -1, 1, -1, 3)
}
