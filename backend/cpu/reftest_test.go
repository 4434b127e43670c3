package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// refCase is one node to check against its reference kernel: the op, its
// attributes and input tensors (nil for an omitted optional input).
// Inputs whose Const entry is true become initializers, which is what lets
// a builder pre-pack them.
type refCase struct {
	Op, Domain string
	Attrs      map[string]*ir.Attr
	Inputs     []*ir.Tensor
	Const      []bool
	// Outputs is the number of node outputs (default 1); Omit lists
	// output slots left out of the node.
	Outputs int
	Omit    []int
	// Tol bounds |got-want| by Tol·(1+|want|); 0 means 1e-4.
	Tol float64
}

// testPool is shared by the kernel tests: more threads than the test
// machine's cores, so chunking and concurrent callers get exercised.
var testPool = parallel.New(3)

func testEnv() *Env { return &Env{Pool: testPool, Shared: NewShared()} }

// buildRefNode makes the one-node graph of c and returns its node.
func buildRefNode(t testing.TB, c refCase) *ir.Node {
	t.Helper()
	g := ir.NewGraph("test")
	vals := make([]*ir.Value, len(c.Inputs))
	for i, x := range c.Inputs {
		if x == nil {
			continue
		}
		name := fmt.Sprintf("x%d", i)
		if i < len(c.Const) && c.Const[i] {
			vals[i] = g.AddInit(name, x)
		} else {
			vals[i] = g.AddInput(name, ir.TensorType(x.DType, ir.ShapeOf(x.Shape...)))
		}
	}
	nout := max(c.Outputs, 1)
	outs := make([]string, nout)
	for i := range outs {
		if !slices.Contains(c.Omit, i) {
			outs[i] = fmt.Sprintf("y%d", i)
		}
	}
	n, err := g.AddNode(ir.NodeSpec{Op: c.Op, Domain: c.Domain, Inputs: vals, Outputs: outs, Attrs: c.Attrs})
	if err != nil {
		t.Fatalf("%s: %v", c.Op, err)
	}
	return n
}

// newOutputs allocates n's outputs at their static shapes, filled with NaN
// (or garbage for non-float types) since kernels must overwrite every
// element. Each buffer's capacity equals its length, so a kernel writing
// past the end panics instead of silently corrupting a neighbour.
func newOutputs(t testing.TB, n *ir.Node) []*ir.Tensor {
	t.Helper()
	out := make([]*ir.Tensor, len(n.Outputs))
	for i, v := range n.Outputs {
		if v == nil {
			continue
		}
		shape, ok := v.Type.Shape.Static()
		if !ok {
			t.Fatalf("%s output %d has no static shape: %v", n.Op, i, v.Type.Shape)
		}
		out[i] = ir.Zeros(v.Type.DType, shape)
		if f, ok := out[i].Data.([]float32); ok {
			out[i].Data = f[:len(f):len(f)]
		}
	}
	poisonOutputs(out)
	return out
}

// poisonOutputs overwrites float outputs with NaN and others with 0x55
// patterns.
func poisonOutputs(out []*ir.Tensor) {
	for _, o := range out {
		if o == nil {
			continue
		}
		switch d := o.Data.(type) {
		case []float32:
			for i := range d {
				d[i] = float32(math.NaN())
			}
		default:
			for i := 0; i < o.Len(); i++ {
				o.SetFloat64At(i, 85)
			}
		}
	}
}

