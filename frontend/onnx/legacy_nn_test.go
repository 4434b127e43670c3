package onnx

import (
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// Tests of the converters in legacy_nn.go.

func TestLegacyGemmDropsBroadcast(t *testing.T) {
	node := pbNode("Gemm", "gemm", []string{"a", "b", "c"}, []string{"y"}, pbInt("broadcast", 1), pbInt("transB", 1))
	a := ir.FromSlice([]int{1, 2}, []float32{1, 2})
	b := ir.FromSlice([]int{2, 2}, []float32{1, 0, 1, 1}) // B' = [[1,1],[0,1]]
	c := ir.FromSlice([]int{2}, []float32{10, 20})
	out, ops := lnRun(t, 6, node, 1, a, b, c)
	if len(ops) != 1 || ops[0] != "Gemm" {
		t.Fatalf("ops %v, want [Gemm]", ops)
	}
	lnNear(t, "gemm", out[0], 11, 23)
}

func TestLegacyLpPoolFloatP(t *testing.T) {
	p := &onnxpb.AttributeProto{Name: ptr("p"), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: ptr(float32(1))}
	x := ir.FromSlice([]int{1, 1, 1, 2}, []float32{-3, 4})
	out, _ := lnRun(t, 1, pbNode("LpPool", "lp", []string{"x"}, []string{"y"}, p, pbInts("kernel_shape", 1, 2)), 1, x)
	lnNear(t, "LpPool p=1", out[0], 7)
	out, _ = lnRun(t, 1, pbNode("GlobalLpPool", "glp", []string{"x"}, []string{"y"}, p), 1, x)
	lnNear(t, "GlobalLpPool p=1", out[0], 7)
}
