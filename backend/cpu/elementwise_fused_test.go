package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// ewPrograms are dlc.Elementwise programs for the kernel tests, each with
// its number of inputs: every instruction, operands of every kind
// (inputs, registers reused, constants on either side) and register
// pressure.
var ewPrograms = []struct {
	inputs int
	prog   []string
}{
	{1, []string{"Relu x0"}},
	{2, []string{"Add x0 x1", "Relu t0"}},
	{2, []string{"Mul x0 x1", "Add t0 0.5", "Sigmoid t1", "Mul t0 t2"}},
	{2, []string{"Sub 1 x0", "Mul t0 -10000", "Add t1 x1"}},
	{3, []string{"Add x0 x1", "Add t0 x2"}},
	{2, []string{"Div x0 x1", "Div 2 t0", "Sub t1 x0", "Max t2 x1", "Min t3 0.25", "Max -0.5 t4", "Min x0 t5"}},
	{1, []string{"Tanh x0", "Exp t0", "Erf t1", "Neg t2", "Abs t3", "Sqrt t4", "HardSwish t5", "Gelu t6", "GeluTanh t7"}},
	{1, []string{"LeakyRelu x0 0.1", "HardSigmoid t0 0.2 0.5", "Clip t1 0.3 0.6", "Pow t2 2", "Pow t3 0.5", "Pow t4 1"}},
	{3, []string{"Mul x0 x0", "Mul x1 x1", "Add t0 t1", "Mul x2 t2", "Sub t3 t0", "Mul t4 t1", "Add t5 t2", "Add t6 t3"}},
	{2, []string{"Mul x0 3", "Sub x1 t0", "Clip t1 -1 1", "Max t2 t0", "Add t3 t1"}},
	{1, []string{"Add x0 1", "Mul 2 t0"}},
}

// ewShapes are input shape sets for a given input count: same shapes,
// scalars, per-channel and last-dim broadcasts, odd sizes, empty.
func ewShapes(inputs int) [][][]int {
	sets := [][][]int{
		{{}}, {{1}}, {{7}}, {{3, 5, 7}}, {{2, 33}}, {{0, 4}}, {{3, 200, 251}},
		{{2, 3, 40, 41}, {1, 3, 1, 1}, {41}}, {{2, 3, 4, 5}, {}, {2, 1, 4, 1}}, {{4, 1}, {1, 6}, {6}},
		{{1}, {300, 301}, {301}}, {{2, 8, 100, 100}, {1, 8, 1, 1}, {1}}, {{513}, {513}, {1}},
		{{1, 128, 256}, {256}, {1, 128, 1}},
		// Short rows, grouped into blocks: a per-row scalar and a full
		// tensor (the softmax gradient's), a repeated row, fewer rows
		// than a group, a last group cut short.
		{{50, 28}, {50, 1}, {50, 28}}, {{3, 7, 5}, {3, 7, 1}, {5}}, {{3, 10}, {3, 1}}, {{9, 2}, {}, {9, 1}},
		{{4, 3, 6}, {4, 1, 1}, {3, 1}}, {{5, 7, 9}, {5, 1, 9}, {7, 1}}, {{6, 5, 9}, {6, 5, 1}, {5, 1}},
	}
	var out [][][]int
	for _, s := range sets {
		in := make([][]int, inputs)
		for i := range in {
			in[i] = s[min(i, len(s)-1)]
		}
		out = append(out, in)
	}
	return out
}

func TestElementwiseFusedMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	for pi, p := range ewPrograms {
		for _, shapes := range ewShapes(p.inputs) {
			in := make([]*ir.Tensor, p.inputs)
			for i, s := range shapes {
				in[i] = scaled(rng, 2, s...)
			}
			c := refCase{Op: "Elementwise", Domain: "dlc", Inputs: in, Tol: 1e-5,
				Attrs: map[string]*ir.Attr{"program": ir.StringsAttr(p.prog...)}}
			t.Run(fmt.Sprintf("prog%d_%v", pi, shapes), func(t *testing.T) { checkElem(t, c) })
		}
	}
}

// TestElementwiseFusedExact checks the arithmetic-only programs bit for
// bit: one IEEE operation per instruction, as the unfused ops round.
func TestElementwiseFusedExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	for _, pi := range []int{1, 3, 4, 5, 8, 9, 10} {
		p := ewPrograms[pi]
		for _, shapes := range ewShapes(p.inputs) {
			in := make([]*ir.Tensor, p.inputs)
			for i, s := range shapes {
				in[i] = scaled(rng, 2, s...)
			}
			c := refCase{Op: "Elementwise", Domain: "dlc", Inputs: in, Tol: 0,
				Attrs: map[string]*ir.Attr{"program": ir.StringsAttr(p.prog...)}}
			n := buildRefNode(t, c)
			k := Build(n, testEnv())
			out := newOutputs(t, n)
			k.Run(in, out)
			want := refRun(t, n, in)
			if msg := compareTensors(out[0], want, 0); msg != "" {
				t.Fatalf("prog%d %v: %s", pi, shapes, msg)
			}
		}
	}
}

