package passes

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// builder is the tiny graph builder the pass tests share.
type builder struct {
	t *testing.T
	g *ir.Graph
	r *rand.Rand
	k int
}

func newBuilder(t *testing.T) *builder {
	return &builder{t: t, g: ir.NewGraph("test"), r: rand.New(rand.NewPCG(1, 2))}
}

// in adds a float32 graph input.
func (b *builder) in(name string, dims ...int) *ir.Value {
	return b.g.AddInput(name, ir.TensorType(ir.Float32, ir.ShapeOf(dims...)))
}

// cst adds an initializer.
func (b *builder) cst(t *ir.Tensor) *ir.Value {
	b.k++
	return b.g.AddInit(fmt.Sprintf("c%d", b.k), t)
}

// rnd adds a random float32 initializer.
func (b *builder) rnd(dims ...int) *ir.Value {
	return b.cst(b.randTensor(dims...))
}

func (b *builder) randTensor(dims ...int) *ir.Tensor {
	n, _ := ir.NumElements(dims)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(b.r.NormFloat64())
	}
	return ir.FromSlice(dims, v)
}

// op adds a default-domain node with one output and returns it.
func (b *builder) op(op string, attrs map[string]*ir.Attr, in ...*ir.Value) *ir.Value {
	b.t.Helper()
	return b.opd("", op, attrs, in...)
}

func (b *builder) opd(domain, op string, attrs map[string]*ir.Attr, in ...*ir.Value) *ir.Value {
	b.t.Helper()
	b.k++
	n, err := b.g.AddNode(ir.NodeSpec{Op: op, Domain: domain, Inputs: in, Outputs: []string{fmt.Sprintf("v%d", b.k)}, Attrs: attrs})
	if err != nil {
		b.t.Fatal(err)
	}
	return n.Outputs[0]
}

func (b *builder) out(vs ...*ir.Value) *ir.Model {
	b.g.Outputs = vs
	return &ir.Model{Graph: b.g}
}

// feeds makes random inputs for every graph input of m.
func (b *builder) feeds(m *ir.Model) map[string]ir.Data {
	f := map[string]ir.Data{}
	for _, v := range m.Graph.Inputs {
		dims, _ := v.Type.Shape.Static()
		f[v.Name] = b.randTensor(dims...)
	}
	return f
}

// ops is the sorted op histogram of g's top level, as "Op:count ...".
func ops(g *ir.Graph) string {
	c := map[string]int{}
	for _, n := range g.Nodes {
		c[ir.OpKey(n.Domain, n.Op)]++
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, c[k])
	}
	return strings.Join(parts, " ")
}

// run executes m's graph (no subgraphs) node by node with the reference
// kernels. (The runtime cannot be used here: it imports this package.)
func run(t *testing.T, m *ir.Model, feeds map[string]ir.Data) []ir.Data {
	t.Helper()
	env := map[*ir.Value]ir.Data{}
	for _, v := range m.Graph.Inits {
		env[v] = v.Init
	}
	for _, v := range m.Graph.Inputs {
		env[v] = feeds[v.Name]
	}
	for _, n := range m.Graph.Nodes {
		in := make([]ir.Data, len(n.Inputs))
		for i, v := range n.Inputs {
			if v != nil {
				in[i] = env[v]
			}
		}
		out, err := ref.Lookup(ir.OpKey(n.Domain, n.Op))(nil, n, in)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		for i, v := range n.Outputs {
			if v != nil {
				if tt, ok := out[i].(*ir.Tensor); ok {
					if dims, ok := v.Type.Shape.Static(); ok && fmt.Sprint(dims) != fmt.Sprint(tt.Shape) {
						t.Fatalf("%s: output %d has shape %v, inferred %s", n, i, tt.Shape, v.Type)
					}
				}
				env[v] = out[i]
			}
		}
	}
	res := make([]ir.Data, len(m.Graph.Outputs))
	for i, v := range m.Graph.Outputs {
		res[i] = env[v]
	}
	return res
}

// checkPass applies pass (a pipeline function, or nil for the whole
// pipeline at level 2) to a copy of m, verifies the result, checks its op
// histogram against wantOps and that it computes what m does on random
// inputs. It returns the optimized model.
func checkPass(t *testing.T, b *builder, m *ir.Model, pass func(*ir.Graph) (bool, error), wantOps string) *ir.Model {
	t.Helper()
	c := ir.CloneModel(m)
	if pass == nil {
		if _, err := Optimize(c, Options{Level: 2, VerifyEach: true}); err != nil {
			t.Fatal(err)
		}
	} else {
		if _, err := pass(c.Graph); err != nil {
			t.Fatal(err)
		}
		if err := ir.Verify(c.Graph); err != nil {
			t.Fatalf("%v\n%s", err, c.Graph.Text())
		}
	}
	if got := ops(c.Graph); got != wantOps {
		t.Errorf("ops after the pass:\n  %s\nwant\n  %s\ngraph:\n%s", got, wantOps, c.Graph.Text())
	}
	feeds := b.feeds(m)
	want, got := run(t, m, feeds), run(t, c, feeds)
	for i := range want {
		w, g := want[i].(*ir.Tensor), got[i].(*ir.Tensor)
		if fmt.Sprint(w.Shape) != fmt.Sprint(g.Shape) || w.DType != g.DType {
			t.Fatalf("output %d: %s, want %s", i, g, w)
		}
		for j := 0; j < w.Len(); j++ {
			if d := math.Abs(w.Float64At(j) - g.Float64At(j)); !(d <= 1e-5*(1+math.Abs(w.Float64At(j)))) {
				t.Fatalf("output %d element %d: %g, want %g", i, j, g.Float64At(j), w.Float64At(j))
			}
		}
	}
	return c
}

func f32s(dims []int, v ...float32) *ir.Tensor { return ir.FromSlice(dims, v) }
func i64s(v ...int64) *ir.Tensor               { return ir.FromSlice([]int{len(v)}, v) }
func scalar(v float32) *ir.Tensor              { return ir.Scalar(v) }
func ints(v ...int64) *ir.Attr                 { return ir.IntsAttr(v...) }

// The rule-based passes as pass functions, for tests of one pass.
var (
	simplify     = passOf(simplifyRules)
	fuseBN       = passOf(fuseBNRules)
	fuseConv     = passOf(fuseConvRules)
	fuseGemm     = passOf(fuseGemmRules)
	fusePatterns = passOf(fusePatternRules)
)

func passOf(rules []rule) func(*ir.Graph) (bool, error) {
	return func(g *ir.Graph) (bool, error) {
		unlimited := -1
		fired, err := runRules(g, rules, &unlimited)
		return len(fired) > 0, err
	}
}
