package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// Whole small networks differentiated with respect to their parameters
// and checked against finite differences: the rules must compose. The MLP
// has a symbolic batch dim, which its rules must not need; the CNN a
// static one (Conv's inference leaves a symbolic-batch output unranked,
// and the Conv rule needs X's spatial dims).

// netBuilder builds a graph node by node, failing the test on an error.
type netBuilder struct {
	t      *testing.T
	g      *ir.Graph
	r      *rand.Rand
	params []*ir.Value
	feeds  map[string]ir.Data
}

func newNet(t *testing.T, seed uint64) *netBuilder {
	return &netBuilder{t: t, g: ir.NewGraph("net"), r: rand.New(rand.NewPCG(seed, 9)), feeds: map[string]ir.Data{}}
}

func (b *netBuilder) op(op string, a attrs, in ...*ir.Value) *ir.Value {
	b.t.Helper()
	n, err := b.g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{fmt.Sprintf("%s_%d", op, len(b.g.Nodes))}, Attrs: a})
	if err != nil {
		b.t.Fatal(err)
	}
	return n.Outputs[0]
}

// param adds a differentiated input of the given shape with values
// uniform in [-scale, scale].
func (b *netBuilder) param(name string, scale float64, shape ...int) *ir.Value {
	v := make([]float64, shapeSize(shape))
	for i := range v {
		v[i] = scale * (2*b.r.Float64() - 1)
	}
	b.feeds[name] = ir.FromSlice(shape, v)
	p := b.g.AddInput(name, ir.TensorType(ir.Float64, ir.ShapeOf(shape...)))
	b.params = append(b.params, p)
	return p
}

// batchInput adds a non-differentiated input [N, rest...] fed with batch
// rows; N is symbolic unless static.
func (b *netBuilder) batchInput(name string, dt ir.DType, batch int, static bool, fill func(i int) float64, rest ...int) *ir.Value {
	dims := []ir.Dim{ir.Symbolic("N")}
	if static {
		dims[0] = ir.Static(int64(batch))
	}
	for _, d := range rest {
		dims = append(dims, ir.Static(int64(d)))
	}
	shape := append([]int{batch}, rest...)
	t := ir.Zeros(dt, shape)
	for i := range t.Len() {
		t.SetFloat64At(i, fill(i))
	}
	b.feeds[name] = t
	return b.g.AddInput(name, ir.TensorType(dt, ir.Shape{Ranked: true, Dims: dims}))
}

// check differentiates loss with respect to the parameters and compares
// every element with a central difference.
func (b *netBuilder) check(loss *ir.Value) {
	t := b.t
	fwd := &ir.Model{Graph: b.g}
	b.g.Outputs = []*ir.Value{loss}
	fs, err := runtime.New(fwd, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lossAt := func() float64 {
		o, err := fs.Run(b.feeds)
		if err != nil {
			t.Fatal(err)
		}
		return o[0].(*ir.Tensor).Float64At(0)
	}
	want := make([][]float64, len(b.params))
	const h = 1e-6
	for i, p := range b.params {
		vals := b.feeds[p.Name].(*ir.Tensor).Data.([]float64)
		for j := range vals {
			orig := vals[j]
			vals[j] = orig + h
			up := lossAt()
			vals[j] = orig - h
			down := lossAt()
			vals[j] = orig
			want[i] = append(want[i], (up-down)/(2*h))
		}
	}
	k := 0
	grads, err := Gradients(b.g, loss, b.params, func(s string) string { k++; return fmt.Sprintf("%s_g%d", s, k) })
	if err != nil {
		t.Fatal(err)
	}
	b.g.Outputs = grads
	for _, opt := range []runtime.Options{{Reference: true, CheckTypes: true}, runtime.DefaultOptions()} {
		s, err := runtime.New(&ir.Model{Graph: b.g}, opt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Run(b.feeds)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range b.params {
			gt := got[i].(*ir.Tensor)
			for j, w := range want[i] {
				if g := gt.Float64At(j); math.Abs(g-w) > 1e-5*math.Max(1, math.Abs(w)) || math.IsNaN(g) {
					t.Errorf("OptLevel %d: d/d%s[%d] = %v, finite difference %v", opt.OptLevel, p.Name, j, g, w)
				}
			}
		}
	}
}

func TestMLPGradients(t *testing.T) {
	b := newNet(t, 1)
	x := b.batchInput("x", ir.Float64, 4, false, func(int) float64 { return 2*b.r.Float64() - 1 }, 6)
	labels := b.batchInput("labels", ir.Int64, 4, false, func(i int) float64 { return float64(i % 3) })
	h := b.op("MatMul", nil, x, b.param("w1", 0.7, 6, 5))
	h = b.op("Relu", nil, b.op("Add", nil, h, b.param("b1", 0.3, 5)))
	h = b.op("Tanh", nil, b.op("Gemm", attrs{"transB": one(1)}, h, b.param("w2", 0.7, 4, 5), b.param("b2", 0.3, 4)))
	logits := b.op("Gemm", nil, h, b.param("w3", 0.7, 4, 3), b.param("b3", 0.3, 1, 3))
	b.check(b.op("SoftmaxCrossEntropyLoss", nil, logits, labels))
}

func TestCNNGradients(t *testing.T) {
	b := newNet(t, 2)
	x := b.batchInput("x", ir.Float64, 3, true, func(int) float64 { return 2*b.r.Float64() - 1 }, 2, 7, 7)
	labels := b.batchInput("labels", ir.Int64, 3, true, func(i int) float64 { return float64(2 - i) })
	bnState := func(name string, v float64) *ir.Value {
		return b.g.AddInit(name, ir.FromSlice([]int{4}, []float64{v, v, v, v}))
	}
	h := b.op("Conv", attrs{"pads": ints(1, 1, 1, 1)}, x, b.param("c1w", 0.5, 4, 2, 3, 3), b.param("c1b", 0.2, 4))
	n, err := b.g.AddNode(ir.NodeSpec{Op: "BatchNormalization", Attrs: attrs{"training_mode": one(1)},
		Inputs:  []*ir.Value{h, b.param("bns", 1, 4), b.param("bnb", 0.3, 4), bnState("rm", 0), bnState("rv", 1)},
		Outputs: []string{"bn", "bn_mean", "bn_var"}})
	if err != nil {
		t.Fatal(err)
	}
	h = b.op("Relu", nil, n.Outputs[0])
	h = b.op("MaxPool", attrs{"kernel_shape": ints(2, 2), "strides": ints(2, 2), "ceil_mode": one(1)}, h)
	h = b.op("Conv", attrs{"strides": ints(2, 2), "group": one(2)}, h, b.param("c2w", 0.5, 6, 2, 2, 2))
	h = b.op("AveragePool", attrs{"kernel_shape": ints(2, 2), "pads": ints(1, 1, 0, 0)}, h)
	h = b.op("Flatten", nil, b.op("GlobalAveragePool", nil, h))
	logits := b.op("Gemm", nil, h, b.param("fw", 0.7, 6, 3), b.param("fb", 0.3, 3))
	b.check(b.op("NegativeLogLikelihoodLoss", nil, b.op("LogSoftmax", attrs{"axis": one(1)}, logits), labels))
}
