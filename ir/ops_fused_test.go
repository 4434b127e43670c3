package ir

import (
	"strings"
	"testing"
)

func fusedNode(t *testing.T, op string, attrs map[string]*Attr, in ...Type) (*Node, error) {
	t.Helper()
	g := NewGraph("g")
	var vals []*Value
	for i, ty := range in {
		if ty.Kind == TensorKind && ty.DType == Undefined {
			vals = append(vals, nil)
			continue
		}
		vals = append(vals, g.AddInput(string(rune('a'+i)), ty))
	}
	return g.AddNode(NodeSpec{Op: op, Domain: FusedDomain, Inputs: vals, Outputs: []string{"y"}, Attrs: attrs})
}

func TestFusedOpInference(t *testing.T) {
	f32 := func(d ...int) Type { return TensorType(Float32, ShapeOf(d...)) }
	none := Type{}
	cases := []struct {
		op    string
		attrs map[string]*Attr
		in    []Type
		want  string // output type, or an error fragment after "error: "
	}{
		{"FusedConv", nil, []Type{f32(1, 3, 8, 8), f32(4, 3, 3, 3)}, "f32[1,4,6,6]"},
		{"FusedConv", map[string]*Attr{"pads": IntsAttr(1, 1, 1, 1), "activation": StringAttr("Relu")},
			[]Type{f32(1, 3, 8, 8), f32(4, 3, 3, 3), f32(4), f32(1, 4, 8, 8)}, "f32[1,4,8,8]"},
		{"FusedConv", nil, []Type{f32(1, 3, 8, 8), f32(4, 3, 3, 3), none, f32(1, 4, 5, 5)}, "error: residual Z"},
		{"FusedConv", map[string]*Attr{"activation": StringAttr("Swish")}, []Type{f32(1, 3, 8, 8), f32(4, 3, 3, 3)}, "error: unknown activation"},
		{"FusedGemm", map[string]*Attr{"transB": IntAttr(1), "activation": StringAttr("Gelu")}, []Type{f32(2, 5), f32(7, 5), f32(7)}, "f32[2,7]"},
		{"FusedMatMul", nil, []Type{f32(2, 3, 5), f32(5, 7), f32(7)}, "f32[2,3,7]"},
		{"FusedMatMul", nil, []Type{f32(2, 3, 5), f32(5, 7), f32(6)}, "error: bias has 6 elements"},
		{"Attention", nil, []Type{f32(2, 4, 6, 8), f32(2, 4, 9, 8), f32(2, 4, 9, 5), f32(2, 1, 1, 9)}, "f32[2,4,6,5]"},
		{"Attention", nil, []Type{f32(6, 8), f32(9, 7), f32(9, 5)}, "error: matmul inner dims differ"},
	}
	for _, c := range cases {
		n, err := fusedNode(t, c.op, c.attrs, c.in...)
		if frag, ok := strings.CutPrefix(c.want, "error: "); ok {
			if err == nil || !strings.Contains(err.Error(), frag) {
				t.Errorf("%s %v: error %v, want %q", c.op, c.in, err, frag)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %v: %v", c.op, c.in, err)
			continue
		}
		if got := n.Outputs[0].Type.String(); got != c.want {
			t.Errorf("%s %v: type %s, want %s", c.op, c.in, got, c.want)
		}
	}
}

// Fused ops are dlc's own: they are outside ONNX's type tables and carry
// the activation attributes.
func TestFusedOpsDeclared(t *testing.T) {
	for _, name := range []string{"FusedConv", "FusedGemm", "FusedMatMul", "Attention"} {
		d := LookupOp(FusedDomain, name)
		if d == nil {
			t.Fatalf("dlc.%s not registered", name)
		}
		if TypeConstraints(d.Key()) != nil {
			t.Errorf("%s has ONNX type constraints", d.Key())
		}
		if name != "Attention" && d.Attr("activation") == nil {
			t.Errorf("%s lacks the activation attribute", d.Key())
		}
	}
	// FusedConv takes every Conv attribute, so Conv kernels read them as is.
	for _, a := range LookupOp("", "Conv").Attrs {
		if LookupOp(FusedDomain, "FusedConv").Attr(a.Name) == nil {
			t.Errorf("FusedConv lacks Conv attribute %s", a.Name)
		}
	}
}
