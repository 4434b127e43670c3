package passes

import (
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

var fuseElementwise = passOf(fuseElementwiseRules)

// programs returns the program of every dlc.Elementwise node of g's top
// level, one string per node with instructions separated by "; ".
func programs(g *ir.Graph) []string {
	var out []string
	for _, n := range g.Nodes {
		if n.Domain == ir.FusedDomain && n.Op == "Elementwise" {
			out = append(out, strings.Join(n.Strings("program"), "; "))
		}
	}
	return out
}

// checkPrograms compares the programs of g with want, in any order.
func checkPrograms(t *testing.T, g *ir.Graph, want ...string) {
	t.Helper()
	got := programs(g)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("programs:\n  %q\nwant\n  %q\ngraph:\n%s", got, want, g.Text())
	}
}

func TestFuseElementwiseChain(t *testing.T) {
	// The BERT attention mask (1 - m) * -10000 and a Silu-like diamond
	// whose inner value has two readers, both in the group.
	b := newBuilder(t)
	m := b.in("m", 2, 1, 1, 8)
	mask := b.op("Mul", nil, b.op("Sub", nil, b.cst(scalar(1)), m), b.cst(scalar(-10000)))
	x, bias := b.in("x", 3, 8), b.in("bias", 8)
	s := b.op("Add", nil, x, bias)
	silu := b.op("Mul", nil, s, b.op("Sigmoid", nil, s))
	model := b.out(mask, silu)
	c := checkPass(t, b, model, fuseElementwise, "dlc.Elementwise:2")
	checkPrograms(t, c.Graph, "Sub 1 x0; Mul t0 -10000", "Add x0 x1; Sigmoid t0; Mul t0 t1")
}

func TestFuseElementwiseBoundaries(t *testing.T) {
	b := newBuilder(t)
	x, y := b.in("x", 4, 5), b.in("y", 5)
	// a is read by two groups: it ends its own group (Relu+Add).
	a := b.op("Relu", nil, b.op("Add", nil, x, y))
	p := b.op("Tanh", nil, b.op("Mul", nil, a, b.cst(scalar(2))))
	q := b.op("Exp", nil, b.op("Neg", nil, a))
	// A graph output inside a chain ends a group there.
	o := b.op("Abs", nil, x)
	r := b.op("Sqrt", nil, o)
	// A broadcast that grows the shape: Add's operand of shape [5] is a
	// separate group (Clip+Neg) from the [4,5] one.
	v := b.op("Neg", nil, b.op("Clip", nil, y, b.cst(scalar(0)), b.cst(scalar(1))))
	w := b.op("Relu", nil, b.op("Add", nil, x, v))
	// A single op stays as it is; a MatMul breaks a chain.
	single := b.op("Sigmoid", nil, b.op("MatMul", nil, b.op("Relu", nil, x), b.rnd(5, 5)))
	model := b.out(p, q, o, r, w, single)
	c := checkPass(t, b, model, fuseElementwise, "Abs:1 MatMul:1 Relu:1 Sigmoid:1 Sqrt:1 dlc.Elementwise:5")
	checkPrograms(t, c.Graph,
		"Add x0 x1; Relu t0",
		"Mul x0 2; Tanh t0",
		"Neg x0; Exp t0",
		"Clip x0 0 1; Neg t0",
		"Add x0 x1; Relu t0")
}

