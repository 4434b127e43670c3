package loss

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/dlc-go/dlc/train/autodiff"
)

// buildFn appends a loss (or another value) over graph inputs in.
type buildFn func(g *ir.Graph, in []*ir.Value, fresh func(string) string) (*ir.Value, error)

// buildGraph declares one input per tensor (in0, in1, ...), appends
// build's value and returns the graph, the inputs, the value and the
// feeds.
func buildGraph(t *testing.T, build buildFn, ins []*ir.Tensor) (*ir.Graph, []*ir.Value, *ir.Value, map[string]ir.Data) {
	t.Helper()
	g := ir.NewGraph("g")
	vals := make([]*ir.Value, len(ins))
	feeds := map[string]ir.Data{}
	for i, x := range ins {
		name := fmt.Sprintf("in%d", i)
		vals[i] = g.AddInput(name, ir.TensorType(x.DType, ir.ShapeOf(x.Shape...)))
		feeds[name] = x
	}
	out, err := build(g, vals, namer())
	if err != nil {
		t.Fatal(err)
	}
	if out.Type.DType != ins[0].DType {
		t.Fatalf("value is %s, want dtype %s", out.Type, ins[0].DType)
	}
	return g, vals, out, feeds
}

// runValue builds and runs the graph and returns build's value.
func runValue(t *testing.T, build buildFn, ins ...*ir.Tensor) *ir.Tensor {
	t.Helper()
	g, _, out, feeds := buildGraph(t, build, ins)
	g.Outputs = []*ir.Value{out}
	s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{CheckTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	return res[0].(*ir.Tensor)
}

// runScalar is runValue for a loss: it checks the value is a scalar.
func runScalar(t *testing.T, build buildFn, ins ...*ir.Tensor) float64 {
	t.Helper()
	out := runValue(t, build, ins...)
	if len(out.Shape) != 0 {
		t.Fatalf("loss has shape %v, want a scalar", out.Shape)
	}
	return out.Float64At(0)
}

// checkGrads differentiates build's value (summed, if not a scalar) with
// respect to every input in float64 and compares with central
// differences.
func checkGrads(t *testing.T, build buildFn, ins ...*ir.Tensor) {
	t.Helper()
	g, xs, out, feeds := buildGraph(t, build, ins)
	fresh := namer()
	grads, err := autodiff.Gradients(g, out, xs, func(s string) string { return "d_" + fresh(s) })
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = append([]*ir.Value{out}, grads...)
	s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{CheckTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	f := func() float64 {
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
	for k, x := range xs {
		vals := feeds[x.Name].(*ir.Tensor).Data.([]float64)
		got := res[1+k].(*ir.Tensor)
		if got.Len() != len(vals) {
			t.Fatalf("d/d%s has %d elements, want %d", x.Name, got.Len(), len(vals))
		}
		for j := range vals {
			orig := vals[j]
			vals[j] = orig + h
			up := f()
			vals[j] = orig - h
			down := f()
			vals[j] = orig
			want := (up - down) / (2 * h)
			if d := got.Float64At(j); math.Abs(d-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("d/d%s[%d] = %v, finite difference %v", x.Name, j, d, want)
			}
		}
	}
}

func pairOf(l Pair) buildFn {
	return func(g *ir.Graph, in []*ir.Value, fresh func(string) string) (*ir.Value, error) {
		return l.AppendPair(g, in[0], in[1], fresh)
	}
}

func tripletOf(l Triplet) buildFn {
	return func(g *ir.Graph, in []*ir.Value, fresh func(string) string) (*ir.Value, error) {
		return l.AppendTriplet(g, in[0], in[1], in[2], fresh)
	}
}

// refNTXent is SimCLR's loss written out: normalize, similarities,
// softmax cross-entropy over j ≠ i against the other view.
func refNTXent(z1, z2 []float64, n, d int, tau float64, r Reduction) float64 {
	rows := make([][]float64, 2*n)
	for i := range 2 * n {
		src := z1
		if i >= n {
			src = z2
		}
		row := append([]float64(nil), src[(i%n)*d:(i%n+1)*d]...)
		norm := 0.0
		for _, x := range row {
			norm += x * x
		}
		norm = math.Max(math.Sqrt(norm), 1e-12)
		for k := range row {
			row[k] /= norm
		}
		rows[i] = row
	}
	sim := func(i, j int) float64 {
		s := 0.0
		for k := range d {
			s += rows[i][k] * rows[j][k]
		}
		return s / tau
	}
	sum := 0.0
	for i := range 2 * n {
		mx := math.Inf(-1)
		for j := range 2 * n {
			if j != i {
				mx = math.Max(mx, sim(i, j))
			}
		}
		z := 0.0
		for j := range 2 * n {
			if j != i {
				z += math.Exp(sim(i, j) - mx)
			}
		}
		sum += mx + math.Log(z) - sim(i, (i+n)%(2*n))
	}
	if r == Sum {
		return sum
	}
	return sum / float64(2*n)
}

func TestNTXent(t *testing.T) {
	const n, d = 5, 4
	r := rand.New(rand.NewPCG(11, 12))
	cases := []NTXent{{}, {Temperature: 0.1}, {Temperature: 1.7, Reduction: Sum}}
	for i, l := range cases {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%d/%s", i, dt), func(t *testing.T) {
				z1 := roundTo(dt, randn(r, n*d, 1))
				z2 := roundTo(dt, randn(r, n*d, 1))
				tau := l.Temperature
				if tau == 0 {
					tau = 0.5
				}
				got := runScalar(t, pairOf(l), tensorOf(dt, []int{n, d}, z1), tensorOf(dt, []int{n, d}, z2))
				if want := refNTXent(z1, z2, n, d, tau, l.Reduction); !close(got, want, tolFor(dt)) {
					t.Errorf("%+v: loss %v, want %v", l, got, want)
				}
			})
		}
	}
}

