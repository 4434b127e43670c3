package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// normGradCase is a normalization and its fused gradient: the forward
// op's inputs are X, Scale, B and, for BatchNormalization, the running
// mean and variance.
type normGradCase struct {
	fwd, grad string
	fwdAttrs  map[string]*ir.Attr
	gradAttrs map[string]*ir.Attr
	x, param  []int
}

// The gradient kernels agree with central finite differences of the
// forward kernels: for L = Σ W·Y(X, Scale, B), dX, dScale and dBias are
// the kernel's outputs for dY = W.
func TestNormGradMatchesFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 7))
	eps := ir.FloatAttr(0.01)
	bn := func(x ...int) normGradCase {
		return normGradCase{"BatchNormalization", "dlc.BatchNormGrad",
			map[string]*ir.Attr{"training_mode": ir.IntAttr(1), "epsilon": eps}, map[string]*ir.Attr{"epsilon": eps}, x, []int{x[1]}}
	}
	ln := func(axis int, x ...int) normGradCase {
		a := map[string]*ir.Attr{"axis": ir.IntAttr(int64(axis)), "epsilon": eps}
		if axis < 0 {
			axis += len(x)
		}
		return normGradCase{"LayerNormalization", "dlc.LayerNormGrad", a, a, x, x[axis:]}
	}
	cases := []normGradCase{bn(3, 2, 4), bn(2, 3, 2, 2), bn(5, 1), bn(4, 3, 1, 1), ln(-1, 3, 5), ln(1, 2, 3, 2), ln(0, 7), ln(-1, 4, 1)}
	rnd := func(shape []int) *ir.Tensor {
		v := make([]float64, shapeLen(shape))
		for i := range v {
			v[i] = 2*r.Float64() - 1
		}
		return ir.FromSlice(append([]int{}, shape...), v)
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.fwd, c.x), func(t *testing.T) {
			x, w, s, b := rnd(c.x), rnd(c.x), rnd(c.param), rnd(c.param)
			fwdIn := []ir.Data{x, s, b}
			if c.fwd == "BatchNormalization" {
				fwdIn = append(fwdIn, rnd(c.param), ir.FromSlice(c.param, onesLike(c.param)))
			}
			loss := func() float64 {
				out, err := runOp(t, c.fwd, c.fwdAttrs, []string{"y"}, fwdIn...)
				if err != nil {
					t.Fatal(err)
				}
				sum := 0.0
				for i, y := range out[0].(*ir.Tensor).Float64s() {
					sum += y * w.Float64At(i)
				}
				return sum
			}
			got, err := runOp(t, c.grad, c.gradAttrs, []string{"dx", "ds", "db"}, x, w, s)
			if err != nil {
				t.Fatal(err)
			}
			for j, in := range []*ir.Tensor{x, s, b} {
				vals, g := in.Data.([]float64), got[j].(*ir.Tensor)
				for e := range vals {
					orig, h := vals[e], 1e-6
					vals[e] = orig + h
					up := loss()
					vals[e] = orig - h
					down := loss()
					vals[e] = orig
					fd := (up - down) / (2 * h)
					if gv := g.Float64At(e); math.Abs(gv-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
						t.Errorf("output %d[%d] = %v, finite difference %v", j, e, gv, fd)
					}
				}
			}
			// Without the parameter gradients, dX is unchanged.
			only, err := runOp(t, c.grad, c.gradAttrs, []string{"dx", "", "db"}, x, w, s)
			if err != nil {
				t.Fatal(err)
			}
			if len(only) != 3 || only[1] != nil || only[2] == nil {
				t.Fatalf("outputs %v, want dX, nothing, dBias", only)
			}
			for e := range x.Len() {
				if a, b := only[0].(*ir.Tensor).Float64At(e), got[0].(*ir.Tensor).Float64At(e); a != b {
					t.Fatalf("dX[%d] = %v without dScale, %v with it", e, a, b)
				}
			}
		})
	}
}

// A float32 X gives float32 gradients, computed in float64 and rounded.
func TestNormGradFloat32(t *testing.T) {
	x := ir.FromSlice([]int{2, 3}, []float32{1, -2, 0.5, 3, 0.25, -1})
	dy := ir.FromSlice([]int{2, 3}, []float32{0.5, 1, -1, 2, 0, 1})
	s := ir.FromSlice([]int{3}, []float32{1, 2, -1})
	for _, op := range []string{"dlc.BatchNormGrad", "dlc.LayerNormGrad"} {
		out, err := runOp(t, op, nil, []string{"dx", "ds", "db"}, x, dy, s)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		want, err := runOp(t, op, nil, []string{"dx", "ds", "db"}, convertF64(x), convertF64(dy), convertF64(s))
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		for i := range out {
			o, w := out[i].(*ir.Tensor), want[i].(*ir.Tensor)
			if o.DType != ir.Float32 {
				t.Fatalf("%s output %d is %s", op, i, o.DType)
			}
			for e := range o.Len() {
				if float32(w.Float64At(e)) != o.Data.([]float32)[e] {
					t.Errorf("%s output %d[%d] = %v, float64 gives %v", op, i, e, o.Float64At(e), w.Float64At(e))
				}
			}
		}
	}
}

// Inputs that inference cannot rule out (unknown shapes) are errors of
// the kernel naming the input.
func TestNormGradKernelErrors(t *testing.T) {
	x := ir.FromSlice([]int{2, 3}, []float64{1, 2, 3, 4, 5, 6})
	for _, c := range []struct {
		op   string
		in   []ir.Data
		want string
	}{
		{"dlc.BatchNormGrad", []ir.Data{x, ir.FromSlice([]int{3, 2}, make([]float64, 6)), ir.FromSlice([]int{3}, make([]float64, 3))}, "dY has shape"},
		{"dlc.BatchNormGrad", []ir.Data{x, x, ir.FromSlice([]int{2}, make([]float64, 2))}, "Scale"},
		{"dlc.LayerNormGrad", []ir.Data{x, x, ir.FromSlice([]int{2}, make([]float64, 2))}, "Scale"},
	} {
		n := &ir.Node{Op: c.op, Attrs: map[string]*ir.Attr{}, Outputs: make([]*ir.Value, 1)}
		n.Def = ir.LookupOp("", c.op)
		if _, err := Lookup(c.op)(nil, n, c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %q", c.op, err, c.want)
		}
	}
}

func shapeLen(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func onesLike(s []int) []float64 {
	v := make([]float64, shapeLen(s))
	for i := range v {
		v[i] = 1
	}
	return v
}

func convertF64(t *ir.Tensor) *ir.Tensor { return ir.FromSlice(t.Shape, t.Float64s()) }