func TestFuseElementwiseOps(t *testing.T) {
	// Every op the pass takes, with its parameters, in one chain; Pow by 3
	// and a non-float chain stop it.
	b := newBuilder(t)
	x := b.in("x", 2, 7)
	f := ir.FloatAttr
	v := b.op("LeakyRelu", map[string]*ir.Attr{"alpha": f(0.1)}, x)
	v = b.op("HardSigmoid", map[string]*ir.Attr{"alpha": f(0.3), "beta": f(0.4)}, v)
	v = b.op("Clip", nil, v, nil, b.cst(scalar(0.6)))
	v = b.op("Pow", nil, v, b.cst(scalar(2)))
	v = b.op("Gelu", map[string]*ir.Attr{"approximate": ir.StringAttr("tanh")}, v)
	v = b.op("Gelu", nil, v)
	v = b.op("Max", nil, v, b.op("Min", nil, x, b.cst(scalar(0.5))))
	v = b.op("Div", nil, b.op("HardSwish", nil, v), b.op("Erf", nil, x))
	v = b.op("Pow", nil, v, b.cst(scalar(3)))
	model := b.out(b.op("Relu", nil, v))
	c := checkPass(t, b, model, fuseElementwise, "Pow:1 Relu:1 dlc.Elementwise:1")
	checkPrograms(t, c.Graph, "LeakyRelu x0 0.1; HardSigmoid t0 0.3 0.4; Clip t1 -Inf 0.6; Pow t2 2; GeluTanh t3; "+
		"Gelu t4; Min x0 0.5; Max t5 t6; HardSwish t7; Erf x0; Div t8 t9")
}

// TestFuseElementwisePipeline: in the level-2 pipeline the chain after a
// MatMul goes into dlc.FusedMatMul first; what is left is grouped.
func TestFuseElementwisePipeline(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 3, 4)
	mm := b.op("Relu", nil, b.op("Add", nil, b.op("MatMul", nil, x, b.rnd(4, 4)), b.rnd(4)))
	out := b.op("Mul", nil, b.op("Sigmoid", nil, mm), b.op("Tanh", nil, x))
	c := checkPass(t, b, b.out(out), nil, "dlc.Elementwise:1 dlc.FusedMatMul:1")
	checkPrograms(t, c.Graph, "Tanh x0; Sigmoid x1; Mul t1 t0")
}

// TestGoldenElementwiseAndResidual: a transformer block's tail at level
// 2: the output projection's bias and residual go into dlc.FusedMatMul,
// the mask arithmetic into one dlc.Elementwise. The Add of the [2,1] mask
// to the [2,3] result stays apart: a group computes values of one shape,
// so that no member is recomputed for every element it broadcasts to.
func TestGoldenElementwiseAndResidual(t *testing.T) {
	g := ir.NewGraph("tail")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(2, 3)))
	m := g.AddInput("m", ir.TensorType(ir.Float32, ir.ShapeOf(2, 1)))
	w := g.AddInit("w", ir.FromSlice([]int{3, 3}, []float32{1, 0, 0, 0, 1, 0, 0, 0, 1}))
	bias := g.AddInit("b", ir.FromSlice([]int{3}, []float32{1, 2, 3}))
	one := g.AddInit("one", ir.Scalar[float32](1))
	big := g.AddInit("big", ir.Scalar[float32](-10000))
	add := func(op, out string, in ...*ir.Value) *ir.Value {
		n, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{out}})
		if err != nil {
			t.Fatal(err)
		}
		return n.Outputs[0]
	}
	y := add("Add", "res", add("Add", "biased", add("MatMul", "mm", x, w), bias), x)
	mask := add("Mul", "mask", add("Sub", "inv", one, m), big)
	g.Outputs = []*ir.Value{add("Add", "out", y, mask)}
	checkGolden(t, &ir.Model{Graph: g}, 2, `
graph "tail" {
  input %x: f32[2,3]
  input %m: f32[2,1]
  init %w: f32[3,3] = f32[3 3][1 0 0 0 1 0 0 0 ... (9 values)]
  init %b: f32[3] = f32[3][1 2 3]
  %res_1: f32[2,3] = dlc.FusedMatMul(%x, %w, %b, %x)
  %mask_1: f32[2,1] = dlc.Elementwise(%m) {program=["Sub 1 x0","Mul t0 -10000"]}
  %out: f32[2,3] = Add(%res_1, %mask_1)
  output %out
}`)
}
