package passes_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
	"github.com/dlc-go/dlc/runtime"
)

// A randomized differential test of the pipeline: small graphs made of
// the fragments the rules look for (Conv+BN+bias+residual+activation,
// MatMul/Gemm+bias+residual+activation, the LayerNorm, GELU, Softmax and
// attention decompositions, elementwise chains, layout and Cast chains),
// each drawn with corner-case variants that must not fuse (a different
// axis, a wrong constant, a bias on another dim, a non-constant bound)
// and with intermediate values leaked as graph outputs or read by one more
// node. Every graph runs three ways on random inputs: the reference
// interpreter on the original model (the oracle), the reference
// interpreter on the optimized model (pass bugs), a session at opt
// level 2 (plan, arena and fast kernels), and a session on a copy whose
// inputs have symbolic dims (plans specialized per input shape).
func TestDifferential(t *testing.T) {
	n := 2500
	if testing.Short() {
		n = 100
	}
	fired, skipped, symbolicRuns, interpreted := map[string]int{}, 0, 0, 0
	defer func() {
		// The generator is meant to reach every rule: one that never
		// fires here is a rule this test does not cover.
		for _, r := range []string{"conv-batchnorm", "conv-bias-residual-act", "gemm-residual-act", "matmul-bias-residual-act",
			"layernorm", "gelu", "softmax", "attention", "elementwise-group", "reshape-chain", "transpose-chain",
			"cast-chain", "identity", "noop-mul-one", "noop-add-zero"} {
			if fired[r] == 0 && !t.Failed() {
				t.Errorf("rule %s never fired", r)
			}
		}
		t.Logf("rules fired: %v; %d models that fail to run skipped; %d run with symbolic dims, %d of them interpreted", fired, skipped, symbolicRuns, interpreted)
	}()
	for seed := range n {
		b := &gen{t: t, r: rand.New(rand.NewPCG(uint64(seed), 7)), g: ir.NewGraph("diff")}
		m := b.build()
		if err := ir.Verify(m.Graph); err != nil {
			t.Fatalf("seed %d %v: %v", seed, b.desc, err)
		}
		feeds := b.feeds(m)
		if seed%4 == 3 {
			special(b.r, feeds)
		}
		oracle := runModel(t, m, runtime.Options{Reference: true}, feeds)
		if oracle == nil {
			skipped++
			continue // the model itself fails on these inputs
		}
		opt := ir.CloneModel(m)
		rep, err := passes.Optimize(opt, passes.Options{Level: 2, VerifyEach: true})
		if err != nil {
			t.Fatalf("seed %d %v: %v\n%s", seed, b.desc, err, m.Graph.Text())
		}
		for _, pr := range rep.Passes {
			for r, k := range pr.Rewrites {
				fired[r] += k
			}
		}
		for i, v := range opt.Graph.Outputs {
			if v.Name != m.Graph.Outputs[i].Name {
				t.Fatalf("seed %d %v: output %d is named %q, was %q", seed, b.desc, i, v.Name, m.Graph.Outputs[i].Name)
			}
		}
		check := func(what string, got []ir.Data, tol float64) {
			t.Helper()
			if err := sameOutputs(oracle, got, tol); err != nil {
				t.Fatalf("seed %d %s %v: %v\noriginal:\n%s\noptimized:\n%s", seed, what, b.desc, err, m.Graph.Text(), opt.Graph.Text())
			}
		}
		got := runModel(t, opt, runtime.Options{Reference: true}, feeds)
		if got == nil {
			t.Fatalf("seed %d %v: the optimized model fails where the original runs\noriginal:\n%s\noptimized:\n%s", seed, b.desc, m.Graph.Text(), opt.Graph.Text())
		}
		check("passes", got, 1e-4)
		// Fast kernels round differently (blocked sums), which a division
		// by a near-zero sum amplifies.
		check("session", runModel(t, m, runtime.Options{OptLevel: 2, CheckTypes: true, Threads: 1 + seed%2}, feeds), 1e-3)
		if sym := symbolic(m); sym != nil {
			symbolicRuns++
			check("symbolic session", runModel(t, sym, runtime.Options{OptLevel: 2, CheckTypes: true}, feeds), 1e-3)
			if s, err := runtime.New(sym, runtime.Options{OptLevel: 2}); err == nil {
				shapes := map[string][]int{}
				for _, v := range m.Graph.Inputs {
					shapes[v.Name] = dims(v)
				}
				if info, err := s.Plan(shapes); err != nil || info.Interpreted != "" {
					interpreted++
					if interpreted < 3 {
						t.Logf("seed %d: symbolic model not planned: %v %v", seed, err, info)
					}
				}
			}
		}
	}
}

