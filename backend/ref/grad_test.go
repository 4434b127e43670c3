package ref

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// The gradient kernels are checked by their adjoint identity: Conv is
// linear in W, AveragePool in X, and MaxPool is X read at fixed positions,
// so for every dY, sum(dY·op(X, W)) = sum(W·dW) (resp. sum(X·dX)). The
// finite-difference checks in train/autodiff test the same kernels through
// the gradient rules.

func rand64(r *rand.Rand, shape ...int) *ir.Tensor {
	t := ir.Zeros(ir.Float64, shape)
	for i := range t.Len() {
		t.SetFloat64At(i, 2*r.Float64()-1)
	}
	return t
}

func dot64(a, b *ir.Tensor) float64 {
	s := 0.0
	for i := range a.Len() {
		s += a.Float64At(i) * b.Float64At(i)
	}
	return s
}

func plusAttrs(base map[string]*ir.Attr, kv ...any) map[string]*ir.Attr {
	m := map[string]*ir.Attr{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(*ir.Attr)
	}
	return m
}

func TestConvGradWeightIsAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		x, w  []int
		attrs map[string]*ir.Attr
	}{
		{[]int{2, 3, 5, 5}, []int{4, 3, 3, 3}, nil},
		{[]int{1, 4, 7, 6}, []int{6, 2, 2, 3}, map[string]*ir.Attr{"group": ir.IntAttr(2), "strides": ir.IntsAttr(2, 1), "pads": ir.IntsAttr(1, 0, 2, 1)}},
		{[]int{2, 2, 9}, []int{3, 2, 3}, map[string]*ir.Attr{"dilations": ir.IntsAttr(2), "strides": ir.IntsAttr(2)}},
		{[]int{1, 2, 4, 3, 5}, []int{2, 1, 2, 2, 3}, map[string]*ir.Attr{"group": ir.IntAttr(2), "auto_pad": ir.StringAttr("SAME_LOWER")}},
	}
	for ci, c := range cases {
		x, w := rand64(r, c.x...), rand64(r, c.w...)
		res, err := runOp(t, "Conv", c.attrs, []string{"y"}, x, w)
		if err != nil {
			t.Fatal(err)
		}
		y := res[0].(*ir.Tensor)
		dy := rand64(r, y.Shape...)
		k := make([]int64, len(c.w)-2)
		for i := range k {
			k[i] = int64(c.w[i+2])
		}
		res, err = runOp(t, "dlc.ConvGradWeight", plusAttrs(c.attrs, "kernel_shape", ir.IntsAttr(k...)), []string{"dw"}, x, dy)
		if err != nil {
			t.Fatal(err)
		}
		if lhs, rhs := dot64(dy, y), dot64(w, res[0].(*ir.Tensor)); math.Abs(lhs-rhs) > 1e-9*math.Max(1, math.Abs(lhs)) {
			t.Errorf("case %d (x %v, w %v): <dY, Conv(X, W)> = %v, <W, dW> = %v", ci, c.x, c.w, lhs, rhs)
		}
	}
}

func TestPoolGradIsAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	k2 := ir.IntsAttr(3, 2)
	cases := []struct {
		x     []int
		attrs map[string]*ir.Attr
	}{
		{[]int{2, 2, 5, 5}, map[string]*ir.Attr{"kernel_shape": ir.IntsAttr(2, 2)}},
		{[]int{1, 3, 6, 7}, map[string]*ir.Attr{"kernel_shape": k2, "strides": ir.IntsAttr(2, 2), "pads": ir.IntsAttr(1, 0, 1, 1)}},
		{[]int{1, 1, 7, 6}, map[string]*ir.Attr{"kernel_shape": k2, "strides": ir.IntsAttr(2, 2), "ceil_mode": ir.IntAttr(1), "dilations": ir.IntsAttr(2, 1)}},
		{[]int{2, 2, 9}, map[string]*ir.Attr{"kernel_shape": ir.IntsAttr(3), "strides": ir.IntsAttr(2), "auto_pad": ir.StringAttr("SAME_UPPER")}},
		{[]int{1, 2, 3, 4, 4}, map[string]*ir.Attr{"kernel_shape": ir.IntsAttr(2, 2, 3), "pads": ir.IntsAttr(1, 0, 1, 0, 1, 1)}},
	}
	for ci, c := range cases {
		x := rand64(r, c.x...)
		for _, p := range []struct {
			op    string
			attrs map[string]*ir.Attr
		}{
			{"MaxPool", c.attrs},
			{"AveragePool", c.attrs},
			{"AveragePool", plusAttrs(c.attrs, "count_include_pad", ir.IntAttr(1))},
		} {
			res, err := runOp(t, p.op, p.attrs, []string{"y"}, x)
			if err != nil {
				t.Fatal(err)
			}
			y := res[0].(*ir.Tensor)
			dy := rand64(r, y.Shape...)
			res, err = runOp(t, "dlc."+p.op+"Grad", p.attrs, []string{"dx"}, x, dy)
			if err != nil {
				t.Fatal(err)
			}
			if lhs, rhs := dot64(dy, y), dot64(x, res[0].(*ir.Tensor)); math.Abs(lhs-rhs) > 1e-9*math.Max(1, math.Abs(lhs)) {
				t.Errorf("case %d, %s (count_include_pad set: %v): <dY, Y> = %v, <X, dX> = %v", ci, p.op, p.attrs["count_include_pad"] != nil, lhs, rhs)
			}
		}
	}
}

// A dY that does not match the window's output is rejected when the node
// is built.
func TestGradOpsRejectMismatchedDY(t *testing.T) {
	x := ir.Zeros(ir.Float64, []int{1, 2, 5, 5})
	k := map[string]*ir.Attr{"kernel_shape": ir.IntsAttr(2, 2)}
	for _, op := range []string{"dlc.ConvGradWeight", "dlc.MaxPoolGrad", "dlc.AveragePoolGrad"} {
		if _, err := runOp(t, op, k, []string{"d"}, x, ir.Zeros(ir.Float64, []int{1, 2, 3, 4})); err == nil {
			t.Errorf("%s: no error for dY [1 2 3 4] against a 4x4 window output", op)
		}
	}
	if _, err := runOp(t, "dlc.ConvGradWeight", plusAttrs(k, "group", ir.IntAttr(2)), []string{"d"}, x, ir.Zeros(ir.Float64, []int{1, 3, 4, 4})); err == nil {
		t.Error("ConvGradWeight: no error for 3 output channels in 2 groups")
	}
}
