package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// normGradInputs draws X (around offset, so a mean far from zero is
// exercised), dY and Scale.
func normGradInputs(rng *rand.Rand, x, scale []int, offset float32) []*ir.Tensor {
	xt := randTensor(rng, x...)
	for i := range f32(xt) {
		f32(xt)[i] += offset
	}
	return []*ir.Tensor{xt, randTensor(rng, x...), randTensor(rng, scale...)}
}

// checkNormGrad checks c against the reference kernel (on the 3-thread
// test pool, and in place) and checks that 1 and 3 threads give the same
// bits.
func checkNormGrad(t *testing.T, c refCase) {
	t.Helper()
	checkRef(t, c)
	n := buildRefNode(t, c)
	var runs [][]*ir.Tensor
	for _, threads := range []int{1, 3} {
		k := Build(n, &Env{Pool: parallel.New(threads), Shared: NewShared()})
		out := newOutputs(t, n)
		k.Run(c.Inputs, out)
		runs = append(runs, out)
	}
	for i := range runs[0] {
		if runs[0][i] == nil {
			continue
		}
		a, b := f32(runs[0][i]), f32(runs[1][i])
		for e := range a {
			if a[e] != b[e] {
				t.Fatalf("%s %s output %d[%d]: %v on 1 thread, %v on 3", c.Op, describeInputs(c.Inputs), i, e, a[e], b[e])
			}
		}
	}
}

func TestBatchNormGradMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	// Planes of 1 to 15 take the scalar path, larger ones the SIMD one.
	shapes := [][]int{{2, 3, 5, 7}, {1, 1, 1, 1}, {5, 1, 3}, {7, 4, 1, 1}, {3, 5}, {4, 3, 15}, {3, 2, 16}, {4, 3, 17},
		{16, 6, 13, 11}, {2, 2, 3, 2, 3}, {300, 40}, {256, 600}}
	for _, shape := range shapes {
		for _, omit := range [][]int{nil, {1}, {2}, {1, 2}} {
			for _, offset := range []float32{0, 3} {
				eps := ir.FloatAttr([]float32{1e-5, 1e-2}[rng.IntN(2)])
				checkNormGrad(t, refCase{Op: "BatchNormGrad", Domain: ir.FusedDomain, Attrs: map[string]*ir.Attr{"epsilon": eps},
					Inputs: normGradInputs(rng, shape, shape[1:2], offset), Const: []bool{false, false, rng.IntN(2) == 0},
					Outputs: 3, Omit: omit, Tol: 2e-4})
			}
		}
	}
}

func TestLayerNormGradMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	type lnCase struct {
		x    []int
		axis int64
	}
	var cases []lnCase
	for d := 1; d <= 70; d++ { // every row length to a few vector widths
		cases = append(cases, lnCase{[]int{1 + d%4, d}, -1})
	}
	cases = append(cases, lnCase{[]int{2, 3, 5}, 1}, lnCase{[]int{3, 4}, 0}, lnCase{[]int{7}, 0}, lnCase{[]int{2, 3, 1}, -1},
		// Several chunks of rows: the partial sums are added across them.
		lnCase{[]int{300, 70}, -1}, lnCase{[]int{5000, 3}, 1}, lnCase{[]int{6, 50, 37}, 1})
	for _, c := range cases {
		axis := int(c.axis)
		if axis < 0 {
			axis += len(c.x)
		}
		for _, omit := range [][]int{nil, {1}, {2}, {1, 2}} {
			if len(c.x) == 2 && c.x[1] > 5 && c.x[1] < 60 && omit != nil {
				continue // the omitted outputs are covered by the other lengths
			}
			offset := float32(rng.IntN(2) * 3)
			checkNormGrad(t, refCase{Op: "LayerNormGrad", Domain: ir.FusedDomain,
				Attrs:  map[string]*ir.Attr{"axis": ir.IntAttr(c.axis), "epsilon": ir.FloatAttr(1e-3)},
				Inputs: normGradInputs(rng, c.x, c.x[axis:], offset), Const: []bool{false, false, rng.IntN(2) == 0},
				Outputs: 3, Omit: omit, Tol: 2e-4})
		}
	}
}

// The builders leave to the reference what the fast path does not cover:
// float64, an empty X.
func TestNormGradBuildersDecline(t *testing.T) {
	f64 := func(shape ...int) *ir.Tensor { return ir.Zeros(ir.Float64, shape) }
	for _, c := range []refCase{
		{Op: "BatchNormGrad", Inputs: []*ir.Tensor{f64(2, 3), f64(2, 3), f64(3)}},
		{Op: "LayerNormGrad", Inputs: []*ir.Tensor{f64(2, 3), f64(2, 3), f64(3)}},
		{Op: "BatchNormGrad", Inputs: []*ir.Tensor{ir.Zeros(ir.Float32, []int{0, 3}), ir.Zeros(ir.Float32, []int{0, 3}), ir.Zeros(ir.Float32, []int{3})}},
		{Op: "LayerNormGrad", Inputs: []*ir.Tensor{ir.Zeros(ir.Float32, []int{2, 0}), ir.Zeros(ir.Float32, []int{2, 0}), ir.Zeros(ir.Float32, []int{0})}},
	} {
		c.Domain, c.Outputs = ir.FusedDomain, 3
		if !buildsNil(t, c) {
			t.Errorf("%s %s: built a kernel", c.Op, describeInputs(c.Inputs))
		}
	}
}

// Run allocates nothing on either BatchNormGrad path or LayerNormGrad,
// serial or on the pool.
func TestNormGradRunDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	for _, c := range []refCase{
		{Op: "BatchNormGrad", Inputs: normGradInputs(rng, []int{4, 3, 5, 5}, []int{3}, 0)},
		{Op: "BatchNormGrad", Inputs: normGradInputs(rng, []int{600, 130}, []int{130}, 0)},
		{Op: "LayerNormGrad", Inputs: normGradInputs(rng, []int{300, 70}, []int{70}, 0)},
	} {
		c.Domain, c.Outputs = ir.FusedDomain, 3
		for _, threads := range []int{1, 3} {
			n := buildRefNode(t, c)
			k := Build(n, &Env{Pool: parallel.New(threads), Shared: NewShared()})
			out := newOutputs(t, n)
			if a := testing.AllocsPerRun(10, func() { k.Run(c.Inputs, out) }); a != 0 && !raceOn {
				t.Errorf("%s %s on %d threads: %v allocations per run", c.Op, describeInputs(c.Inputs), threads, a)
			}
		}
	}
}