func runModel(t *testing.T, m *ir.Model, opt runtime.Options, feeds map[string]ir.Data) []ir.Data {
	t.Helper()
	s, err := runtime.New(m, opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, m.Graph.Text())
	}
	out, err := s.Run(feeds)
	if err != nil {
		if opt.Reference {
			t.Logf("reference run: %v", err)
			return nil
		}
		t.Fatalf("%v\n%s", err, m.Graph.Text())
	}
	return out
}

// sameOutputs compares float32 results up to the rounding fusion may
// change: NaN where the oracle has NaN, else |Δ| ≤ tol·(1+|want|).
func sameOutputs(want, got []ir.Data, tol float64) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i].(*ir.Tensor), got[i].(*ir.Tensor)
		if fmt.Sprint(w.Shape) != fmt.Sprint(g.Shape) || w.DType != g.DType {
			return fmt.Errorf("output %d: %s, want %s", i, g, w)
		}
		for j := 0; j < w.Len(); j++ {
			a, b := w.Float64At(j), g.Float64At(j)
			if math.IsNaN(a) != math.IsNaN(b) || !(math.IsNaN(a) || a == b || math.Abs(a-b) <= tol*(1+math.Abs(a))) {
				return fmt.Errorf("output %d element %d: %g, want %g", i, j, b, a)
			}
		}
	}
	return nil
}

// special sets a few input elements to NaN, -Inf or -0. (Not +Inf: the
// softmax decomposition without the max subtraction turns a row with
// +Inf into NaN and 0s where Softmax gives all NaN; both are answers to
// an ill-posed row, and the fused one is what overflow-free code gives.)
func special(r *rand.Rand, feeds map[string]ir.Data) {
	vals := []float32{float32(math.NaN()), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	for _, d := range feeds {
		xs := d.(*ir.Tensor).Data.([]float32)
		for i := range xs {
			if r.IntN(16) == 0 {
				xs[i] = vals[r.IntN(len(vals))]
			}
		}
	}
}

// symbolic returns a copy of m whose inputs have a named first dim (one
// name per input) and whose other values' types are inferred again from
// those, so that a session plans it per input-shape signature (fixing the
// shapes, then optimizing); nil when inference cannot redo the graph.
func symbolic(m *ir.Model) *ir.Model {
	c := ir.CloneModel(m)
	for i, v := range c.Graph.Inputs {
		d, ok := v.Type.Shape.Static()
		if !ok || len(d) == 0 {
			continue
		}
		dims := make([]ir.Dim, len(d))
		for j, n := range d {
			dims[j] = ir.Dim{Size: int64(n)}
		}
		dims[0] = ir.Symbolic(fmt.Sprintf("n%d", i))
		v.Type.Shape = ir.Shape{Ranked: true, Dims: dims}
	}
	for _, n := range c.Graph.Nodes {
		for _, v := range n.Outputs {
			if v != nil {
				v.Type = ir.TensorType(v.Type.DType, ir.Shape{})
			}
		}
	}
	if ir.Reinfer(c.Graph) != nil || ir.Verify(c.Graph) != nil {
		return nil
	}
	return c
}