// checkRef builds c's node, runs the cpu kernel (twice, on poisoned
// outputs, to catch state kept between runs) and the reference kernel,
// and compares every output. It fails the test if the builder returns
// nil; use buildsNil to assert a node is left to the reference.
func checkRef(t *testing.T, c refCase) {
	t.Helper()
	n := buildRefNode(t, c)
	k := Build(n, testEnv())
	if k == nil {
		t.Fatalf("%s %s: no cpu kernel (builder returned nil)", c.Op, describeInputs(c.Inputs))
	}
	rk := ref.Lookup(ir.OpKey(c.Domain, c.Op))
	if rk == nil {
		t.Fatalf("no reference kernel for %s", ir.OpKey(c.Domain, c.Op))
	}
	data := make([]ir.Data, len(c.Inputs))
	saved := make([]*ir.Tensor, len(c.Inputs))
	for i, x := range c.Inputs {
		if x != nil {
			data[i] = x
			saved[i] = x.Clone()
		}
	}
	want, err := rk(nil, n, data)
	if err != nil {
		t.Fatalf("%s reference: %v", c.Op, err)
	}
	out := newOutputs(t, n)
	tol := c.Tol
	if tol == 0 {
		tol = 1e-4
	}
	for run := 0; run < 2; run++ {
		poisonOutputs(out)
		k.Run(c.Inputs, out)
		for i, o := range out {
			if o == nil {
				continue
			}
			w := want[i].(*ir.Tensor)
			if !slices.Equal(w.Shape, o.Shape) {
				t.Fatalf("%s output %d: shape %v, reference %v", c.Op, i, o.Shape, w.Shape)
			}
			if msg := compareTensors(o, w, tol); msg != "" {
				t.Fatalf("%s %s run %d output %d: %s", c.Op, describeInputs(c.Inputs), run, i, msg)
			}
		}
	}
	for i, x := range c.Inputs {
		if x != nil && compareTensors(x, saved[i], 0) != "" {
			t.Fatalf("%s modified input %d", c.Op, i)
		}
	}
	if ip, ok := k.(InPlacer); ok {
		checkInPlace(t, c, k, ip, want, tol)
	}
}

// checkInPlace runs k with its InPlace output sharing the named input's
// buffer and compares that output with want. A negative index means the
// kernel offers no in-place pair.
func checkInPlace(t *testing.T, c refCase, k Kernel, ip InPlacer, want []ir.Data, tol float64) {
	t.Helper()
	o, i := ip.InPlace()
	if o < 0 || i < 0 {
		return
	}
	shared := c.Inputs[i].Clone()
	ins := slices.Clone(c.Inputs)
	ins[i] = shared
	n := buildRefNode(t, c)
	outs := newOutputs(t, n)
	outs[o] = shared
	k.Run(ins, outs)
	if msg := compareTensors(shared, want[o].(*ir.Tensor), tol); msg != "" {
		t.Fatalf("%s in place (output %d over input %d): %s", c.Op, o, i, msg)
	}
}

// buildsNil reports whether the cpu builder declines c's node.
func buildsNil(t *testing.T, c refCase) bool {
	t.Helper()
	return Build(buildRefNode(t, c), testEnv()) == nil
}

// compareTensors returns "" when got and want agree elementwise within
// tol·(1+|want|) (NaN matching NaN), else a description of the first
// mismatch and the worst error.
func compareTensors(got, want *ir.Tensor, tol float64) string {
	if got.Len() != want.Len() {
		return fmt.Sprintf("%d elements, want %d", got.Len(), want.Len())
	}
	first, bad, worst := -1, 0, 0.0
	for i := 0; i < got.Len(); i++ {
		g, w := got.Float64At(i), want.Float64At(i)
		if math.IsNaN(w) && math.IsNaN(g) {
			continue
		}
		d := math.Abs(g - w)
		if math.IsInf(w, 0) && g == w {
			d = 0
		}
		e := d / (1 + math.Abs(w))
		if !(e <= tol) {
			bad++
			if first < 0 {
				first = i
			}
			if !(e <= worst) {
				worst = e
			}
		}
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d elements differ; first at %d: got %v want %v; worst relative error %.3g",
		bad, got.Len(), first, got.Float64At(first), want.Float64At(first), worst)
}

func describeInputs(in []*ir.Tensor) string {
	s := "("
	for i, x := range in {
		if i > 0 {
			s += ", "
		}
		if x == nil {
			s += "-"
		} else {
			s += fmt.Sprint(x.Shape)
		}
	}
	return s + ")"
}

// randTensor returns a float32 tensor of the given shape with values
// uniform in [-1, 1).
func randTensor(rng *rand.Rand, shape ...int) *ir.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = rng.Float32()*2 - 1
	}
	return ir.FromSlice(slices.Clone(shape), xs)
}

// ints is shorthand for an ints attribute.
func ints(v ...int64) *ir.Attr { return ir.IntsAttr(v...) }
