package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// Gradient check cases of the fused normalization gradients
// (dlc.BatchNormGrad, dlc.LayerNormGrad) at odd shapes, appended to
// gradcheck_test.go's table, and checks that the rules emit the fused
// node where they should and that it agrees with the decomposition they
// fall back to.
var normCases = []gcCase{
	// Training-mode BatchNormalization: rank 3, one channel, 1×1 planes.
	{op: "BatchNormalization", in: []gcIn{d(3, 2, 5), d(2), d(2), fixed(ir.FromSlice([]int{2}, []float64{0.5, -1})),
		fixed(ir.FromSlice([]int{2}, []float64{2, 0.5}))}, attrs: at("training_mode", one(1), "epsilon", flt(0.01)), outs: 3, loss: []int{0}},
	{op: "BatchNormalization", in: []gcIn{d(4, 1, 2, 3), d(1), d(1), fixed(ir.FromSlice([]int{1}, []float64{0})),
		fixed(ir.FromSlice([]int{1}, []float64{1}))}, attrs: at("training_mode", one(1))},
	{op: "BatchNormalization", in: []gcIn{d(5, 3, 1, 1), d(3), d(3), fixed(ir.FromSlice([]int{3}, []float64{0, 1, 2})),
		fixed(ir.FromSlice([]int{3}, []float64{1, 1, 1}))}, attrs: at("training_mode", one(1), "epsilon", flt(0.1))},
	// LayerNormalization: the whole tensor as one row, a 1-D X, odd rows,
	// and a Scale broadcast over the normalized dims (the decomposition).
	{op: "LayerNormalization", in: []gcIn{d(2, 3), d(2, 3), d(2, 3)}, attrs: at("axis", one(0), "epsilon", flt(0.01))},
	{op: "LayerNormalization", in: []gcIn{d(5), d(5), d(5)}},
	{op: "LayerNormalization", in: []gcIn{d(3, 1, 7), d(7), d(1)}, attrs: at("axis", one(2))},
	{op: "LayerNormalization", in: []gcIn{d(2, 3, 4), d(4), d(4)}, attrs: at("axis", one(1))},
}

func init() { gcCases = append(gcCases, normCases...) }

// fusedNormOp returns the fused gradient op the rule of c should emit, or
// "" where it decomposes (inference-mode BatchNormalization, a broadcast
// LayerNormalization Scale).
func fusedNormOp(c gcCase) string {
	switch c.op {
	case "BatchNormalization":
		if a := c.attrs["training_mode"]; a != nil && a.I != 0 {
			return "dlc.BatchNormGrad"
		}
	case "LayerNormalization":
		x, s := c.in[0].shape, c.in[1].shape
		axis := -1
		if a := c.attrs["axis"]; a != nil {
			axis = int(a.I)
		}
		if axis < 0 {
			axis += len(x)
		}
		if slices.Equal(s, x[axis:]) {
			return "dlc.LayerNormGrad"
		}
	}
	return ""
}

// countOps counts g's nodes by registry key.
func countOps(g *ir.Graph) map[string]int {
	n := map[string]int{}
	for _, nd := range g.Nodes {
		n[ir.OpKey(nd.Domain, nd.Op)]++
	}
	return n
}

// TestNormGradsAreFused: every training-mode BatchNormalization and
// LayerNormalization case of the gradient checks (float64 and float32)
// goes through one fused node and no ReduceMean, so the finite-difference
// checks test the fused op's reference kernel; the others decompose.
func TestNormGradsAreFused(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	fused := 0
	for i, c := range gcCases {
		if c.op != "BatchNormalization" && c.op != "LayerNormalization" {
			continue
		}
		want := fusedNormOp(c)
		for _, dt := range []ir.DType{ir.Float64, ir.Float32} {
			feeds := map[string]ir.Data{}
			for k, v := range gcFeeds(r, c) {
				feeds[k] = convert(v.(*ir.Tensor), dt)
			}
			g, loss, xs := gcBuild(t, c, feeds, 1)
			before := len(g.Nodes)
			k := 0
			if _, err := Gradients(g, loss, xs, func(b string) string { k++; return fmt.Sprint(b, "_", k) }); err != nil {
				t.Fatalf("case %d (%s): %v", i, c.op, err)
			}
			back := &ir.Graph{Nodes: g.Nodes[before:]}
			ops := countOps(back)
			switch {
			case want != "" && (ops[want] != 1 || ops["ReduceMean"] != 0):
				t.Errorf("case %d (%s, %s): backward ops %v, want one %s and no ReduceMean", i, c.op, dt, ops, want)
			case want == "" && (ops["dlc.BatchNormGrad"]+ops["dlc.LayerNormGrad"] != 0):
				t.Errorf("case %d (%s, %s): backward ops %v, want the decomposition", i, c.op, dt, ops)
			}
			if want != "" {
				fused++
			}
		}
	}
	if fused < 2*11 {
		t.Errorf("only %d fused cases", fused)
	}
}

// oneOutputBuilder hides builder's OpOutputs, as a GradBuilder that
// cannot emit several outputs does: the rules then decompose.
type oneOutputBuilder struct{ b *builder }

