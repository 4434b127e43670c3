package ref

import (
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// wantBuildErr checks that a node of op over tensors of these dtypes is
// refused when it is built (ir.CheckTypes), with an error containing frag.
func wantBuildErr(t *testing.T, frag, op string, attrs map[string]*ir.Attr, in ...*ir.Tensor) {
	t.Helper()
	g := ir.NewGraph("test")
	ins := make([]*ir.Value, len(in))
	for i, x := range in {
		ins[i] = g.AddInput(string(rune('a'+i)), ir.TensorType(x.DType, ir.ShapeOf(x.Shape...)))
	}
	_, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: ins, Outputs: []string{"y"}, Attrs: attrs})
	if err == nil || !strings.Contains(err.Error(), frag) {
		t.Errorf("%s: error %v, want one containing %q", op, err, frag)
	}
}

// Kernels never see dtypes ONNX forbids: the node is refused first.
func TestForbiddenDTypesRefusedAtBuild(t *testing.T) {
	f32 := ir.FromSlice([]int{2}, []float32{1, 2})
	i32 := ir.FromSlice([]int{2}, []int32{1, 2})
	wantBuildErr(t, `input 1 ("shape") is f32, wants one of i64`, "Reshape", nil, f32, f32)
	wantBuildErr(t, `input 0 ("X") is i32, wants one of f16, bf16, f32, f64`, "Conv", nil, i32, i32)
	wantBuildErr(t, "dtypes bound to T differ", "Concat", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, f32, i32)
}