func refRun(t *testing.T, n *ir.Node, in []*ir.Tensor) *ir.Tensor {
	t.Helper()
	data := make([]ir.Data, len(in))
	for i, x := range in {
		data[i] = x
	}
	want, err := ref.Lookup(ir.OpKey(n.Domain, n.Op))(nil, n, data)
	if err != nil {
		t.Fatal(err)
	}
	return want[0].(*ir.Tensor)
}

func TestElementwiseFusedRegisters(t *testing.T) {
	n := buildRefNode(t, refCase{Op: "Elementwise", Domain: "dlc", Inputs: []*ir.Tensor{ir.Zeros(ir.Float32, []int{5})},
		Attrs: map[string]*ir.Attr{"program": ir.StringsAttr("Neg x0", "Abs t0", "Exp t1", "Mul t2 t1", "Add t3 t0")}})
	k := Build(n, testEnv()).(*elementwiseKernel)
	// t0 lives to the end, t1 and t2 until t3, which reuses one of theirs.
	if k.nreg != 3 || k.prog[3].dst == k.prog[0].dst {
		t.Errorf("%d registers, want 3, t3 in a freed one: %+v", k.nreg, k.prog)
	}
	if d := k.prog[len(k.prog)-1].dst; d != -1 {
		t.Errorf("last instruction writes register %d, want the output", d)
	}
	if buildsNil(t, refCase{Op: "Elementwise", Domain: "dlc", Inputs: []*ir.Tensor{ir.Zeros(ir.Float32, []int{5})},
		Attrs: map[string]*ir.Attr{"program": ir.StringsAttr("Pow x0 3")}}) == false {
		t.Error("Pow by 3 should be left to the reference")
	}
}

func TestElementwiseFusedAtEveryLevel(t *testing.T) {
	for _, l := range vec.Levels() {
		if l == vec.Active() {
			continue
		}
		t.Run(l.String(), func(t *testing.T) {
			defer vec.SetLevel(l)()
			TestElementwiseFusedMatchesRef(t)
		})
	}
}

// BenchmarkElementwiseFused compares a GELU-tanh-like chain with a bias
// add as one fused node against the five unfused fast kernels it
// replaces, each a pass over memory, on one thread.
func BenchmarkElementwiseFused(b *testing.B) {
	rng := rand.New(rand.NewPCG(65, 66))
	env := &Env{Pool: parallel.Serial, Shared: NewShared()}
	for _, rows := range []int{128, 1024} {
		x, bias := randTensor(rng, rows, 1024), randTensor(rng, 1024)
		prog := []string{"Add x0 x1", "Mul t0 0.5", "Tanh t1", "Add t2 1", "Mul t0 t3"}
		b.Run(fmt.Sprintf("%dx1024/fused", rows), func(b *testing.B) {
			n := buildRefNode(b, refCase{Op: "Elementwise", Domain: "dlc", Inputs: []*ir.Tensor{x, bias},
				Attrs: map[string]*ir.Attr{"program": ir.StringsAttr(prog...)}})
			k, out := Build(n, env), newOutputs(b, n)
			b.SetBytes(3 * x.Bytes())
			for b.Loop() {
				k.Run([]*ir.Tensor{x, bias}, out)
			}
		})
		b.Run(fmt.Sprintf("%dx1024/unfused", rows), func(b *testing.B) {
			half, one := ir.Scalar[float32](0.5), ir.Scalar[float32](1)
			t := make([]*ir.Tensor, 5)
			for i := range t {
				t[i] = x.Clone()
			}
			steps := []struct {
				op  string
				in  []*ir.Tensor
				out *ir.Tensor
			}{
				{"Add", []*ir.Tensor{x, bias}, t[0]}, {"Mul", []*ir.Tensor{t[0], half}, t[1]}, {"Tanh", []*ir.Tensor{t[1]}, t[2]},
				{"Add", []*ir.Tensor{t[2], one}, t[3]}, {"Mul", []*ir.Tensor{t[0], t[3]}, t[4]},
			}
			ks := make([]Kernel, len(steps))
			for i, s := range steps {
				ks[i] = Build(buildRefNode(b, refCase{Op: s.op, Inputs: s.in}), env)
			}
			b.SetBytes(3 * x.Bytes())
			for b.Loop() {
				for i, s := range steps {
					ks[i].Run(s.in, []*ir.Tensor{s.out})
				}
			}
		})
	}
}
