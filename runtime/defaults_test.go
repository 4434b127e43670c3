package runtime

import (
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// A graph input with a default initializer is a constant only while the
// caller leaves it out: a run that replaces it computes with the new value
// on every engine, though plans and passes treat the default as a
// constant (the fast MatMul packs it).
func TestReplacedDefaultInput(t *testing.T) {
	g := ir.NewGraph("g")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(1, 2)))
	w := g.AddInput("w", ir.TensorType(ir.Float32, ir.ShapeOf(2, 2)))
	w.Init = ir.FromSlice([]int{2, 2}, []float32{1, 0, 0, 1})
	g.Inits = append(g.Inits, w)
	n, err := g.AddNode(ir.NodeSpec{Op: "MatMul", Inputs: []*ir.Value{x, w}, Outputs: []string{"y"}})
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []*ir.Value{n.Outputs[0]}
	m := &ir.Model{Graph: g, Opsets: map[string]int64{"": 17}}
	xv := ir.FromSlice([]int{1, 2}, []float32{1, 2})
	for _, opt := range []Options{{Reference: true}, {}, DefaultOptions()} {
		s, err := New(m, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			feeds map[string]ir.Data
			want  []float32
		}{
			{map[string]ir.Data{"x": xv}, []float32{1, 2}},
			{map[string]ir.Data{"x": xv, "w": ir.FromSlice([]int{2, 2}, []float32{2, 0, 0, 3})}, []float32{2, 6}},
			{map[string]ir.Data{"x": xv}, []float32{1, 2}}, // the default again
		} {
			out, err := s.Run(c.feeds)
			if err != nil {
				t.Fatal(err)
			}
			if got := out[0].(*ir.Tensor).Data.([]float32); !slices.Equal(got, c.want) {
				t.Errorf("%+v, %d feeds: got %v, want %v", opt, len(c.feeds), got, c.want)
			}
		}
	}
}
