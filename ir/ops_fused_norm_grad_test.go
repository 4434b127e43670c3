package ir

import (
	"strings"
	"testing"
)

// The fused normalization gradients infer dX from X and dY and the
// parameter gradients from the normalized dims, and name what is wrong.
func TestNormGradInference(t *testing.T) {
	f32 := func(d ...int) Type { return TensorType(Float32, ShapeOf(d...)) }
	f64 := func(d ...int) Type { return TensorType(Float64, ShapeOf(d...)) }
	sym := TensorType(Float32, Shape{Ranked: true, Dims: []Dim{Symbolic("N"), Static(3), Static(5)}})
	unranked := TensorType(Float32, UnrankedShape)
	cases := []struct {
		op    string
		attrs map[string]*Attr
		in    []Type
		want  string // "dX dScale dBias" types, or an error fragment after "error: "
	}{
		{"BatchNormGrad", nil, []Type{f32(2, 3, 4, 5), f32(2, 3, 4, 5), f32(3)}, "f32[2,3,4,5] f32[3] f32[3]"},
		{"BatchNormGrad", nil, []Type{f64(7, 1), f64(7, 1), f64(1)}, "f64[7,1] f64[1] f64[1]"},
		{"BatchNormGrad", nil, []Type{sym, sym, f32(3)}, "f32[N,3,5] f32[3] f32[3]"},
		{"BatchNormGrad", nil, []Type{unranked, f32(2, 3), f32(3)}, "f32[2,3] f32[3] f32[3]"},
		{"BatchNormGrad", nil, []Type{f32(4), f32(4), f32(4)}, "error: rank 1"},
		{"BatchNormGrad", nil, []Type{f32(2, 3), f32(2, 3), f32(4)}, "error: channel count"},
		{"BatchNormGrad", nil, []Type{f32(2, 3), f32(2, 3), f32(3, 1)}, "error: want [C]"},
		{"BatchNormGrad", nil, []Type{f32(2, 3), f32(2, 4), f32(3)}, "error: dY does not match X"},
		{"BatchNormGrad", nil, []Type{f32(2, 3), f64(2, 3), f32(3)}, "error: want one dtype"},
		{"BatchNormGrad", nil, []Type{TensorType(Int32, ShapeOf(2, 3)), TensorType(Int32, ShapeOf(2, 3)), f32(3)}, "error: want a float type"},
		{"LayerNormGrad", nil, []Type{f32(4, 6), f32(4, 6), f32(6)}, "f32[4,6] f32[6] f32[6]"},
		{"LayerNormGrad", map[string]*Attr{"axis": IntAttr(1)}, []Type{sym, sym, f32(3, 5)}, "f32[N,3,5] f32[3,5] f32[3,5]"},
		{"LayerNormGrad", map[string]*Attr{"axis": IntAttr(0)}, []Type{f64(2, 3), f64(2, 3), f64(2, 3)}, "f64[2,3] f64[2,3] f64[2,3]"},
		{"LayerNormGrad", map[string]*Attr{"axis": IntAttr(-2)}, []Type{f32(2, 3, 4), f32(2, 3, 4), f32(4)}, "error: want X's normalized dims"},
		{"LayerNormGrad", nil, []Type{f32(4, 6), f32(4, 6), f32(1)}, "error: want X's normalized dims"},
		{"LayerNormGrad", map[string]*Attr{"axis": IntAttr(2)}, []Type{f32(4, 6), f32(4, 6), f32(6)}, "error: axis 2 out of range"},
	}
	for _, c := range cases {
		g := NewGraph("g")
		var in []*Value
		for i, ty := range c.in {
			in = append(in, g.AddInput(string(rune('a'+i)), ty))
		}
		n, err := g.AddNode(NodeSpec{Op: c.op, Domain: FusedDomain, Inputs: in, Outputs: []string{"dx", "ds", "db"}, Attrs: c.attrs})
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
		var got []string
		for _, v := range n.Outputs {
			got = append(got, v.Type.String())
		}
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("%s %v: outputs %s, want %s", c.op, c.in, s, c.want)
		}
	}
}

// Only dX is required: the parameter gradients may be left out.
func TestNormGradOptionalOutputs(t *testing.T) {
	g := NewGraph("g")
	x := g.AddInput("x", TensorType(Float32, ShapeOf(3, 4)))
	dy := g.AddInput("dy", TensorType(Float32, ShapeOf(3, 4)))
	s := g.AddInput("s", TensorType(Float32, ShapeOf(4)))
	for _, outs := range [][]string{{"dx"}, {"dx", "", "db"}, {"dx2", "ds"}} {
		n, err := g.AddNode(NodeSpec{Op: "LayerNormGrad", Domain: FusedDomain, Inputs: []*Value{x, dy, s}, Outputs: outs})
		if err != nil {
			t.Fatalf("outputs %q: %v", outs, err)
		}
		if got := n.Outputs[0].Type.String(); got != "f32[3,4]" {
			t.Errorf("outputs %q: dX is %s", outs, got)
		}
	}
	if _, err := g.AddNode(NodeSpec{Op: "BatchNormGrad", Domain: FusedDomain, Inputs: []*Value{x, dy}, Outputs: []string{"e"}}); err == nil {
		t.Error("BatchNormGrad without Scale: no error")
	}
}
