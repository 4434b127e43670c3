package ir

import (
	"strings"
	"testing"
)

// TestElemWhereInstructions: the Where<Cmp> instructions take four
// operands (x, c, a, b), no parameters, and the result is the broadcast
// of all four.
func TestElemWhereInstructions(t *testing.T) {
	f32 := func(d ...int) Type { return TensorType(Float32, ShapeOf(d...)) }
	for _, c := range []struct {
		prog []string
		in   []Type
		want string
	}{
		{[]string{"WhereGreater x0 0 x1 0"}, []Type{f32(4, 5), f32(4, 5)}, "f32[4,5]"},
		{[]string{"WhereLessOrEqual x0 x1 x2 -1"}, []Type{f32(3, 1), f32(5), f32(2, 1, 1)}, "f32[2,3,5]"},
		{[]string{"Mul x1 0.1", "WhereGreaterOrEqual x0 0 x1 t0", "WhereLess t1 x0 t1 t0"}, []Type{f32(6), f32(6)}, "f32[6]"},
		{[]string{"WhereGreater x0 0 x1"}, []Type{f32(2), f32(2)}, "error: takes 4 operands"},
		{[]string{"WhereLess x0 0 x1 0 1"}, []Type{f32(2), f32(2)}, "error: takes 4 operands"},
		{[]string{"WhereEqual x0 0 x1 0"}, []Type{f32(2), f32(2)}, "error: unknown op"},
		{[]string{"WhereGreater x0 0 t0 0"}, []Type{f32(2)}, "error: bad temp"},
	} {
		n, err := fusedNode(t, "Elementwise", prog(c.prog...), c.in...)
		if frag, ok := strings.CutPrefix(c.want, "error: "); ok {
			if err == nil || !strings.Contains(err.Error(), frag) {
				t.Errorf("%q: error %v, want %q", c.prog, err, frag)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.prog, err)
		} else if got := n.Outputs[0].Type.String(); got != c.want {
			t.Errorf("%q: type %s, want %s", c.prog, got, c.want)
		}
	}
}
