package optim

import (
	"fmt"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// namer returns a fresh-name function for tests.
func namer() func(string) string {
	k := 0
	return func(base string) string { k++; return fmt.Sprintf("%s_%d", base, k) }
}

// stepper runs an optimizer's update graph for one parameter, feeding the
// new parameter and state back in, the way a training loop would.
type stepper struct {
	t     *testing.T
	o     Optimizer
	s     *runtime.Session
	dt    ir.DType
	shape []int
	w     *ir.Tensor
	state []*ir.Tensor
	stepT ir.DType // dtype of the step input
}

// newStepper builds the graph: inputs w, its state, grad, lr (float64)
// and step (stepT); outputs the new w and state.
func newStepper(t *testing.T, o Optimizer, dt ir.DType, shape []int, w0 []float64, stepT ir.DType) *stepper {
	t.Helper()
	g := ir.NewGraph("step")
	pt := ir.TensorType(dt, ir.ShapeOf(shape...))
	p := Param{Name: "w", Value: g.AddInput("w", pt)}
	st := &stepper{t: t, o: o, dt: dt, shape: shape, w: tensorOf(dt, shape, w0), stepT: stepT}
	for _, s := range o.States() {
		p.State = append(p.State, g.AddInput("w."+s.Suffix, pt))
		st.state = append(st.state, s.Initial(dt, shape))
	}
	p.Grad = g.AddInput("grad", pt)
	h := Hyper{LR: g.AddInput("lr", ir.TensorType(ir.Float64, ir.ShapeOf())), Step: g.AddInput("step", ir.TensorType(stepT, ir.ShapeOf()))}
	u, err := o.Update(g, p, h, namer())
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = append([]*ir.Value{u.Value}, u.State...)
	s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{CheckTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	st.s = s
	return st
}

// step takes step number k (from 1) with the given gradient and rate and
// returns the new parameter.
func (st *stepper) step(k int, grad []float64, lr float64) []float64 {
	st.t.Helper()
	feeds := map[string]ir.Data{"w": st.w, "grad": tensorOf(st.dt, st.shape, grad), "lr": ir.Scalar(lr)}
	stepv := ir.Zeros(st.stepT, nil)
	stepv.SetFloat64At(0, float64(k))
	feeds["step"] = stepv
	for i, s := range st.o.States() {
		feeds["w."+s.Suffix] = st.state[i]
	}
	out, err := st.s.Run(feeds)
	if err != nil {
		st.t.Fatal(err)
	}
	st.w = out[0].(*ir.Tensor).Clone()
	for i := range st.state {
		st.state[i] = out[1+i].(*ir.Tensor).Clone()
	}
	return st.w.Float64s()
}

func tensorOf(dt ir.DType, shape []int, xs []float64) *ir.Tensor {
	t := ir.Zeros(dt, shape)
	for i, x := range xs {
		t.SetFloat64At(i, x)
	}
	return t
}

// quadGrad is the gradient of Σ c_i (w_i - target_i)², the objective
// every optimizer test descends: its gradients depend on the parameter,
// so an error in one step shows in all later ones.
func quadGrad(w, target []float64) []float64 {
	g := make([]float64, len(w))
	for i := range w {
		g[i] = 2 * float64(1+i%3) * (w[i] - target[i])
	}
	return g
}
