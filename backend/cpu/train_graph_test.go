package cpu_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train/autodiff"
)

// Training graphs of a small MLP and CNN on MNIST-sized float32 batches:
// the forward graph, SoftmaxCrossEntropyLoss, and the gradients of every
// parameter appended by autodiff. Parameters are graph inputs, as a
// training loop feeds them, so nothing in the backward graph is constant.

// trainNet builds a training graph node by node, failing the test on an
// error, and keeps random feeds for every input.
type trainNet struct {
	t      testing.TB
	g      *ir.Graph
	r      *rand.Rand
	params []*ir.Value
	feeds  map[string]ir.Data
}

func newTrainNet(t testing.TB, name string, seed uint64) *trainNet {
	return &trainNet{t: t, g: ir.NewGraph(name), r: rand.New(rand.NewPCG(seed, 17)), feeds: map[string]ir.Data{}}
}

// op adds a node with one output.
func (b *trainNet) op(op string, a map[string]*ir.Attr, in ...*ir.Value) *ir.Value {
	return b.opN(op, 1, a, in...)[0]
}

// opN adds a node with outs outputs.
func (b *trainNet) opN(op string, outs int, a map[string]*ir.Attr, in ...*ir.Value) []*ir.Value {
	b.t.Helper()
	names := make([]string, outs)
	for i := range names {
		names[i] = fmt.Sprintf("%s_%d_%d", op, len(b.g.Nodes), i)
	}
	n, err := b.g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: names, Attrs: a})
	if err != nil {
		b.t.Fatal(err)
	}
	return n.Outputs
}

// input adds a float32 graph input fed with values uniform in
// [center-scale, center+scale]; a parameter when param is set.
func (b *trainNet) input(name string, param bool, center, scale float64, shape ...int) *ir.Value {
	t := ir.Zeros(ir.Float32, shape)
	xs := t.Data.([]float32)
	for i := range xs {
		xs[i] = float32(center + scale*(2*b.r.Float64()-1))
	}
	b.feeds[name] = t
	v := b.g.AddInput(name, ir.TensorType(ir.Float32, ir.ShapeOf(shape...)))
	if param {
		b.params = append(b.params, v)
	}
	return v
}

// labels adds an int64 input [n] of classes in [0, classes).
func (b *trainNet) labels(n, classes int) *ir.Value {
	t := ir.Zeros(ir.Int64, []int{n})
	for i := range n {
		t.SetFloat64At(i, float64(b.r.IntN(classes)))
	}
	b.feeds["labels"] = t
	return b.g.AddInput("labels", ir.TensorType(ir.Int64, ir.ShapeOf(n)))
}

// finish makes the graph's outputs the loss and the gradient of every
// parameter.
func (b *trainNet) finish(loss *ir.Value) *ir.Model {
	b.t.Helper()
	k := 0
	grads, err := autodiff.Gradients(b.g, loss, b.params, func(s string) string { k++; return fmt.Sprintf("%s_g%d", s, k) })
	if err != nil {
		b.t.Fatal(err)
	}
	b.g.Outputs = append([]*ir.Value{loss}, grads...)
	return &ir.Model{Graph: b.g}
}

// dense is x·W + B with W [in, out] as a Gemm.
func (b *trainNet) dense(name string, x *ir.Value, in, out int) *ir.Value {
	w := b.input(name+"_w", true, 0, 1/float64(in), in, out)
	bias := b.input(name+"_b", true, 0, 0.1, out)
	return b.op("Gemm", nil, x, w, bias)
}

// mlpTrainGraph is a 784-256-256-10 ReLU MLP on a batch of batch images;
// the first layer is MatMul+Add, the others Gemm.
func mlpTrainGraph(t testing.TB, batch int) (*ir.Model, map[string]ir.Data) {
	b := newTrainNet(t, "mlp", 1)
	x := b.input("x", false, 0, 1, batch, 784)
	labels := b.labels(batch, 10)
	w1 := b.input("fc1_w", true, 0, 1.0/28, 784, 256)
	b1 := b.input("fc1_b", true, 0, 0.1, 256)
	h := b.op("Relu", nil, b.op("Add", nil, b.op("MatMul", nil, x, w1), b1))
	h = b.op("Relu", nil, b.dense("fc2", h, 256, 256))
	logits := b.dense("fc3", h, 256, 10)
	return b.finish(b.op("SoftmaxCrossEntropyLoss", nil, logits, labels)), b.feeds
}

// cnnTrainGraph is two Conv-BN-ReLU-MaxPool blocks (1→32→64 channels, 3×3
// pad 1, 2×2 pools) on [batch, 1, 28, 28], then 3136→128→10 Gemms.
func cnnTrainGraph(t testing.TB, batch int) (*ir.Model, map[string]ir.Data) {
	b := newTrainNet(t, "cnn", 2)
	x := b.input("x", false, 0, 1, batch, 1, 28, 28)
	labels := b.labels(batch, 10)
	block := func(name string, x *ir.Value, cin, cout int) *ir.Value {
		w := b.input(name+"_w", true, 0, 1/float64(3*cin), cout, cin, 3, 3)
		bias := b.input(name+"_b", true, 0, 0.1, cout)
		h := b.op("Conv", map[string]*ir.Attr{"pads": ir.IntsAttr(1, 1, 1, 1), "kernel_shape": ir.IntsAttr(3, 3)}, x, w, bias)
		bn := b.opN("BatchNormalization", 3, map[string]*ir.Attr{"training_mode": ir.IntAttr(1)}, h,
			b.input(name+"_bn_scale", true, 1, 0.2, cout), b.input(name+"_bn_bias", true, 0, 0.1, cout),
			b.input(name+"_bn_mean", false, 0, 0.1, cout), b.input(name+"_bn_var", false, 1, 0.1, cout))
		h = b.op("Relu", nil, bn[0])
		return b.op("MaxPool", map[string]*ir.Attr{"kernel_shape": ir.IntsAttr(2, 2), "strides": ir.IntsAttr(2, 2)}, h)
	}
	h := block("conv1", x, 1, 32)
	h = block("conv2", h, 32, 64)
	h = b.op("Flatten", nil, h)
	h = b.op("Relu", nil, b.dense("fc1", h, 3136, 128))
	logits := b.dense("fc2", h, 128, 10)
	return b.finish(b.op("SoftmaxCrossEntropyLoss", nil, logits, labels)), b.feeds
}

// trainGraph is a training graph builder: the model at a batch size and
// random feeds for it.
type trainGraph struct {
	name  string
	build func(testing.TB, int) (*ir.Model, map[string]ir.Data)
}

// trainGraphs lists the training graphs.
var trainGraphs = []trainGraph{{"mlp", mlpTrainGraph}, {"cnn", cnnTrainGraph}}
