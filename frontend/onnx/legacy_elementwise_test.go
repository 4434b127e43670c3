package onnx

import (
	"reflect"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// Tests of the converters in legacy_elementwise.go (helpers in
// legacy_shape_test.go).

func pbFloatAttr(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: ptr(v)}
}

func pbStringAttr(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func TestLegacyBroadcastAxis(t *testing.T) {
	// Opset 6: B of shape [3] aligned at axis 1 of A [2,3,2] means
	// B[j] is added to A[i,j,k]; numpy would align it with the last axis.
	x := iotaF32(2, 3, 2)
	b := pbFloats("b", []int{3}, 10, 20, 30)
	add := pbNode("Add", "add", []string{"x", "b"}, []string{"y"}, pbInt("broadcast", 1), pbInt("axis", 1),
		pbInts("consumed_inputs", 0, 0))
	out, ops := runLegacyShape(t, 6, add, x, 1, b)
	want := make([]float32, 12)
	for i := range want {
		want[i] = float32(i) + 10*float32(i/2%3+1)
	}
	legacyWant(t, out[0], []int{2, 3, 2}, want)
	if !reflect.DeepEqual(ops, []string{"Add"}) {
		t.Errorf("ops %v: a constant B should be reshaped at import", ops)
	}

	// A graph input as B gets an Unsqueeze.
	sub := pbNode("Sub", "sub", []string{"a", "x"}, []string{"y"}, pbInt("broadcast", 1), pbInt("axis", 0))
	out, ops = runLegacyShape(t, 6, sub, ir.FromSlice([]int{2}, []float32{1, 2}), 1,
		pbFloats("a", []int{2, 2}, 10, 10, 10, 10))
	legacyWant(t, out[0], []int{2, 2}, []float32{9, 9, 8, 8})
	if !reflect.DeepEqual(ops, []string{"Unsqueeze", "Sub"}) {
		t.Errorf("ops %v, want an Unsqueeze of B", ops)
	}

	// Without axis, legacy broadcasting is numpy's suffix alignment.
	mul := pbNode("Mul", "mul", []string{"x", "b"}, []string{"y"}, pbInt("broadcast", 1))
	out, _ = runLegacyShape(t, 6, mul, iotaF32(2, 3), 1, b)
	legacyWant(t, out[0], []int{2, 3}, []float32{0, 20, 60, 30, 80, 150})
}

func TestLegacyClipAndPRelu(t *testing.T) {
	x := ir.FromSlice([]int{4}, []float32{-2, -0.5, 0.5, 2})
	clip := pbNode("Clip", "clip", []string{"x"}, []string{"y"}, pbFloatAttr("min", -1), pbFloatAttr("max", 1))
	out, _ := runLegacyShape(t, 6, clip, x, 1)
	legacyWant(t, out[0], []int{4}, []float32{-1, -0.5, 0.5, 1})
	maxOnly := pbNode("Clip", "clip", []string{"x"}, []string{"y"}, pbFloatAttr("max", 0))
	out, _ = runLegacyShape(t, 1, maxOnly, x, 1)
	legacyWant(t, out[0], []int{4}, []float32{-2, -0.5, 0, 0})

	// Opset 6 PRelu: a 1-D slope is per channel (axis 1).
	prelu := pbNode("PRelu", "prelu", []string{"x", "s"}, []string{"y"})
	out, _ = runLegacyShape(t, 6, prelu, ir.FromSlice([]int{1, 2, 2}, []float32{-1, -1, -1, 1}), 1,
		pbFloats("s", []int{2}, 0.5, 0.25))
	legacyWant(t, out[0], []int{1, 2, 2}, []float32{-0.5, -0.5, -0.25, 1})
}

func TestLegacyCastNamedDType(t *testing.T) {
	cast := pbNode("Cast", "cast", []string{"x"}, []string{"y"}, pbStringAttr("to", "INT32"))
	out, _ := runLegacyShape(t, 5, cast, ir.FromSlice([]int{2}, []float32{2.7, -2.7}), 1)
	legacyWant(t, out[0], []int{2}, []int32{2, -2})

	bad := pbNode("Cast", "cast", []string{"x"}, []string{"y"}, pbStringAttr("to", "FLOAT128"))
	g := &onnxpb.GraphProto{Name: ptr("g"), Node: []*onnxpb.NodeProto{bad},
		Input:  []*onnxpb.ValueInfoProto{pbInfo("x", ir.Float32, 1)},
		Output: []*onnxpb.ValueInfoProto{{Name: ptr("y")}}}
	if _, err := FromProto(pbModel(5, g), ""); err == nil {
		t.Error("Cast to an unknown dtype name imported without error")
	}
}
