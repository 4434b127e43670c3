package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Forward ops that training graphs add: comparisons (ReLU masks, one-hot
// targets), SoftmaxCrossEntropyLoss and BatchNormalization in training
// mode.

func TestCompareMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	f := randTensor(rng, 3, 5, 7)
	fs := f.Data.([]float32)
	nan := float32(math.NaN())
	fs[0], fs[1], fs[2], fs[3] = nan, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1))
	g := randTensor(rng, 3, 5, 7)
	g.Data.([]float32)[0], g.Data.([]float32)[1] = 0, 0
	big, big2 := randTensor(rng, 3, 65537), randTensor(rng, 3, 65537) // rows split over threads
	i64 := func(shape []int, v ...int64) *ir.Tensor { return ir.FromSlice(shape, v) }
	labels := i64([]int{6, 1}, 3, 0, 9, 2, 2, 7)
	classes := i64([]int{10}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	for _, op := range []string{"Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual"} {
		for _, in := range [][]*ir.Tensor{
			{f, g}, {f, ir.FromSlice([]int{}, []float32{0})}, {ir.FromSlice([]int{1}, []float32{0}), f}, {big, ir.FromSlice([]int{}, []float32{0})}, {big, big2},
			{f, randTensor(rng, 5, 1)}, {f, f}, {labels, classes}, {classes, i64([]int{}, 4)},
		} {
			rc := refCase{Op: op, Inputs: in}
			t.Run(fmt.Sprintf("%s%s", op, describeInputs(in)), func(t *testing.T) { checkElem(t, rc) })
		}
	}
}

func TestSCELossMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, c := range []struct {
		n, classes int
		reduction  string
		ignore     bool
		weight     bool
		logProb    bool
		int32s     bool
	}{
		{n: 64, classes: 10, reduction: "mean"}, {n: 7, classes: 3, reduction: "sum", logProb: true},
		{n: 5, classes: 11, reduction: "none", weight: true}, {n: 9, classes: 4, reduction: "mean", ignore: true, weight: true, logProb: true},
		{n: 1, classes: 1, reduction: "mean", int32s: true},
	} {
		x := randTensor(rng, c.n, c.classes)
		for i, v := range x.Data.([]float32) {
			x.Data.([]float32)[i] = v * 8
		}
		tgt := make([]int64, c.n)
		for i := range tgt {
			tgt[i] = int64(rng.IntN(c.classes))
		}
		if c.ignore {
			tgt[0], tgt[c.n-1] = 2, 2
		}
		target := ir.FromSlice([]int{c.n}, tgt)
		if c.int32s {
			target = ir.FromSlice([]int{c.n}, []int32{0})
		}
		attrs := map[string]*ir.Attr{"reduction": ir.StringAttr(c.reduction)}
		if c.ignore {
			attrs["ignore_index"] = ir.IntAttr(2)
		}
		in := []*ir.Tensor{x, target}
		if c.weight {
			w := randTensor(rng, c.classes)
			for i, v := range w.Data.([]float32) {
				w.Data.([]float32)[i] = v + 1.5
			}
			in = append(in, w)
		}
		outs := 1
		if c.logProb {
			outs = 2
		}
		rc := refCase{Op: "SoftmaxCrossEntropyLoss", Attrs: attrs, Inputs: in, Outputs: outs, Tol: 1e-5}
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) { checkElem(t, rc) })
	}
}

// TestSCELossBadTarget gives a target outside the classes: the loss is
// NaN, not a panic.
func TestSCELossBadTarget(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	n := buildRefNode(t, refCase{Op: "SoftmaxCrossEntropyLoss", Inputs: []*ir.Tensor{randTensor(rng, 2, 3), ir.FromSlice([]int{2}, []int64{1, 3})}})
	k := Build(n, testEnv())
	if k == nil {
		t.Fatal("no kernel")
	}
	out := newOutputs(t, n)
	k.Run([]*ir.Tensor{randTensor(rng, 2, 3), ir.FromSlice([]int{2}, []int64{1, 3})}, out)
	if v := out[0].Float64At(0); !math.IsNaN(v) {
		t.Errorf("loss with target 3 of 3 classes = %v, want NaN", v)
	}
}

func TestBatchNormTrainMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	for _, shape := range [][]int{{4, 3, 5, 7}, {64, 32, 4, 4}, {3, 5}, {2, 6, 11}, {1, 1, 1, 1}} {
		c := shape[1]
		x := randTensor(rng, shape...)
		for i, v := range x.Data.([]float32) {
			x.Data.([]float32)[i] = 3 + 2*v // an offset mean, as after a conv with bias
		}
		vr := randTensor(rng, c)
		for i, v := range vr.Data.([]float32) {
			vr.Data.([]float32)[i] = v + 1.5
		}
		in := []*ir.Tensor{x, randTensor(rng, c), randTensor(rng, c), randTensor(rng, c), vr}
		for _, outs := range []struct {
			n    int
			omit []int
		}{{1, nil}, {3, nil}, {3, []int{1}}} {
			rc := refCase{Op: "BatchNormalization", Inputs: in, Outputs: outs.n, Omit: outs.omit, Tol: 2e-5,
				Attrs: map[string]*ir.Attr{"training_mode": ir.IntAttr(1), "momentum": ir.FloatAttr(0.8), "epsilon": ir.FloatAttr(1e-3)}}
			t.Run(fmt.Sprintf("%v_outs%d_omit%v", shape, outs.n, outs.omit), func(t *testing.T) { checkElem(t, rc) })
		}
	}
}

// TestWhereMaskMatchesRef covers the contiguous rows of Where as ReLU's
// gradient emits it, Where(X > 0, dY, 0), and with a full Y.
func TestWhereMaskMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(49, 50))
	// {3, 65537}: one row split over the test pool's three threads.
	for _, shape := range [][]int{{2, 3, 5, 7}, {1}, {64, 33}, {3, 65537}} {
		c := make([]bool, product(shape))
		for i := range c {
			c[i] = rng.IntN(3) == 0
		}
		cond := ir.FromSlice(append([]int{}, shape...), c)
		for _, y := range []*ir.Tensor{ir.FromSlice([]int{}, []float32{0}), ir.FromSlice([]int{1}, []float32{-2}), randTensor(rng, shape...)} {
			checkElem(t, refCase{Op: "Where", Inputs: []*ir.Tensor{cond, randTensor(rng, shape...), y}, Tol: 1e-9})
		}
	}
}

// TestReduceChannelMatchesRef covers reductions over every dim but one
// inner run, as BatchNormalization's gradient sums over (0, 2, 3).
func TestReduceChannelMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, c := range []struct {
		shape []int
		axes  []int64
	}{{[]int{4, 3, 5, 7}, []int64{0, 2, 3}}, {[]int{16, 8, 9, 11}, []int64{0, -1, 2}}, {[]int{2, 3, 4, 5}, []int64{0, 1, 3}}, {[]int{3, 1, 2, 1}, []int64{0, 2, 3}}} {
		for _, op := range []string{"ReduceSum", "ReduceMean"} {
			for _, keep := range []int64{0, 1} {
				rc := refCase{Op: op, Attrs: map[string]*ir.Attr{"keepdims": ir.IntAttr(keep)},
					Inputs: []*ir.Tensor{scaled(rng, 3, c.shape...), ir.FromSlice([]int{len(c.axes)}, c.axes)}, Const: []bool{false, true}, Tol: 1e-5}
				if k, ok := Build(buildRefNode(t, rc), testEnv()).(*reduceKernel); !ok || k.channel == nil && c.shape[1] != 1 {
					t.Errorf("%s %v axes %v: not planned as a channel reduction", op, c.shape, c.axes)
				}
				checkElem(t, rc)
			}
		}
	}
}
