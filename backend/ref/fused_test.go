package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// runFused runs a dlc-domain op's kernel on tensors, checking the result
// against the inferred type as runOp does for ONNX ops.
func runFused(t *testing.T, op string, attrs map[string]*ir.Attr, in ...*ir.Tensor) *ir.Tensor {
	t.Helper()
	g := ir.NewGraph("test")
	vals := make([]*ir.Value, len(in))
	data := make([]ir.Data, len(in))
	for i, x := range in {
		if x != nil {
			vals[i] = g.AddInput(fmt.Sprintf("x%d", i), ir.TensorType(x.DType, ir.ShapeOf(x.Shape...)))
			data[i] = x
		}
	}
	n, err := g.AddNode(ir.NodeSpec{Op: op, Domain: ir.FusedDomain, Inputs: vals, Outputs: []string{"y"}, Attrs: attrs})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Lookup(ir.OpKey(ir.FusedDomain, op))(nil, n, data)
	if err != nil {
		t.Fatal(err)
	}
	y := res[0].(*ir.Tensor)
	if s, ok := n.Outputs[0].Type.Shape.Static(); !ok || !slices.Equal(s, y.Shape) {
		t.Errorf("%s: inferred %s, kernel gave %v", op, n.Outputs[0].Type, y.Shape)
	}
	return y
}

// must runs an ONNX op through runOp and returns its first output.
func must(t *testing.T, op string, attrs map[string]*ir.Attr, in ...ir.Data) *ir.Tensor {
	t.Helper()
	res, err := runOp(t, op, attrs, []string{"y"}, in...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return res[0].(*ir.Tensor)
}

func randTensor(r *rand.Rand, shape ...int) *ir.Tensor {
	n, _ := ir.NumElements(shape)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return ir.FromSlice(shape, v)
}

// closeTo compares float32 results that differ only by the rounding of
// intermediate values the fused kernel skips.
func closeTo(t *testing.T, what string, got, want *ir.Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want.Shape)
	}
	for i := 0; i < want.Len(); i++ {
		g, w := got.Float64At(i), want.Float64At(i)
		if math.Abs(g-w) > 1e-5*(1+math.Abs(w)) {
			t.Fatalf("%s: element %d is %g, want %g", what, i, g, w)
		}
	}
}

// applyAct applies an activation the unfused way: its ONNX op.
func applyAct(t *testing.T, name string, alpha, beta float32, x *ir.Tensor) *ir.Tensor {
	switch name {
	case "":
		return x
	case "Clip":
		return must(t, "Clip", nil, x, ir.Scalar(alpha), ir.Scalar(beta))
	case "LeakyRelu":
		return must(t, "LeakyRelu", map[string]*ir.Attr{"alpha": ir.FloatAttr(alpha)}, x)
	case "HardSigmoid":
		return must(t, "HardSigmoid", map[string]*ir.Attr{"alpha": ir.FloatAttr(alpha), "beta": ir.FloatAttr(beta)}, x)
	case "GeluTanh":
		return must(t, "Gelu", map[string]*ir.Attr{"approximate": ir.StringAttr("tanh")}, x)
	case "Silu":
		return must(t, "Mul", nil, x, must(t, "Sigmoid", nil, x))
	}
	return must(t, name, nil, x)
}

func actAttrs(name string, alpha, beta float32, base map[string]*ir.Attr) map[string]*ir.Attr {
	out := map[string]*ir.Attr{"activation": ir.StringAttr(name),
		"activation_alpha": ir.FloatAttr(alpha), "activation_beta": ir.FloatAttr(beta)}
	for k, v := range base {
		out[k] = v
	}
	return out
}

