package onnx

import (
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// subgraphFunctionModel calls F twice. F(c, a) -> b has body
//
//	t = Neg(a)
//	b = If(c) { then: LeakyRelu(t, alpha=@alpha) } { else: Identity(t) }
//
// so its If branches capture t, a name of the function, and use an
// attribute reference. The caller defines a value named t too, which a
// branch must not see.
func subgraphFunctionModel() *onnxpb.ModelProto {
	branch := func(name string, n *onnxpb.NodeProto) *onnxpb.GraphProto {
		return &onnxpb.GraphProto{Name: ptr(name), Node: []*onnxpb.NodeProto{n},
			Output: []*onnxpb.ValueInfoProto{pbInfo("r_"+name, ir.Float32, 2)}}
	}
	leaky := pbNode("LeakyRelu", "", []string{"t"}, []string{"r_then"},
		&onnxpb.AttributeProto{Name: ptr("alpha"), RefAttrName: ptr("alpha"), Type: onnxpb.AttributeProto_FLOAT.Enum()})
	ifNode := pbNode("If", "", []string{"c"}, []string{"b"},
		&onnxpb.AttributeProto{Name: ptr("then_branch"), Type: onnxpb.AttributeProto_GRAPH.Enum(), G: branch("then", leaky)},
		&onnxpb.AttributeProto{Name: ptr("else_branch"), Type: onnxpb.AttributeProto_GRAPH.Enum(),
			G: branch("else", pbNode("Identity", "", []string{"t"}, []string{"r_else"}))})
	f := &onnxpb.FunctionProto{Name: ptr("F"), Domain: ptr("local"), Input: []string{"c", "a"}, Output: []string{"b"},
		Attribute: []string{"alpha"}, Node: []*onnxpb.NodeProto{pbNode("Neg", "", []string{"a"}, []string{"t"}), ifNode},
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: ptr(""), Version: ptr(int64(17))}}}
	alpha := &onnxpb.AttributeProto{Name: ptr("alpha"), F: ptr(float32(0.5)), Type: onnxpb.AttributeProto_FLOAT.Enum()}
	call := func(out string) *onnxpb.NodeProto {
		n := pbNode("F", "", []string{"c", "x"}, []string{out}, alpha)
		n.Domain = ptr("local")
		return n
	}
	g := &onnxpb.GraphProto{Name: ptr("g"),
		Input:  []*onnxpb.ValueInfoProto{pbInfo("c", ir.Bool), pbInfo("x", ir.Float32, 2)},
		Output: []*onnxpb.ValueInfoProto{pbInfo("y1", ir.Float32, 2), pbInfo("y2", ir.Float32, 2), pbInfo("t", ir.Float32, 2)},
		Node: []*onnxpb.NodeProto{
			pbNode("Add", "", []string{"x", "x"}, []string{"t"}), // the caller's own t
			call("y1"), call("y2"),
		}}
	mp := pbModel(17, g)
	mp.OpsetImport = append(mp.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: ptr("local"), Version: ptr(int64(1))})
	mp.Functions = []*onnxpb.FunctionProto{f}
	return mp
}

func TestFunctionWithSubgraphs(t *testing.T) {
	m, err := tbDecode(t, tbMarshal(t, subgraphFunctionModel()), "")
	if err != nil {
		t.Fatal(err)
	}
	x := ir.FromSlice([]int{2}, []float32{3, -2})
	for _, c := range []bool{true, false} {
		s, err := runtime.New(m, runtime.Options{CheckTypes: true})
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Run(map[string]ir.Data{"c": ir.Scalar(c), "x": x})
		if err != nil {
			t.Fatal(err)
		}
		// then: LeakyRelu(-x, alpha 0.5) = [-1.5, 2]; else: -x = [-3, 2].
		want := []float32{-3, 2}
		if c {
			want = []float32{-1.5, 2}
		}
		for i, y := range out[:2] {
			if got := y.(*ir.Tensor).Data.([]float32); got[0] != want[0] || got[1] != want[1] {
				t.Errorf("c=%v: y%d = %v, want %v (the branch must read the function's t with alpha 0.5)", c, i+1, got, want)
			}
		}
	}
	// Two calls and their branches: every node name stays unique.
	seen := map[string]bool{}
	m.Graph.Walk(func(n *ir.Node) {
		if n.Name != "" && seen[n.Name] {
			t.Errorf("node name %q is used twice", n.Name)
		}
		seen[n.Name] = true
	})
	if b, err := Encode(m); err != nil || !strings.Contains(string(b), "LeakyRelu") {
		t.Errorf("export: %v", err)
	}
}
