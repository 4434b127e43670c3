package optim

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// refOptimizer is a hand-written Go transcription of an optimizer's
// update formulas, updating w in place at step t (from 1).
type refOptimizer interface {
	step(w, g []float64, lr float64, t int)
}

// refSGD is torch.optim.SGD's _single_tensor_sgd.
type refSGD struct {
	o   SGD
	buf []float64
}

func (r *refSGD) step(w, g []float64, lr float64, t int) {
	if r.buf == nil {
		r.buf = make([]float64, len(w))
	}
	for i := range w {
		d := g[i]
		if r.o.WeightDecay != 0 {
			d += r.o.WeightDecay * w[i]
		}
		if r.o.Momentum != 0 {
			if t == 1 {
				r.buf[i] = d
			} else {
				r.buf[i] = r.o.Momentum*r.buf[i] + (1-r.o.Dampening)*d
			}
			if r.o.Nesterov {
				d += r.o.Momentum * r.buf[i]
			} else {
				d = r.buf[i]
			}
		}
		w[i] -= lr * d
	}
}

// refAdam is torch.optim.Adam's and AdamW's _single_tensor_adam(w).
type refAdam struct {
	o          Adam
	m, v, vmax []float64
}

func (r *refAdam) step(w, g []float64, lr float64, t int) {
	o := r.o
	if r.m == nil {
		r.m, r.v, r.vmax = make([]float64, len(w)), make([]float64, len(w)), make([]float64, len(w))
	}
	bc1 := 1 - math.Pow(o.Beta1, float64(t))
	bc2 := 1 - math.Pow(o.Beta2, float64(t))
	for i := range w {
		gi := g[i]
		if o.Decoupled {
			w[i] *= 1 - lr*o.WeightDecay
		} else {
			gi += o.WeightDecay * w[i]
		}
		r.m[i] = o.Beta1*r.m[i] + (1-o.Beta1)*gi
		r.v[i] = o.Beta2*r.v[i] + (1-o.Beta2)*gi*gi
		v := r.v[i]
		if o.AMSGrad {
			r.vmax[i] = math.Max(r.vmax[i], v)
			v = r.vmax[i]
		}
		denom := math.Sqrt(v)/math.Sqrt(bc2) + o.Eps
		w[i] -= lr / bc1 * r.m[i] / denom
	}
}

// refLAMB is the LAMB update as documented on LAMB.
type refLAMB struct {
	o    LAMB
	m, v []float64
}

func (r *refLAMB) step(w, g []float64, lr float64, t int) {
	o := r.o
	if r.m == nil {
		r.m, r.v = make([]float64, len(w)), make([]float64, len(w))
	}
	u := make([]float64, len(w))
	var wn, un float64
	for i := range w {
		r.m[i] = o.Beta1*r.m[i] + (1-o.Beta1)*g[i]
		r.v[i] = o.Beta2*r.v[i] + (1-o.Beta2)*g[i]*g[i]
		mh := r.m[i] / (1 - math.Pow(o.Beta1, float64(t)))
		vh := r.v[i] / (1 - math.Pow(o.Beta2, float64(t)))
		u[i] = mh/(math.Sqrt(vh)+o.Eps) + o.WeightDecay*w[i]
		wn += w[i] * w[i]
		un += u[i] * u[i]
	}
	wn, un = math.Sqrt(wn), math.Sqrt(un)
	trust := 1.0
	if wn > 0 && un > 0 {
		trust = wn / un
	}
	for i := range w {
		w[i] -= lr * trust * u[i]
	}
}

type optCase struct {
	name string
	o    Optimizer
	ref  refOptimizer
}

func optCases() []optCase {
	wd := NewAdam()
	wd.WeightDecay = 0.1
	ams := NewAdam()
	ams.AMSGrad = true
	amsW := NewAdamW()
	amsW.AMSGrad, amsW.WeightDecay = true, 0.3
	lambWD := NewLAMB()
	lambWD.WeightDecay = 0.05
	cases := []optCase{
		{name: "SGD", o: SGD{}},
		{name: "SGD/wd", o: SGD{WeightDecay: 0.1}},
		{name: "SGD/momentum", o: SGD{Momentum: 0.9}},
		{name: "SGD/momentum+dampening+wd", o: SGD{Momentum: 0.8, Dampening: 0.3, WeightDecay: 0.05}},
		{name: "SGD/nesterov", o: SGD{Momentum: 0.9, Nesterov: true}},
		{name: "SGD/nesterov+wd", o: SGD{Momentum: 0.7, Nesterov: true, WeightDecay: 0.2}},
		{name: "Adam", o: NewAdam()},
		{name: "Adam/wd", o: wd},
		{name: "Adam/amsgrad", o: ams},
		{name: "Adam/betas", o: Adam{Beta1: 0.5, Beta2: 0.9, Eps: 1e-3}},
		{name: "AdamW", o: NewAdamW()},
		{name: "AdamW/amsgrad", o: amsW},
		{name: "LAMB", o: NewLAMB()},
		{name: "LAMB/wd", o: lambWD},
	}
	for i, c := range cases {
		switch o := c.o.(type) {
		case SGD:
			cases[i].ref = &refSGD{o: o}
		case Adam:
			cases[i].ref = &refAdam{o: o}
		case LAMB:
			cases[i].ref = &refLAMB{o: o}
		}
	}
	return cases
}

