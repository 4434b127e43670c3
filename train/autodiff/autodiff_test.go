package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// gradCase is one op with input shapes; y = op(inputs...) and the checked
// gradient is that of sum(y).
type gradCase struct {
	op     string
	shapes [][]int
}

var gradCases = []gradCase{
	{"Add", [][]int{{2, 3}, {2, 3}}},
	{"Add", [][]int{{2, 3}, {3}}},       // broadcast B along rows
	{"Add", [][]int{{4, 1, 3}, {2, 1}}}, // both broadcast
	{"Sub", [][]int{{2, 3}, {1, 3}}},
	{"Mul", [][]int{{3, 2}, {3, 2}}},
	{"Mul", [][]int{{2, 3, 2}, {}}}, // scalar B
	{"Div", [][]int{{2, 3}, {2, 3}}},
	{"Div", [][]int{{5}, {1}}},
	{"Neg", [][]int{{2, 2}}},
	{"Identity", [][]int{{3}}},
}

// TestGradientsMatchFiniteDifferences checks every rule against central
// differences in float64.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, c := range gradCases {
		t.Run(fmt.Sprintf("%s%v", c.op, c.shapes), func(t *testing.T) {
			g := ir.NewGraph("g")
			var xs []*ir.Value
			feeds := map[string]ir.Data{}
			for i, s := range c.shapes {
				name := fmt.Sprintf("x%d", i)
				xs = append(xs, g.AddInput(name, ir.TensorType(ir.Float64, ir.ShapeOf(s...))))
				vals := make([]float64, shapeSize(s))
				for j := range vals {
					// Away from zero, so Div's denominator stays tame.
					vals[j] = (0.5 + r.Float64()) * float64(1-2*r.IntN(2))
				}
				feeds[name] = ir.FromSlice(s, vals)
			}
			n, err := g.AddNode(ir.NodeSpec{Op: c.op, Inputs: xs, Outputs: []string{"y"}})
			if err != nil {
				t.Fatal(err)
			}
			y := n.Outputs[0]
			k := 0
			fresh := func(base string) string { k++; return fmt.Sprintf("%s_%d", base, k) }
			grads, err := Gradients(g, y, xs, fresh)
			if err != nil {
				t.Fatal(err)
			}
			g.Outputs = append([]*ir.Value{y}, grads...)
			s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{CheckTypes: true})
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.Run(feeds)
			if err != nil {
				t.Fatal(err)
			}
			loss := func() float64 {
				o, err := s.Run(feeds)
				if err != nil {
					t.Fatal(err)
				}
				sum := 0.0
				for _, v := range o[0].(*ir.Tensor).Data.([]float64) {
					sum += v
				}
				return sum
			}
			const h = 1e-6
			for i, x := range xs {
				vals := feeds[x.Name].(*ir.Tensor).Data.([]float64)
				got := out[1+i].(*ir.Tensor)
				if !slices.Equal(got.Shape, c.shapes[i]) {
					t.Fatalf("d/d%s has shape %v, want %v", x.Name, got.Shape, c.shapes[i])
				}
				for j := range vals {
					orig := vals[j]
					vals[j] = orig + h
					up := loss()
					vals[j] = orig - h
					down := loss()
					vals[j] = orig
					want := (up - down) / (2 * h)
					if d := got.Data.([]float64)[j]; math.Abs(d-want) > 1e-6*math.Max(1, math.Abs(want)) {
						t.Errorf("d/d%s[%d] = %v, finite difference %v", x.Name, j, d, want)
					}
				}
			}
		})
	}
}

func TestUnrelatedInputGetsZeroGradient(t *testing.T) {
	g := ir.NewGraph("g")
	a := g.AddInput("a", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	b := g.AddInput("b", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	n, _ := g.AddNode(ir.NodeSpec{Op: "Neg", Inputs: []*ir.Value{a}, Outputs: []string{"y"}})
	k := 0
	grads, err := Gradients(g, n.Outputs[0], []*ir.Value{a, b}, func(s string) string { k++; return fmt.Sprint(s, k) })
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = grads
	s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Run(map[string]ir.Data{"a": ir.FromSlice([]int{2}, []float32{1, 2}), "b": ir.FromSlice([]int{2}, []float32{3, 4})})
	if err != nil {
		t.Fatal(err)
	}
	if da := out[0].(*ir.Tensor).Data.([]float32); da[0] != -1 || da[1] != -1 {
		t.Errorf("d/da = %v, want [-1 -1]", da)
	}
	if db := out[1].(*ir.Tensor).Data.([]float32); db[0] != 0 || db[1] != 0 {
		t.Errorf("d/db = %v, want zeros", db)
	}
}

// The op is any one-input float op that has no rule yet, found in the
// registry so that the test outlives each new rule.
func TestOpWithoutRuleIsAnError(t *testing.T) {
	for _, d := range ir.Ops() {
		if d.Grad != nil || d.NotDifferentiable || d.Domain != "" || d.MinInputs != 1 {
			continue
		}
		g := ir.NewGraph("g")
		a := g.AddInput("a", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
		n, err := g.AddNode(ir.NodeSpec{Op: d.Name, Inputs: []*ir.Value{a}, Outputs: []string{"y"}})
		if err != nil || n.Outputs[0].Type.DType != ir.Float32 {
			continue
		}
		_, err = Gradients(g, n.Outputs[0], []*ir.Value{a}, func(s string) string { return s + "_x" })
		if err == nil || !strings.Contains(err.Error(), "no gradient rule") {
			t.Fatalf("%s: err = %v, want a missing gradient rule", d.Name, err)
		}
		return
	}
	t.Skip("every one-input float op has a gradient rule")
}

func shapeSize(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// An If whose branches read x only by capture still depends on x: the
// gradient must meet If's missing rule, not silently come back zero.
func TestCapturedDependencyIsNotSkipped(t *testing.T) {
	g := ir.NewGraph("g")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(1)))
	c := g.AddInput("c", ir.TensorType(ir.Bool, ir.ShapeOf()))
	branch := func(name string) *ir.Graph {
		b := g.NewSubgraph(name)
		n, err := b.AddNode(ir.NodeSpec{Op: "Mul", Inputs: []*ir.Value{x, x}, Outputs: []string{name + "_out"}})
		if err != nil {
			t.Fatal(err)
		}
		b.Outputs = n.Outputs
		return b
	}
	n, err := g.AddNode(ir.NodeSpec{Op: "If", Inputs: []*ir.Value{c}, Outputs: []string{"y"},
		Attrs: map[string]*ir.Attr{"then_branch": ir.GraphAttr(branch("then")), "else_branch": ir.GraphAttr(branch("else"))}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Gradients(g, n.Outputs[0], []*ir.Value{x}, func(s string) string { return s + "_g" })
	if err == nil || !strings.Contains(err.Error(), "If") {
		t.Errorf("err = %v, want If's missing gradient rule", err)
	}
}
