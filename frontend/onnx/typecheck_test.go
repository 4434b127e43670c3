package onnx

import (
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// A model feeding a dtype ONNX forbids into an op input is refused at
// import with one line naming the node, the input and the allowed types,
// as ONNX Runtime refuses it at load.
func TestDecodeRefusesForbiddenInputDType(t *testing.T) {
	cases := []struct {
		name, node, want string
		g                *onnxpb.GraphProto
	}{
		{"float shape", "reshape0", `input 1 ("shape") is f32, wants one of i64`, &onnxpb.GraphProto{Name: ptr("g"),
			Input:  []*onnxpb.ValueInfoProto{pbInfo("x", ir.Float32, 2, 3), pbInfo("s", ir.Float32, 2)},
			Output: []*onnxpb.ValueInfoProto{pbInfo("y", ir.Float32, 3, 2)},
			Node:   []*onnxpb.NodeProto{pbNode("Reshape", "reshape0", []string{"x", "s"}, []string{"y"})}}},
		{"int conv", "conv0", `input 0 ("X") is i32, wants one of f16, bf16, f32, f64`, &onnxpb.GraphProto{Name: ptr("g"),
			Input:  []*onnxpb.ValueInfoProto{pbInfo("x", ir.Int32, 1, 1, 3, 3), pbInfo("w", ir.Int32, 1, 1, 1, 1)},
			Output: []*onnxpb.ValueInfoProto{pbInfo("y", ir.Int32, 1, 1, 3, 3)},
			Node:   []*onnxpb.NodeProto{pbNode("Conv", "conv0", []string{"x", "w"}, []string{"y"})}}},
	}
	for _, c := range cases {
		_, err := Decode(tbMarshal(t, pbModel(13, c.g)), "")
		if err == nil {
			t.Errorf("%s: imported, want a type error", c.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.node) || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line naming %s and containing %q", c.name, msg, c.node, c.want)
		}
	}
	// The same graphs with allowed dtypes import.
	ok := &onnxpb.GraphProto{Name: ptr("g"),
		Input:       []*onnxpb.ValueInfoProto{pbInfo("x", ir.Float32, 2, 3)},
		Output:      []*onnxpb.ValueInfoProto{pbInfo("y", ir.Float32, 3, 2)},
		Initializer: []*onnxpb.TensorProto{TensorToProto(ir.FromSlice([]int{2}, []int64{3, 2}), "s")},
		Node:        []*onnxpb.NodeProto{pbNode("Reshape", "reshape0", []string{"x", "s"}, []string{"y"})}}
	if _, err := Decode(tbMarshal(t, pbModel(13, ok)), ""); err != nil {
		t.Errorf("int64 shape: %v", err)
	}
}