// TestOptimizersMatchReference runs five steps of each optimizer with a
// changing learning rate and compares every step with the Go reference.
func TestOptimizersMatchReference(t *testing.T) {
	w0 := []float64{0.5, -1.2, 2.0, 0.03, -0.7, 1.1}
	target := []float64{0.1, 0.2, -0.3, 0.4, 0.0, 1.5}
	for _, dt := range []ir.DType{ir.Float64, ir.Float32} {
		for _, c := range optCases() {
			t.Run(fmt.Sprintf("%s/%s", c.name, dt), func(t *testing.T) {
				c := c
				if dt == ir.Float32 { // a fresh reference: the float64 run used this one
					c = optCases()[indexOf(c.name)]
				}
				stepT := ir.Int64
				if strings.HasPrefix(c.name, "Adam") {
					stepT = ir.Float32 // any numeric dtype works as the step
				}
				st := newStepper(t, c.o, dt, []int{2, 3}, w0, stepT)
				want := append([]float64{}, w0...)
				tol := 1e-12
				if dt == ir.Float32 {
					tol = 2e-5
					for i := range want {
						want[i] = float64(float32(want[i]))
					}
				}
				for k := 1; k <= 5; k++ {
					lr := 0.05 * (1 + 0.2*float64(k))
					got := st.step(k, quadGrad(st.w.Float64s(), target), lr)
					c.ref.step(want, quadGrad(want, target), lr, k)
					for i := range want {
						if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
							t.Fatalf("step %d: w = %v, want %v", k, got, want)
						}
					}
				}
			})
		}
	}
}

func indexOf(name string) int {
	for i, c := range optCases() {
		if c.name == name {
			return i
		}
	}
	panic(name)
}

// TestLAMBZeroNormGuards checks both guards: a zero parameter (||w|| = 0)
// and a zero update (zero gradient and moments) must take trust ratio 1,
// not 0/0.
func TestLAMBZeroNormGuards(t *testing.T) {
	st := newStepper(t, NewLAMB(), ir.Float64, []int{3}, []float64{0, 0, 0}, ir.Int64)
	w := st.step(1, []float64{1, -2, 0.5}, 0.1)
	ref := &refLAMB{o: NewLAMB()}
	want := []float64{0, 0, 0}
	ref.step(want, []float64{1, -2, 0.5}, 0.1, 1)
	for i := range w {
		if math.IsNaN(w[i]) || math.Abs(w[i]-want[i]) > 1e-12 || w[i] == 0 {
			t.Fatalf("zero parameter: w = %v, want %v", w, want)
		}
	}
	st = newStepper(t, NewLAMB(), ir.Float64, []int{2}, []float64{1, 2}, ir.Int64)
	if w := st.step(1, []float64{0, 0}, 0.1); w[0] != 1 || w[1] != 2 {
		t.Fatalf("zero update: w = %v, want unchanged [1 2]", w)
	}
}

