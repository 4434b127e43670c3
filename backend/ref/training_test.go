package ref

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func trRun(t *testing.T, op string, attrs map[string]*ir.Attr, nOut int, in ...ir.Data) []ir.Data {
	t.Helper()
	g := ir.NewGraph("test")
	var vals []*ir.Value
	for i, d := range in {
		x := d.(*ir.Tensor)
		vals = append(vals, g.AddInput(string(rune('A'+i)), ir.TensorType(x.DType, ir.ShapeOf(x.Shape...))))
	}
	outs := make([]string, nOut)
	for i := range outs {
		outs[i] = string(rune('a' + i))
	}
	n := cfNode(t, g, ir.NodeSpec{Op: op, Domain: ir.TrainingDomain, Inputs: vals, Outputs: outs, Attrs: attrs})
	for i, v := range n.Outputs {
		// Every test tensor is f64[1], so every output must infer so.
		if !v.Type.Equal(ir.TensorType(ir.Float64, ir.ShapeOf(1))) {
			t.Errorf("output %d inferred as %s", i, v.Type)
		}
	}
	g.Outputs = n.Outputs
	res, err := cfRun(t, g, in...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return res
}

func trNear(t *testing.T, what string, d ir.Data, want float64) {
	t.Helper()
	if got := d.(*ir.Tensor).Float64At(0); math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func trF(v float64) *ir.Tensor { return ir.FromSlice([]int{1}, []float64{v}) }

func TestAdagrad(t *testing.T) {
	attrs := map[string]*ir.Attr{"decay_factor": ir.FloatAttr(0.5), "epsilon": ir.FloatAttr(0)}
	// r = 0.1/(1+1*0.5); H' = 0 + 2² = 4; X' = 1 - r*2/2.
	res := trRun(t, "Adagrad", attrs, 2, ir.Scalar(0.1), ir.Scalar(int64(1)), trF(1), trF(2), trF(0))
	trNear(t, "X'", res[0], 1-0.1/1.5)
	trNear(t, "H'", res[1], 4)
}

func TestMomentum(t *testing.T) {
	attrs := func(mode string) map[string]*ir.Attr {
		return map[string]*ir.Attr{"alpha": ir.FloatAttr(0.5), "beta": ir.FloatAttr(0.25),
			"mode": ir.StringAttr(mode), "norm_coefficient": ir.FloatAttr(0)}
	}
	// V' = 0.5*1 + 0.25*2 = 1; standard X' = 1 - 0.1*1.
	res := trRun(t, "Momentum", attrs("standard"), 2, ir.Scalar(0.1), ir.Scalar(int64(1)), trF(1), trF(2), trF(1))
	trNear(t, "X'", res[0], 0.9)
	trNear(t, "V'", res[1], 1)
	// Nesterov: X' = 1 - 0.1*(2 + 0.5*1).
	res = trRun(t, "Momentum", attrs("nesterov"), 2, ir.Scalar(0.1), ir.Scalar(int64(1)), trF(1), trF(2), trF(1))
	trNear(t, "nesterov X'", res[0], 0.75)
	// At T = 0 the whole gradient enters: V' = 0.5 + 2.
	res = trRun(t, "Momentum", attrs("standard"), 2, ir.Scalar(0.1), ir.Scalar(int64(0)), trF(1), trF(2), trF(1))
	trNear(t, "first V'", res[1], 2.5)
}

func TestAdamTwoTensors(t *testing.T) {
	attrs := map[string]*ir.Attr{"alpha": ir.FloatAttr(0.5), "beta": ir.FloatAttr(0.75), "epsilon": ir.FloatAttr(0),
		"norm_coefficient_post": ir.FloatAttr(0.5)}
	r, step := ir.Scalar(0.1), ir.Scalar(int64(1))
	// Tensor 1: g = 2, V' = 1, H' = 0.25*4 = 1; rate = 0.1*sqrt(0.25)/0.5
	// = 0.1; X' = 0.5*(1 - 0.1*1/1) = 0.45. Tensor 2 has zero gradient
	// and state: only the post scaling acts.
	res := trRun(t, "Adam", attrs, 6, r, step, trF(1), trF(3), trF(2), trF(0), trF(0), trF(0), trF(0), trF(0))
	trNear(t, "X1'", res[0], 0.45)
	trNear(t, "X2'", res[1], 1.5)
	trNear(t, "V1'", res[2], 1)
	trNear(t, "H1'", res[4], 1)

	g := ir.NewGraph("bad")
	var vals []*ir.Value
	for i := 0; i < 7; i++ {
		vals = append(vals, g.AddInput(string(rune('a'+i)), ir.TensorType(ir.Float32, ir.ShapeOf(1))))
	}
	_, err := g.AddNode(ir.NodeSpec{Op: "Adam", Domain: ir.TrainingDomain, Inputs: vals, Outputs: []string{"x", "v", "h"}})
	cfErr(t, "5 tensors in 4 groups", err, "groups")
}