func (o oneOutputBuilder) Op(op string, attrs map[string]*ir.Attr, in ...*ir.Value) (*ir.Value, error) {
	return o.b.Op(op, attrs, in...)
}
func (o oneOutputBuilder) SumTo(grad, x *ir.Value) (*ir.Value, error) { return o.b.SumTo(grad, x) }

// TestFusedNormGradMatchesDecomposition runs each rule twice on one node
// with a random output gradient, once emitting the fused op and once its
// decomposition, and compares every input gradient on the reference
// kernels, with and without B.
func TestFusedNormGradMatchesDecomposition(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 17))
	f64 := func(shape ...int) *ir.Tensor {
		v := make([]float64, shapeSize(shape))
		for i := range v {
			v[i] = 2*r.Float64() - 1
		}
		return ir.FromSlice(shape, v)
	}
	cases := []struct {
		op    string
		x, s  []int
		bias  bool
		attrs attrs
	}{
		{"BatchNormalization", []int{3, 4, 5, 2}, []int{4}, true, at("training_mode", one(1))},
		{"BatchNormalization", []int{7, 3}, []int{3}, true, at("training_mode", one(1), "epsilon", flt(0.5))},
		{"LayerNormalization", []int{4, 6}, []int{6}, true, nil},
		{"LayerNormalization", []int{2, 3, 5}, []int{3, 5}, false, at("axis", one(-2))},
		{"LayerNormalization", []int{3, 1}, []int{1}, false, at("epsilon", flt(0.2))},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.op, c.x), func(t *testing.T) {
			g := ir.NewGraph("g")
			feeds := map[string]ir.Data{"x": f64(c.x...), "scale": f64(c.s...), "dy": f64(c.x...)}
			in := []*ir.Value{g.AddInput("x", ir.TensorType(ir.Float64, ir.ShapeOf(c.x...))),
				g.AddInput("scale", ir.TensorType(ir.Float64, ir.ShapeOf(c.s...)))}
			if c.bias {
				feeds["bias"] = f64(c.s...)
				in = append(in, g.AddInput("bias", ir.TensorType(ir.Float64, ir.ShapeOf(c.s...))))
			}
			if c.op == "BatchNormalization" {
				feeds["mean"], feeds["var"] = f64(c.s...), ir.FromSlice(c.s, slices.Repeat([]float64{1}, c.s[0]))
				in = append(in, g.AddInput("mean", ir.TensorType(ir.Float64, ir.ShapeOf(c.s...))),
					g.AddInput("var", ir.TensorType(ir.Float64, ir.ShapeOf(c.s...))))
			}
			dy := g.AddInput("dy", ir.TensorType(ir.Float64, ir.ShapeOf(c.x...)))
			n, err := g.AddNode(ir.NodeSpec{Op: c.op, Inputs: in, Outputs: []string{"y"}, Attrs: c.attrs})
			if err != nil {
				t.Fatal(err)
			}
			k := 0
			b := &builder{g: g, fresh: func(s string) string { k++; return fmt.Sprint(s, "_", k) }}
			before := len(g.Nodes)
			fused, err := n.Def.Grad(b, n, []*ir.Value{dy})
			if err != nil {
				t.Fatal(err)
			}
			if ops := countOps(&ir.Graph{Nodes: g.Nodes[before:]}); ops["dlc.BatchNormGrad"]+ops["dlc.LayerNormGrad"] != 1 {
				t.Fatalf("fused rule emitted %v", ops)
			}
			before = len(g.Nodes)
			plain, err := n.Def.Grad(oneOutputBuilder{b}, n, []*ir.Value{dy})
			if err != nil {
				t.Fatal(err)
			}
			if ops := countOps(&ir.Graph{Nodes: g.Nodes[before:]}); ops["dlc.BatchNormGrad"]+ops["dlc.LayerNormGrad"] != 0 || ops["ReduceMean"] == 0 {
				t.Fatalf("decomposition emitted %v", ops)
			}
			var outs []*ir.Value
			for i := range in[:min(len(in), 3)] {
				if fused[i] == nil || plain[i] == nil {
					t.Fatalf("gradient %d: fused %v, decomposed %v", i, fused[i], plain[i])
				}
				outs = append(outs, fused[i], plain[i])
			}
			g.Outputs = outs
			got := gcRun(t, g, feeds, runtime.Options{Reference: true, CheckTypes: true})
			for i := 0; i < len(got); i += 2 {
				a, p := got[i].(*ir.Tensor), got[i+1].(*ir.Tensor)
				if !slices.Equal(a.Shape, p.Shape) {
					t.Fatalf("gradient %d: shape %v fused, %v decomposed", i/2, a.Shape, p.Shape)
				}
				for e := range a.Len() {
					if x, y := a.Float64At(e), p.Float64At(e); math.Abs(x-y) > 1e-10*math.Max(1, math.Abs(y)) || math.IsNaN(x) {
						t.Fatalf("gradient %d[%d] = %v fused, %v decomposed", i/2, e, x, y)
					}
				}
			}
		})
	}
}
