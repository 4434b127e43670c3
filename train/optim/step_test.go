package optim

import (
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/dlc-go/dlc/train/autodiff"
	"github.com/dlc-go/dlc/train/loss"
)

// TestWholeTrainingStep builds the graph the training loop runs: a linear
// classifier, its cross-entropy, the gradients, global-norm clipping and
// an AdamW update, with parameters, state, batch, lr and step as inputs.
// Fed its own outputs for 30 steps on a separable problem, the loss must
// fall well below its start.
func TestWholeTrainingStep(t *testing.T) {
	const n, d, c = 12, 3, 3
	g := ir.NewGraph("train_step")
	fresh := namer()
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(n, d)))
	y := g.AddInput("y", ir.TensorType(ir.Int64, ir.ShapeOf(n)))
	w := g.AddInput("w", ir.TensorType(ir.Float32, ir.ShapeOf(d, c)))
	b := g.AddInput("b", ir.TensorType(ir.Float32, ir.ShapeOf(c)))
	o := NewAdamW()
	var params []Param
	for _, p := range []*ir.Value{w, b} {
		pp := Param{Name: p.Name, Value: p}
		for _, s := range o.States() {
			pp.State = append(pp.State, g.AddInput(p.Name+"."+s.Suffix, p.Type))
		}
		params = append(params, pp)
	}
	h := Hyper{LR: g.AddInput("lr", ir.TensorType(ir.Float32, ir.ShapeOf())), Step: g.AddInput("step", ir.TensorType(ir.Int64, ir.ShapeOf()))}

	mm, err := g.AddNode(ir.NodeSpec{Op: "MatMul", Inputs: []*ir.Value{x, w}, Outputs: []string{"xw"}})
	if err != nil {
		t.Fatal(err)
	}
	logits, err := g.AddNode(ir.NodeSpec{Op: "Add", Inputs: []*ir.Value{mm.Outputs[0], b}, Outputs: []string{"logits"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := loss.CrossEntropy{LabelSmoothing: 0.05}.Append(g, logits.Outputs[0], y, fresh)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := autodiff.Gradients(g, l, []*ir.Value{w, b}, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if grads, _, err = ClipGradNorm(g, grads, 1, fresh); err != nil {
		t.Fatal(err)
	}
	for i := range params {
		params[i].Grad = grads[i]
	}
	us, err := Apply(g, o, params, h, fresh)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []*ir.Value{l}
	for _, u := range us {
		g.Outputs = append(g.Outputs, u.Value)
		g.Outputs = append(g.Outputs, u.State...)
	}
	s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{CheckTypes: true})
	if err != nil {
		t.Fatal(err)
	}

	r := rand.New(rand.NewPCG(4, 2))
	xs := make([]float32, n*d)
	ys := make([]int64, n)
	for i := range n {
		ys[i] = int64(i % c)
		for j := range d {
			xs[i*d+j] = float32(r.NormFloat64() * 0.3)
		}
		xs[i*d+int(ys[i])] += 2 // class k is large along feature k
	}
	feeds := map[string]ir.Data{
		"x": ir.FromSlice([]int{n, d}, xs), "y": ir.FromSlice([]int{n}, ys),
		"w": ir.Zeros(ir.Float32, []int{d, c}), "b": ir.Zeros(ir.Float32, []int{c}),
		"lr": ir.Scalar[float32](0.1),
	}
	for _, p := range params {
		shape, _ := p.Value.Type.Shape.Static()
		for k, st := range o.States() {
			feeds[p.State[k].Name] = st.Initial(ir.Float32, shape)
		}
	}
	var first, last float64
	for step := 1; step <= 30; step++ {
		feeds["step"] = ir.Scalar(int64(step))
		out, err := s.Run(feeds)
		if err != nil {
			t.Fatal(err)
		}
		last = out[0].(*ir.Tensor).Float64At(0)
		if step == 1 {
			first = last
		}
		k := 1
		for _, p := range params {
			feeds[p.Value.Name] = out[k].(*ir.Tensor).Clone()
			k++
			for _, sv := range p.State {
				feeds[sv.Name] = out[k].(*ir.Tensor).Clone()
				k++
			}
		}
	}
	t.Logf("loss %v -> %v", first, last)
	if !(last < 0.5*first) {
		t.Errorf("loss went from %v to %v in 30 steps; want it at least halved", first, last)
	}
}