var testActs = []struct {
	name        string
	alpha, beta float32
}{{"", 0, 0}, {"Relu", 0, 0}, {"Clip", 0, 6}, {"LeakyRelu", 0.1, 0}, {"Sigmoid", 0, 0}, {"Tanh", 0, 0},
	{"HardSwish", 0, 0}, {"Gelu", 0, 0}, {"GeluTanh", 0, 0}, {"Silu", 0, 0}, {"HardSigmoid", 0.3, 0.4}}

func TestFusedConvMatchesComposition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	convAttrs := map[string]*ir.Attr{"pads": ir.IntsAttr(1, 0, 1, 2), "strides": ir.IntsAttr(2, 1), "group": ir.IntAttr(2)}
	x, w, b := randTensor(r, 2, 4, 7, 5), randTensor(r, 6, 2, 3, 3), randTensor(r, 6)
	y := must(t, "Conv", convAttrs, x, w, b)
	z := randTensor(r, y.Shape...)
	for _, a := range testActs {
		for _, withZ := range []bool{false, true} {
			want := y
			in := []*ir.Tensor{x, w, b}
			if withZ {
				want = must(t, "Add", nil, y, z)
				in = append(in, z)
			}
			want = applyAct(t, a.name, a.alpha, a.beta, want)
			got := runFused(t, "FusedConv", actAttrs(a.name, a.alpha, a.beta, convAttrs), in...)
			closeTo(t, fmt.Sprintf("FusedConv %s residual=%v", a.name, withZ), got, want)
		}
	}
	// Without bias, with residual.
	want := must(t, "Add", nil, must(t, "Conv", convAttrs, x, w), z)
	closeTo(t, "FusedConv no bias", runFused(t, "FusedConv", convAttrs, x, w, nil, z), want)
}

func TestFusedGemmMatchesComposition(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	attrs := map[string]*ir.Attr{"transB": ir.IntAttr(1), "alpha": ir.FloatAttr(0.5), "beta": ir.FloatAttr(2)}
	a, b, c := randTensor(r, 5, 7), randTensor(r, 3, 7), randTensor(r, 3)
	y := must(t, "Gemm", attrs, a, b, c)
	for _, act := range testActs {
		got := runFused(t, "FusedGemm", actAttrs(act.name, act.alpha, act.beta, attrs), a, b, c)
		closeTo(t, "FusedGemm "+act.name, got, applyAct(t, act.name, act.alpha, act.beta, y))
	}
}

func TestFusedMatMulMatchesComposition(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	a, b, bias := randTensor(r, 2, 3, 5), randTensor(r, 5, 4), randTensor(r, 4)
	y := must(t, "Add", nil, must(t, "MatMul", nil, a, b), bias)
	for _, act := range testActs {
		got := runFused(t, "FusedMatMul", actAttrs(act.name, act.alpha, act.beta, nil), a, b, bias)
		closeTo(t, "FusedMatMul "+act.name, got, applyAct(t, act.name, act.alpha, act.beta, y))
	}
	closeTo(t, "FusedMatMul no bias", runFused(t, "FusedMatMul", nil, a, b), must(t, "MatMul", nil, a, b))
	z := randTensor(r, 2, 3, 4)
	for _, act := range testActs {
		got := runFused(t, "FusedMatMul", actAttrs(act.name, act.alpha, act.beta, nil), a, b, bias, z)
		closeTo(t, "FusedMatMul residual "+act.name, got, applyAct(t, act.name, act.alpha, act.beta, must(t, "Add", nil, y, z)))
	}
	closeTo(t, "FusedMatMul residual no bias", runFused(t, "FusedMatMul", nil, a, b, nil, z),
		must(t, "Add", nil, must(t, "MatMul", nil, a, b), z))
}