func TestClipGradNorm(t *testing.T) {
	a := []float64{3, -4, 1, 2}
	b := []float64{0.5, 6}
	for _, maxNorm := range []float64{1, 5, 100} {
		t.Run(fmt.Sprint(maxNorm), func(t *testing.T) {
			g := ir.NewGraph("clip")
			ga := g.AddInput("a", ir.TensorType(ir.Float64, ir.ShapeOf(2, 2)))
			gb := g.AddInput("b", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
			clipped, norm, err := ClipGradNorm(g, []*ir.Value{ga, gb}, maxNorm, namer())
			if err != nil {
				t.Fatal(err)
			}
			g.Outputs = append(clipped, norm)
			s, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{CheckTypes: true})
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.Run(map[string]ir.Data{"a": ir.FromSlice([]int{2, 2}, a), "b": tensorOf(ir.Float32, []int{2}, b)})
			if err != nil {
				t.Fatal(err)
			}
			total := 0.0
			for _, x := range append(append([]float64{}, a...), b...) {
				total += x * x
			}
			total = math.Sqrt(total)
			scale := math.Min(1, maxNorm/(total+1e-6))
			if got := out[2].(*ir.Tensor).Float64At(0); math.Abs(got-total) > 1e-12 {
				t.Errorf("norm %v, want %v", got, total)
			}
			for i, x := range a {
				if got := out[0].(*ir.Tensor).Float64At(i); math.Abs(got-x*scale) > 1e-12 {
					t.Errorf("a[%d] = %v, want %v", i, got, x*scale)
				}
			}
			for i, x := range b {
				if got := out[1].(*ir.Tensor).Float64At(i); math.Abs(got-x*scale) > 1e-6 {
					t.Errorf("b[%d] = %v, want %v", i, got, x*scale)
				}
			}
		})
	}
}

func TestApplyAndInitialState(t *testing.T) {
	g := ir.NewGraph("g")
	pt := ir.TensorType(ir.Float32, ir.ShapeOf(4))
	o := NewAdamW()
	var ps []Param
	for _, name := range []string{"a", "b"} {
		p := Param{Name: name, Value: g.AddInput(name, pt), Grad: g.AddInput(name+".grad", pt)}
		for _, s := range o.States() {
			p.State = append(p.State, g.AddInput(name+"."+s.Suffix, pt))
		}
		ps = append(ps, p)
	}
	h := Hyper{LR: g.AddInput("lr", ir.TensorType(ir.Float32, ir.ShapeOf())), Step: g.AddInput("step", ir.TensorType(ir.Int64, ir.ShapeOf()))}
	us, err := Apply(g, o, ps, h, namer())
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || len(us[1].State) != 2 || !us[1].Value.Type.Equal(pt) {
		t.Fatalf("Apply returned %+v", us)
	}
	init := StateSpec{Suffix: "x", Init: 0.25}.Initial(ir.Float32, []int{2, 2})
	if init.Len() != 4 || init.Float64At(3) != 0.25 || init.DType != ir.Float32 {
		t.Errorf("Initial = %v %v", init, init.Float64s())
	}
}

func TestBadUpdatesAreErrors(t *testing.T) {
	g := ir.NewGraph("g")
	pt := ir.TensorType(ir.Float32, ir.ShapeOf(3))
	w := g.AddInput("w", pt)
	gr := g.AddInput("g", pt)
	g64 := g.AddInput("g64", ir.TensorType(ir.Float64, ir.ShapeOf(3)))
	lr := g.AddInput("lr", ir.TensorType(ir.Float32, ir.ShapeOf()))
	lr1 := g.AddInput("lr1", ir.TensorType(ir.Float32, ir.ShapeOf(1)))
	step := g.AddInput("step", ir.TensorType(ir.Int64, ir.ShapeOf()))
	h := Hyper{LR: lr, Step: step}
	cases := []struct {
		o    Optimizer
		p    Param
		h    Hyper
		want string
	}{
		{SGD{}, Param{Name: "w", Value: w, Grad: g64}, h, "gradient \"g64\" is f64"},
		{SGD{Momentum: 0.9}, Param{Name: "w", Value: w, Grad: gr}, h, "0 state values, the optimizer keeps 1"},
		{SGD{Nesterov: true}, Param{Name: "w", Value: w, Grad: gr}, h, "Nesterov"},
		{SGD{}, Param{Name: "w", Value: w, Grad: gr}, Hyper{LR: lr1, Step: step}, "learning rate \"lr1\""},
		{SGD{}, Param{Name: "w", Value: w, Grad: gr}, Hyper{LR: lr}, "step value is missing"},
		{Adam{Beta1: 1}, Param{Name: "w", Value: w, Grad: gr, State: []*ir.Value{w, w}}, h, "betas"},
		{NewLAMB(), Param{Name: "w", Value: w, Grad: gr, State: []*ir.Value{w, g64}}, h, "state 1"},
	}
	for _, c := range cases {
		_, err := c.o.Update(g, c.p, c.h, namer())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: error %v, want one containing %q", c.o, err, c.want)
		}
	}
	if _, _, err := ClipGradNorm(g, []*ir.Value{gr}, 0, namer()); err == nil {
		t.Error("ClipGradNorm accepted max norm 0")
	}
}
