package ir

import (
	"slices"
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
		{"FusedMatMul", nil, []Type{f32(2, 3, 5), f32(5, 7), none, f32(2, 3, 7)}, "f32[2,3,7]"},
		{"FusedMatMul", nil, []Type{f32(2, 3, 5), f32(5, 7), f32(7), f32(3, 7)}, "error: residual Z"},
		{"FusedMatMul", map[string]*Attr{"perm_a": IntsAttr(0, 2, 1, 3), "perm_b": IntsAttr(0, 2, 3, 1), "perm_y": IntsAttr(0, 2, 1, 3)},
			[]Type{f32(2, 6, 4, 8), f32(2, 9, 4, 8)}, "f32[2,6,4,9]"},
		{"FusedMatMul", map[string]*Attr{"perm_a": IntsAttr(0, 0, 1)}, []Type{f32(2, 3, 5), f32(5, 7)}, "error: perm_a [0 0 1] is not a permutation"},
		{"FusedMatMul", map[string]*Attr{"perm_b": IntsAttr(1, 0)}, []Type{f32(2, 3, 5), f32(2, 7, 5)}, "error: perm_b [1 0] is not a permutation of the 3 dims"},
		{"FusedMatMul", map[string]*Attr{"perm_a": IntsAttr(2, 0, 1)}, []Type{f32(2, 3, 5), f32(2, 7)}, "error: moves the operand's last axis"},
		{"FusedMatMul", map[string]*Attr{"perm_y": IntsAttr(0, 2, 1)}, []Type{f32(2, 3, 5), f32(5, 7)}, "error: perm_y [0 2 1] moves the last axis"},
		{"FusedMatMul", map[string]*Attr{"perm_y": IntsAttr(1, 0, 2)}, []Type{f32(2, 3, 5), f32(5, 7), none, f32(2, 3, 7)}, "error: perm_y with a residual Z"},
		{"Elementwise", prog("Add x0 x1", "Relu t0"), []Type{f32(2, 1, 5), f32(3, 1)}, "f32[2,3,5]"},
		{"Elementwise", prog("Clip x0 -Inf 6", "Mul 0.5 t0"), []Type{f32(4)}, "f32[4]"},
		{"Elementwise", prog("Add x0 x1"), []Type{f32(2), f32(3)}, "error: cannot be broadcast"},
		{"Elementwise", prog("Relu x0"), []Type{f32(2), f32(3)}, "error: input 1 is not used"},
		{"Elementwise", prog("Relu x0", "Neg x0"), []Type{f32(2)}, "error: t0 of instruction 0 is not used"},
		{"Elementwise", prog("Relu t0"), []Type{f32(2)}, "error: bad temp"},
		{"Elementwise", prog("Clip x0 x0 1"), []Type{f32(2)}, "error: not a constant"},
		{"Elementwise", prog("Swish x0"), []Type{f32(2)}, "error: unknown op"},
		{"Elementwise", prog("Add x0"), []Type{f32(2)}, "error: takes 2 operands"},
		{"Elementwise", prog("Relu x0"), []Type{TensorType(Float64, ShapeOf(2))}, "error: want float32"},
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

func prog(lines ...string) map[string]*Attr {
	return map[string]*Attr{"program": StringsAttr(lines...)}
}

// TestElemProgramRoundTrip: the text form parses back to the same
// program, constants exactly.
func TestElemProgramRoundTrip(t *testing.T) {
	lines := []string{"Sub 1 x0", "Mul t0 -3.4028235e+38", "Clip t1 -Inf 0.1", "HardSigmoid t2 0.2 0.5", "Add t3 x1", "Pow t4 2"}
	p, err := ParseElemProgram(lines, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Strings(); !slices.Equal(got, lines) {
		t.Errorf("round trip: %q, want %q", got, lines)
	}
	if a := p[2].Params[1]; a != float32(0.1) {
		t.Errorf("Clip max %v, want float32(0.1)", a)
	}
	if a := p[4].Args[1]; a.Kind != ElemInput || a.Index != 1 {
		t.Errorf("Add operand %+v, want input 1", a)
	}
}

// Fused ops are dlc's own: they are outside ONNX's type tables and carry
// the activation attributes.
func TestFusedOpsDeclared(t *testing.T) {
	for _, name := range []string{"FusedConv", "FusedGemm", "FusedMatMul", "Attention", "Elementwise"} {
		d := LookupOp(FusedDomain, name)
		if d == nil {
			t.Fatalf("dlc.%s not registered", name)
		}
		if TypeConstraints(d.Key()) != nil {
			t.Errorf("%s has ONNX type constraints", d.Key())
		}
		if name != "Attention" && name != "Elementwise" && d.Attr("activation") == nil {
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