// TestElementwiseMatchesUnfused runs dlc.Elementwise programs and the
// chains of ONNX ops they stand for: the results are bitwise equal.
func TestElementwiseMatchesUnfused(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x, bias, mask := randTensor(r, 2, 3, 5), randTensor(r, 5), randTensor(r, 2, 1, 1)
	c := func(v float32) *ir.Tensor { return ir.Scalar(v) }
	f := ir.FloatAttr
	// x*sigmoid(x+bias) + mask, through every op kind.
	t0 := must(t, "Add", nil, x, bias)
	want := must(t, "Add", nil, must(t, "Mul", nil, t0, must(t, "Sigmoid", nil, t0)), mask)
	exact(t, runFused(t, "Elementwise", prog("Add x0 x1", "Sigmoid t0", "Mul t0 t1", "Add t2 x2"), x, bias, mask), want)
	// Constants on either side, parameters, every unary instruction.
	u := must(t, "Sub", nil, c(1), x)
	u = must(t, "Div", nil, u, c(3))
	u = must(t, "Max", nil, u, c(-0.25))
	u = must(t, "Min", nil, c(0.75), u)
	u = must(t, "Clip", nil, u, c(-0.2), c(0.6))
	u = must(t, "LeakyRelu", map[string]*ir.Attr{"alpha": f(0.1)}, u)
	u = must(t, "HardSigmoid", map[string]*ir.Attr{"alpha": f(0.3), "beta": f(0.4)}, u)
	u = must(t, "Pow", nil, u, c(2))
	for _, op := range []string{"Relu", "Tanh", "Exp", "Erf", "Neg", "Abs", "Sqrt", "HardSwish", "Gelu"} {
		u = must(t, op, nil, u)
	}
	u = must(t, "Gelu", map[string]*ir.Attr{"approximate": ir.StringAttr("tanh")}, u)
	got := runFused(t, "Elementwise", prog("Sub 1 x0", "Div t0 3", "Max t1 -0.25", "Min 0.75 t2", "Clip t3 -0.2 0.6",
		"LeakyRelu t4 0.1", "HardSigmoid t5 0.3 0.4", "Pow t6 2", "Relu t7", "Tanh t8", "Exp t9", "Erf t10", "Neg t11",
		"Abs t12", "Sqrt t13", "HardSwish t14", "Gelu t15", "GeluTanh t16"), x)
	exact(t, got, u)
}

func prog(lines ...string) map[string]*ir.Attr {
	return map[string]*ir.Attr{"program": ir.StringsAttr(lines...)}
}

// exact fails unless got and want hold the same float32 bits.
func exact(t *testing.T, got, want *ir.Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape, want.Shape) || !slices.Equal(got.Data.([]float32), want.Data.([]float32)) {
		t.Fatalf("got %v %v, want %v %v", got.Shape, got.Data, want.Shape, want.Data)
	}
}

func TestAttentionMatchesComposition(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	q, k, v := randTensor(r, 2, 3, 4, 8), randTensor(r, 2, 3, 5, 8), randTensor(r, 2, 3, 5, 6)
	mask := randTensor(r, 2, 1, 1, 5)
	kt := must(t, "Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(0, 1, 3, 2)}, k)
	scores := must(t, "Div", nil, must(t, "MatMul", nil, q, kt), ir.Scalar(float32(math.Sqrt(8))))
	want := must(t, "MatMul", nil, must(t, "Softmax", nil, must(t, "Add", nil, scores, mask)), v)
	closeTo(t, "Attention default scale, mask", runFused(t, "Attention", nil, q, k, v, mask), want)

	scores = must(t, "Mul", nil, must(t, "MatMul", nil, q, kt), ir.Scalar(float32(0.3)))
	want = must(t, "MatMul", nil, must(t, "Softmax", nil, scores), v)
	closeTo(t, "Attention scale 0.3", runFused(t, "Attention", map[string]*ir.Attr{"scale": ir.FloatAttr(0.3)}, q, k, v), want)
}

func TestActivationNames(t *testing.T) {
	for _, name := range ir.Activations {
		if _, err := Activation(name, 0, 0); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	if _, err := Activation("Swish", 0, 0); err == nil {
		t.Error("unknown activation accepted")
	}
}
