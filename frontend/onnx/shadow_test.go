package onnx

import (
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"google.golang.org/protobuf/proto"
)

// A branch that defines a name its enclosing graph already uses reads its
// own value, and the export names every value once.
func TestSubgraphShadowingIsRenamed(t *testing.T) {
	branch := func(name string, op string) *onnxpb.GraphProto {
		return &onnxpb.GraphProto{Name: ptr(name),
			Node: []*onnxpb.NodeProto{
				pbNode(op, "", []string{"x"}, []string{"t"}), // shadows the outer t
				pbNode("Add", "", []string{"t", "t"}, []string{"r_" + name}),
			},
			Output: []*onnxpb.ValueInfoProto{pbInfo("r_"+name, ir.Float32, 2)}}
	}
	g := &onnxpb.GraphProto{Name: ptr("g"),
		Input:  []*onnxpb.ValueInfoProto{pbInfo("c", ir.Bool), pbInfo("x", ir.Float32, 2)},
		Output: []*onnxpb.ValueInfoProto{pbInfo("y", ir.Float32, 2), pbInfo("t", ir.Float32, 2)},
		Node: []*onnxpb.NodeProto{
			pbNode("Neg", "", []string{"x"}, []string{"t"}),
			pbNode("If", "", []string{"c"}, []string{"y"},
				&onnxpb.AttributeProto{Name: ptr("then_branch"), Type: onnxpb.AttributeProto_GRAPH.Enum(), G: branch("then", "Identity")},
				&onnxpb.AttributeProto{Name: ptr("else_branch"), Type: onnxpb.AttributeProto_GRAPH.Enum(), G: branch("else", "Abs")}),
		}}
	m, err := tbDecode(t, tbMarshal(t, pbModel(13, g)), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := runtime.New(m, runtime.Options{CheckTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Run(map[string]ir.Data{"c": ir.Scalar(true), "x": ir.FromSlice([]int{2}, []float32{1, -2})})
	if err != nil {
		t.Fatal(err)
	}
	if y := out[0].(*ir.Tensor).Data.([]float32); y[0] != 2 || y[1] != -4 {
		t.Errorf("y = %v, want [2 -4] (the branch's own t)", y)
	}
	if tt := out[1].(*ir.Tensor).Data.([]float32); tt[0] != -1 || tt[1] != 2 {
		t.Errorf("t = %v, want [-1 2] (the outer t)", tt)
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	mp := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, mp); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(*onnxpb.GraphProto)
	walk = func(g *onnxpb.GraphProto) {
		for _, n := range g.Node {
			for _, o := range n.Output {
				if seen[o] {
					t.Errorf("export defines %q twice", o)
				}
				seen[o] = true
			}
			for _, a := range n.Attribute {
				if a.G != nil {
					walk(a.G)
				}
			}
		}
	}
	walk(mp.Graph)
}
