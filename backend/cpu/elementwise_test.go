package cpu

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// Tests of the elementwise, normalization and data-movement kernels owned
// by this file family: each against its reference kernel (checkRef in
// reftest_test.go), without allocations in Run, and in place where the
// kernel says it may be.

// scaled returns randTensor's values times s.
func scaled(rng *rand.Rand, s float32, shape ...int) *ir.Tensor {
	t := randTensor(rng, shape...)
	for i, v := range f32(t) {
		f32(t)[i] = v * s
	}
	return t
}

// checkElem runs checkRef, then checks that Run does not allocate and,
// for an InPlacer, that running with the output over its input agrees.
func checkElem(t *testing.T, c refCase) {
	t.Helper()
	checkRef(t, c)
	n := buildRefNode(t, c)
	k := Build(n, testEnv())
	out := newOutputs(t, n)
	if a := testing.AllocsPerRun(5, func() { k.Run(c.Inputs, out) }); a != 0 && !raceOn {
		t.Fatalf("%s %s: Run allocates %v times", c.Op, describeInputs(c.Inputs), a)
	}
	ip, ok := k.(InPlacer)
	if !ok {
		return
	}
	o, j := ip.InPlace()
	if j < 0 {
		return
	}
	in := append([]*ir.Tensor(nil), c.Inputs...)
	in[j] = c.Inputs[j].Clone()
	out[o] = in[j]
	k.Run(in, out)
	data := make([]ir.Data, len(c.Inputs))
	for i, x := range c.Inputs {
		if x != nil {
			data[i] = x
		}
	}
	want, err := ref.Lookup(ir.OpKey(c.Domain, c.Op))(nil, n, data)
	if err != nil {
		t.Fatal(err)
	}
	if msg := compareTensors(out[o], want[o].(*ir.Tensor), 1e-5); msg != "" {
		t.Fatalf("%s %s in place: %s", c.Op, describeInputs(c.Inputs), msg)
	}
}

var oddShapes = [][]int{{}, {1}, {7}, {3, 5, 7}, {2, 33}, {0, 4}, {2, 3, 40, 41}, {3, 200, 251}}

func TestUnaryMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := ir.FloatAttr
	cases := []struct {
		op    string
		attrs map[string]*ir.Attr
		scale float32
	}{
		{"Relu", nil, 4}, {"Sigmoid", nil, 12}, {"Tanh", nil, 6}, {"HardSwish", nil, 6}, {"Erf", nil, 4},
		{"Exp", nil, 20}, {"Neg", nil, 3}, {"Abs", nil, 3},
		{"LeakyRelu", map[string]*ir.Attr{"alpha": f(0.07)}, 3},
		{"HardSigmoid", map[string]*ir.Attr{"alpha": f(0.3), "beta": f(0.4)}, 5},
		{"Gelu", nil, 5}, {"Gelu", map[string]*ir.Attr{"approximate": ir.StringAttr("tanh")}, 5},
	}
	for _, c := range cases {
		for _, s := range oddShapes {
			checkElem(t, refCase{Op: c.op, Attrs: c.attrs, Inputs: []*ir.Tensor{scaled(rng, c.scale, s...)}, Tol: 1e-5})
		}
	}
	for _, s := range oddShapes {
		x := scaled(rng, 9, s...)
		abs := x.Clone()
		for i, v := range f32(abs) {
			f32(abs)[i] = max(v, -v)
		}
		checkElem(t, refCase{Op: "Sqrt", Inputs: []*ir.Tensor{abs}, Tol: 1e-6})
		lo, hi := ir.Scalar[float32](-2), ir.Scalar[float32](3.5)
		checkElem(t, refCase{Op: "Clip", Inputs: []*ir.Tensor{x, lo, hi}, Const: []bool{false, true, true}})
		checkElem(t, refCase{Op: "Clip", Inputs: []*ir.Tensor{x, nil, hi}, Const: []bool{false, true, true}})
		checkElem(t, refCase{Op: "Clip", Inputs: []*ir.Tensor{x}})
		for _, e := range []float32{1, 2, 0.5} {
			checkElem(t, refCase{Op: "Pow", Inputs: []*ir.Tensor{abs, ir.Scalar(e)}, Const: []bool{false, true}, Tol: 1e-6})
		}
	}
	x := scaled(rng, 2, 3, 4)
	if !buildsNil(t, refCase{Op: "Pow", Inputs: []*ir.Tensor{x, ir.Scalar[float32](3)}, Const: []bool{false, true}}) {
		t.Error("Pow by 3 should be left to the reference")
	}
	if !buildsNil(t, refCase{Op: "Clip", Inputs: []*ir.Tensor{x, ir.Scalar[float32](0)}}) {
		t.Error("Clip with a runtime bound should be left to the reference")
	}
	if !buildsNil(t, refCase{Op: "Relu", Inputs: []*ir.Tensor{ir.FromSlice([]int{2}, []float64{1, -1})}}) {
		t.Error("float64 Relu should be left to the reference")
	}
}

func TestBinaryMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pairs := [][2][]int{
		{{3, 5, 7}, {3, 5, 7}}, {{3, 5, 7}, {}}, {{}, {3, 5, 7}}, {{1}, {1}}, {{}, {}},
		{{2, 3, 4, 5}, {1, 3, 1, 1}}, {{1, 3, 1, 1}, {2, 3, 4, 5}}, {{2, 3, 4, 5}, {3, 1, 1}},
		{{2, 3, 4, 5}, {5}}, {{5}, {2, 3, 4, 5}}, {{4, 1}, {1, 6}}, {{2, 1, 5}, {3, 1}},
		{{2, 3, 4, 5}, {2, 1, 4, 1}}, {{2, 3, 4, 1}, {1, 1, 1, 9}}, {{0, 3}, {3}}, {{2, 40, 40}, {40}},
		{{2, 3, 64, 65}, {2, 3, 64, 65}}, {{2, 3, 64, 65}, {1, 3, 1, 1}}, {{130, 260}, {130, 1}},
		{{3, 300, 301}, {301}}, {{2, 8, 100, 100}, {1, 8, 1, 1}}, {{400, 401}, {400, 401}}, {{400, 401}, {}},
	}
	for _, op := range []string{"Add", "Sub", "Mul", "Div"} {
		for _, p := range pairs {
			a, b := scaled(rng, 3, p[0]...), scaled(rng, 3, p[1]...)
			checkElem(t, refCase{Op: op, Inputs: []*ir.Tensor{a, b}, Tol: 1e-6})
		}
	}
}

func TestBcastPlanMerges(t *testing.T) {
	for _, c := range []struct {
		out, a, b []int
		dims      []int
	}{
		{[]int{2, 3, 4}, []int{2, 3, 4}, []int{2, 3, 4}, []int{24}},
		{[]int{2, 3, 4}, []int{2, 3, 4}, []int{}, []int{24}},
		{[]int{2, 3, 4, 5}, []int{2, 3, 4, 5}, []int{1, 3, 1, 1}, []int{2, 3, 20}},
		{[]int{2, 3, 4, 5}, []int{2, 3, 4, 5}, []int{5}, []int{24, 5}},
	} {
		p := newBcastPlan(c.out, c.a, c.b)
		if !slices.Equal(p.dims, c.dims) {
			t.Errorf("plan of %v, %v -> %v: dims %v, want %v", c.a, c.b, c.out, p.dims, c.dims)
		}
	}
}

// TestElementwiseAtEveryLevel reruns the vec-based node tests at each
// vec level the machine has (the default run covers only the best one;
// -tags noasm covers generic).
func TestElementwiseAtEveryLevel(t *testing.T) {
	for _, l := range vec.Levels() {
		if l == vec.Active() {
			continue
		}
		t.Run(l.String(), func(t *testing.T) {
			defer vec.SetLevel(l)()
			TestUnaryMatchesRef(t)
			TestBinaryMatchesRef(t)
			TestSoftmaxMatchesRef(t)
			TestLayerNormMatchesRef(t)
			TestReduceMatchesRef(t)
		})
	}
}