// TestNTXentSymbolicWidth builds the loss over [N, D] with D symbolic.
func TestNTXentSymbolicWidth(t *testing.T) {
	const n, d = 3, 2
	g := ir.NewGraph("g")
	shape := ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Static(n), ir.Symbolic("d")}}
	z1 := g.AddInput("z1", ir.TensorType(ir.Float64, shape))
	z2 := g.AddInput("z2", ir.TensorType(ir.Float64, shape))
	out, err := NTXent{}.AppendPair(g, z1, z2, namer())
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []*ir.Value{out}
	s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := []float64{1, 2, -1, 0.5, 3, 1}, []float64{0.5, 2, 1, 1, 2, -1}
	res, err := s.Run(map[string]ir.Data{"z1": ir.FromSlice([]int{n, d}, a), "z2": ir.FromSlice([]int{n, d}, b)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res[0].(*ir.Tensor).Float64At(0), refNTXent(a, b, n, d, 0.5, Mean); !close(got, want, 1e-12) {
		t.Errorf("loss %v, want %v", got, want)
	}
}

func refTriplet(a, p, ng []float64, rows, d int, l TripletMargin) float64 {
	margin := 1.0
	if l.Margin != nil {
		margin = *l.Margin
	}
	dist := func(x, y []float64, i int) float64 {
		s := 0.0
		for k := range d {
			v := x[i*d+k] - y[i*d+k] + 1e-6
			s += v * v
		}
		return math.Sqrt(s)
	}
	sum := 0.0
	for i := range rows {
		dn := dist(a, ng, i)
		if l.Swap {
			dn = math.Min(dn, dist(p, ng, i))
		}
		sum += math.Max(dist(a, p, i)-dn+margin, 0)
	}
	if l.Reduction == Sum {
		return sum
	}
	return sum / float64(rows)
}

func TestTripletMargin(t *testing.T) {
	const rows, d = 6, 3
	r := rand.New(rand.NewPCG(13, 14))
	half, zero := 0.5, 0.0
	cases := []TripletMargin{{}, {Margin: &half, Swap: true}, {Margin: &zero, Reduction: Sum}, {Swap: true, Reduction: Sum}}
	for i, l := range cases {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%d/%s", i, dt), func(t *testing.T) {
				a := roundTo(dt, randn(r, rows*d, 1))
				p := roundTo(dt, randn(r, rows*d, 1))
				ng := roundTo(dt, randn(r, rows*d, 1))
				sh := []int{rows, d}
				got := runScalar(t, tripletOf(l), tensorOf(dt, sh, a), tensorOf(dt, sh, p), tensorOf(dt, sh, ng))
				if want := refTriplet(a, p, ng, rows, d, l); !close(got, want, tolFor(dt)) {
					t.Errorf("%+v: loss %v, want %v", l, got, want)
				}
			})
		}
	}
	t.Run("rank1", func(t *testing.T) {
		a, p, ng := randn(r, d, 1), randn(r, d, 1), randn(r, d, 1)
		got := runScalar(t, tripletOf(TripletMargin{}), ir.FromSlice([]int{d}, a), ir.FromSlice([]int{d}, p), ir.FromSlice([]int{d}, ng))
		if want := refTriplet(a, p, ng, 1, d, TripletMargin{}); !close(got, want, 1e-12) {
			t.Errorf("loss %v, want %v", got, want)
		}
	})
}

func TestContrastiveGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	t64 := func(shape ...int) *ir.Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		return ir.FromSlice(shape, randn(r, n, 1))
	}
	half := 0.5
	cases := []struct {
		name  string
		build buildFn
		ins   int
	}{
		{"ntxent", pairOf(NTXent{}), 2},
		{"ntxent/0.1+sum", pairOf(NTXent{Temperature: 0.1, Reduction: Sum}), 2},
		{"triplet", tripletOf(TripletMargin{Margin: new(2.0)}), 3},
		{"triplet/swap", tripletOf(TripletMargin{Margin: &half, Swap: true, Reduction: Sum}), 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ins := make([]*ir.Tensor, c.ins)
			for i := range ins {
				ins[i] = t64(4, 3)
			}
			checkGrads(t, c.build, ins...)
		})
	}
}

// badCase is a loss built over bad values and the error it must give.
type badCase struct {
	name  string
	build func() (*ir.Value, error)
	want  string
}

// pairCall appends l over a and b when called.
func pairCall(g *ir.Graph, l Pair, a, b *ir.Value) func() (*ir.Value, error) {
	return func() (*ir.Value, error) { return l.AppendPair(g, a, b, namer()) }
}

func checkBad(t *testing.T, cases []badCase) {
	t.Helper()
	for _, c := range cases {
		out, err := c.build()
		if err == nil || !strings.Contains(err.Error(), c.want) || out != nil {
			t.Errorf("%s: value %v, error %v, want one containing %q", c.name, out, err, c.want)
		}
	}
}

func TestContrastiveBadInputsAreErrors(t *testing.T) {
	g := ir.NewGraph("g")
	in := func(name string, dt ir.DType, dims ...int) *ir.Value {
		return g.AddInput(name, ir.TensorType(dt, ir.ShapeOf(dims...)))
	}
	a, b := in("a", ir.Float32, 4, 3), in("b", ir.Float32, 4, 3)
	wide, long := in("wide", ir.Float32, 4, 5), in("long", ir.Float32, 5, 3)
	d64, ints := in("d64", ir.Float64, 4, 3), in("ints", ir.Int64, 4, 3)
	r1, r3 := in("r1", ir.Float32, 3), in("r3", ir.Float32, 2, 2, 3)
	empty := in("empty", ir.Float32, 0, 3)
	sym := g.AddInput("sym", ir.TensorType(ir.Float32, ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("n"), ir.Static(3)}}))
	unranked := g.AddInput("unranked", ir.TensorType(ir.Float32, ir.UnrankedShape))
	neg := -1.0
	trip := func(l Triplet, x, y, z *ir.Value) func() (*ir.Value, error) {
		return func() (*ir.Value, error) { return l.AppendTriplet(g, x, y, z, namer()) }
	}
	checkBad(t, []badCase{
		{"ntxent widths", pairCall(g, NTXent{}, a, wide), `z2 "wide" is f32[4,5], z1 "a" is f32[4,3]: shapes differ`},
		{"ntxent batches", pairCall(g, NTXent{}, a, long), "shapes differ"},
		{"ntxent dtypes", pairCall(g, NTXent{}, a, d64), "dtypes differ"},
		{"ntxent ranks", pairCall(g, NTXent{}, r3, a), "ranks differ"},
		{"ntxent rank 3", pairCall(g, NTXent{}, r3, r3), "want [N, D] with N known"},
		{"ntxent symbolic N", pairCall(g, NTXent{}, sym, sym), "want [N, D] with N known"},
		{"ntxent empty", pairCall(g, NTXent{}, empty, empty), "empty batch"},
		{"ntxent ints", pairCall(g, NTXent{}, ints, ints), "must be a float tensor"},
		{"ntxent unranked", pairCall(g, NTXent{}, unranked, a), "must be a float tensor of known rank"},
		{"ntxent missing", pairCall(g, NTXent{}, a, nil), "z2 is missing"},
		{"ntxent temperature", pairCall(g, NTXent{Temperature: -0.1}, a, b), "Temperature is -0.1"},
		{"ntxent reduction", pairCall(g, NTXent{Reduction: 9}, a, b), "unknown reduction"},
		{"ntxent no fresh", func() (*ir.Value, error) { return NTXent{}.AppendPair(g, a, b, nil) }, "fresh is nil"},
		{"ntxent no graph", func() (*ir.Value, error) { return NTXent{}.AppendPair(nil, a, b, namer()) }, "g is nil"},
		{"triplet shapes", trip(TripletMargin{}, a, b, wide), `negative "wide"`},
		{"triplet dtypes", trip(TripletMargin{}, a, d64, b), `positive "d64"`},
		{"triplet rank 3", trip(TripletMargin{}, r3, r3, r3), "want [N, D] or [D]"},
		{"triplet rank mix", trip(TripletMargin{}, a, b, r1), "ranks differ"},
		{"triplet margin", trip(TripletMargin{Margin: &neg}, a, b, b), "Margin is -1"},
		{"triplet reduction", trip(TripletMargin{Reduction: 5}, a, b, b), "unknown reduction"},
	})
}
