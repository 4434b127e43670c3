package dsl

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

// trainingGraph turns m's Train graph into what a trainer runs: the
// trainable parameters become inputs, a SoftmaxCrossEntropyLoss against
// int64 "labels" is appended, and the outputs are the loss and its
// gradient with respect to each trainable parameter.
func trainingGraph(t *testing.T, m *Model, batch int) (*ir.Model, []*Param) {
	t.Helper()
	gm, err := m.Graph(Train, batch)
	if err != nil {
		t.Fatal(err)
	}
	g := gm.Graph
	params := m.TrainableParams()
	trainable := map[string]bool{}
	for _, p := range params {
		trainable[p.Name] = true
	}
	var inits []*ir.Value
	xs := make([]*ir.Value, 0, len(params))
	for _, v := range g.Inits {
		if trainable[v.Name] {
			v.Init = nil
			g.Inputs = append(g.Inputs, v)
			xs = append(xs, v)
		} else {
			inits = append(inits, v)
		}
	}
	g.Inits = inits
	if len(xs) != len(params) {
		t.Fatalf("graph has %d of the %d trainable parameters", len(xs), len(params))
	}
	labelShape := ir.Shape{Ranked: true, Dims: []ir.Dim{g.Inputs[0].Type.Shape.Dims[0]}}
	labels := g.AddInput("labels", ir.TensorType(ir.Int64, labelShape))
	n, err := g.AddNode(ir.NodeSpec{Op: "SoftmaxCrossEntropyLoss", Name: "loss", Inputs: []*ir.Value{g.Outputs[0], labels}, Outputs: []string{"loss"}})
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	grads, err := autodiff.Gradients(g, n.Outputs[0], xs, func(s string) string { k++; return fmt.Sprintf("%s_g%d", s, k) })
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = append([]*ir.Value{n.Outputs[0]}, grads...)
	// Inputs were appended in initializer order; report params in it.
	byName := map[string]*Param{}
	for _, p := range params {
		byName[p.Name] = p
	}
	ordered := make([]*Param, len(xs))
	for i, x := range xs {
		ordered[i] = byName[x.Name]
	}
	return gm, ordered
}

// trainFeeds is one step's inputs: data, labels, masks and parameters.
func trainFeeds(m *Model, params []*Param, batch int, r *rand.Rand) map[string]ir.Data {
	feeds := masksFor(m, batch, r)
	feeds[InputName] = randomInput(m, batch, r)
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(r.IntN(m.OutputShape()[0]))
	}
	feeds["labels"] = ir.FromSlice([]int{batch}, labels)
	for _, p := range params {
		feeds[p.Name] = p.Value
	}
	return feeds
}

// Every parameter of the reference CNN gets a finite gradient of the
// right shape through its Train graph, with a fixed and a symbolic batch.
func TestGradientsThroughTrainGraph(t *testing.T) {
	m := mustBuild(t, FashionCNN(), 3)
	for _, batch := range []int{4, 0} {
		g, params := trainingGraph(t, m, batch)
		feeds := trainFeeds(m, params, 4, rand.New(rand.NewPCG(3, 4)))
		outs := run(t, g, runtime.Options{Reference: true}, feeds)
		checkFinite(t, "loss", outs[0])
		for i, p := range params {
			gr := outs[i+1]
			checkFinite(t, "d/d"+p.Name, gr, p.Value.Shape...)
			norm := 0.0
			for _, x := range gr.Float64s() {
				norm += x * x
			}
			// A conv bias before training-mode BatchNorm has no effect on
			// the loss; every other parameter must get a gradient.
			isConvBias := strings.HasPrefix(p.Layer, "conv2d") && strings.HasSuffix(p.Name, ".bias")
			if norm == 0 && !isConvBias {
				t.Errorf("batch %d: gradient of %s is all zero", batch, p.Name)
			}
		}
	}
}

// The same architecture in float64, small enough to check every
// gradient element against central differences.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	d := Sequential("small", []int{2, 6, 6},
		Conv2D(3, 3, Padding(Same)), BatchNorm(), ReLU(), MaxPool2D(2),
		Flatten(), Dense(5), ReLU(), Dropout(0.3), Dense(3))
	d.DType = ir.Float64
	m := mustBuild(t, d, 9)
	const batch = 3
	g, params := trainingGraph(t, m, batch)
	feeds := trainFeeds(m, params, batch, rand.New(rand.NewPCG(9, 9)))
	s, err := runtime.New(g, runtime.Options{Reference: true})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 {
		o, err := s.Run(feeds)
		if err != nil {
			t.Fatal(err)
		}
		return o[0].(*ir.Tensor).Float64At(0)
	}
	const h = 1e-6
	for i, p := range params {
		vals := p.Value.Data.([]float64)
		got := outs[i+1].(*ir.Tensor)
		for j := range vals {
			orig := vals[j]
			vals[j] = orig + h
			up := loss()
			vals[j] = orig - h
			down := loss()
			vals[j] = orig
			want := (up - down) / (2 * h)
			if g := got.Float64At(j); math.Abs(g-want) > 1e-5*math.Max(1, math.Abs(want)) {
				t.Errorf("d/d%s[%d] = %v, finite difference %v", p.Name, j, g, want)
			}
		}
	}
}
