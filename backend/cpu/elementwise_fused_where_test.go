package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// ewWherePrograms exercise the Where<Cmp> instructions: every comparison,
// constant and tensor thresholds, a constant compared side (mirrored),
// constant choices, and selects inside chains.
var ewWherePrograms = []struct {
	inputs int
	prog   []string
}{
	{2, []string{"WhereGreater x0 0 x1 0"}},
	{2, []string{"Mul x1 0.1", "WhereGreaterOrEqual x0 0 x1 t0"}},
	{4, []string{"WhereLess x0 x1 x2 x3"}},
	{2, []string{"WhereLessOrEqual 0.5 x0 0 x1"}},
	{3, []string{"Mul x1 x1", "WhereGreater x0 x2 t0 x1", "Add t1 x0"}},
	{2, []string{"WhereGreater x0 x1 2 -3"}},
	{3, []string{"WhereLess x0 x1 x2 x0", "WhereGreaterOrEqual t0 x2 t0 x1", "Neg t1"}},
	{1, []string{"WhereLessOrEqual x0 0.5 x0 -0.25"}},
}

// tieValues are what the inputs are drawn from: few values, so that x
// equals c often, with signed zeros and NaN.
var tieValues = []float32{-1, -0.5, float32(math.Copysign(0, -1)), 0, 0.5, 1, float32(math.NaN())}

func tieTensor(rng *rand.Rand, shape ...int) *ir.Tensor {
	t := randTensor(rng, shape...)
	for i := range f32(t) {
		f32(t)[i] = tieValues[rng.IntN(len(tieValues))]
	}
	return t
}

// TestElementwiseFusedWhereMatchesRef checks the select instructions
// against the reference (the unfused comparison and Where) bit for bit,
// NaN matching NaN, on tie-heavy inputs of every shape set of the other
// fused tests (odd sizes, scalars, broadcasts along and across rows), at
// every vec level.
func TestElementwiseFusedWhereMatchesRef(t *testing.T) {
	for _, l := range vec.Levels() {
		t.Run(l.String(), func(t *testing.T) {
			defer vec.SetLevel(l)()
			rng := rand.New(rand.NewPCG(75, 76))
			for pi, p := range ewWherePrograms {
				for _, shapes := range ewShapes(p.inputs) {
					in := make([]*ir.Tensor, p.inputs)
					for i, s := range shapes {
						in[i] = tieTensor(rng, s...)
					}
					c := refCase{Op: "Elementwise", Domain: "dlc", Inputs: in, Tol: 0,
						Attrs: map[string]*ir.Attr{"program": ir.StringsAttr(p.prog...)}}
					t.Run(fmt.Sprintf("prog%d_%v", pi, shapes), func(t *testing.T) {
						checkElem(t, c)
						n := buildRefNode(t, c)
						out := newOutputs(t, n)
						Build(n, testEnv()).Run(in, out)
						want := refRun(t, n, in)
						g, w := f32(out[0]), f32(want)
						for i := range w {
							if math.Float32bits(g[i]) != math.Float32bits(w[i]) && !(g[i] != g[i] && w[i] != w[i]) {
								t.Fatalf("element %d: %v, want %v", i, g[i], w[i])
							}
						}
					})
				}
			}
		})
	}
}

// BenchmarkElementwiseWhere compares the Relu gradient as one select
// with the unfused Greater and Where kernels, on the [64, 28, 128] tensor
// of a small Transformer's feed-forward layer, one thread.
func BenchmarkElementwiseWhere(b *testing.B) {
	rng := rand.New(rand.NewPCG(77, 78))
	x, dy := randTensor(rng, 64, 28, 128), randTensor(rng, 64, 28, 128)
	zero := ir.Scalar[float32](0)
	env := &Env{Pool: parallel.Serial, Shared: NewShared()}
	b.Run("fused", func(b *testing.B) {
		n := buildRefNode(b, refCase{Op: "Elementwise", Domain: "dlc", Inputs: []*ir.Tensor{x, dy},
			Attrs: map[string]*ir.Attr{"program": ir.StringsAttr("WhereGreater x0 0 x1 0")}})
		k, out := Build(n, env), newOutputs(b, n)
		b.SetBytes(3 * x.Bytes())
		for b.Loop() {
			k.Run([]*ir.Tensor{x, dy}, out)
		}
	})
	b.Run("unfused", func(b *testing.B) {
		gn := buildRefNode(b, refCase{Op: "Greater", Inputs: []*ir.Tensor{x, zero}})
		gk, mask := Build(gn, env), newOutputs(b, gn)
		wn := buildRefNode(b, refCase{Op: "Where", Inputs: []*ir.Tensor{mask[0], dy, zero}})
		wk, out := Build(wn, env), newOutputs(b, wn)
		b.SetBytes(3 * x.Bytes())
		for b.Loop() {
			gk.Run([]*ir.Tensor{x, zero}, mask)
			wk.Run([]*ir.Tensor{mask[0], dy, zero}, out)
		}
	})
}

// TestElementwiseFusedNaN runs every program of the other fused tests on
// the tie-heavy inputs with NaN and signed zeros: NaN goes where the
// unfused ops put it (Max and Min propagate it from either side).
func TestElementwiseFusedNaN(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	for pi, p := range ewPrograms {
		for _, shapes := range ewShapes(p.inputs) {
			in := make([]*ir.Tensor, p.inputs)
			for i, s := range shapes {
				in[i] = tieTensor(rng, s...)
			}
			c := refCase{Op: "Elementwise", Domain: "dlc", Inputs: in, Tol: 1e-5,
				Attrs: map[string]*ir.Attr{"program": ir.StringsAttr(p.prog...)}}
			t.Run(fmt.Sprintf("prog%d_%v", pi, shapes), func(t *testing.T) { checkElem(t, c) })
		}
	}
}
