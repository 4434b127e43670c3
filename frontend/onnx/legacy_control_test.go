package onnx

import (
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// scan8Node builds an opset-8 Scan over x (batch 2, length 3) whose body
// passes each item through as a scan output, read backwards.
func scan8Node(seqLens string) *onnxpb.NodeProto {
	body := &onnxpb.GraphProto{Name: ptr("body"),
		Input:  []*onnxpb.ValueInfoProto{pbInfo("item", ir.Float32, 1)},
		Output: []*onnxpb.ValueInfoProto{pbInfo("copy", ir.Float32, 1)},
		Node:   []*onnxpb.NodeProto{{OpType: ptr("Identity"), Input: []string{"item"}, Output: []string{"copy"}}}}
	return &onnxpb.NodeProto{OpType: ptr("Scan"), Input: []string{seqLens, "x"}, Output: []string{"y"},
		Attribute: []*onnxpb.AttributeProto{
			{Name: ptr("body"), Type: onnxpb.AttributeProto_GRAPH.Enum(), G: body},
			{Name: ptr("num_scan_inputs"), Type: onnxpb.AttributeProto_INT.Enum(), I: ptr(int64(1))},
			{Name: ptr("directions"), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: []int64{1}}}}
}

func TestLegacyScanBatchAxis(t *testing.T) {
	out, ops := runLegacyShape(t, 8, scan8Node(""), iotaF32(2, 3, 1), 1)
	if strings.Join(ops, ",") != "Shape,Gather,Loop" {
		t.Errorf("imported ops %v, want a Loop over the batch", ops)
	}
	// Each batch row is scanned on its own, backwards.
	legacyWant(t, out[0], []int{2, 3, 1}, []float32{2, 1, 0, 5, 4, 3})
}

func TestLegacyScanSequenceLensRefused(t *testing.T) {
	g := &onnxpb.GraphProto{Name: ptr("g"), Node: []*onnxpb.NodeProto{scan8Node("x")},
		Input:  []*onnxpb.ValueInfoProto{pbInfo("x", ir.Float32, 2, 3, 1)},
		Output: []*onnxpb.ValueInfoProto{{Name: ptr("y")}}}
	_, err := FromProto(pbModel(8, g), "")
	if err == nil || !strings.Contains(err.Error(), "sequence_lens") {
		t.Fatalf("error %v, want one about sequence_lens", err)
	}
}
