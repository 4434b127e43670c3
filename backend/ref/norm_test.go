package ref

import (
	"math"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// nrmRun builds a one-node graph of op over the given inputs (nil for an
// omitted one) with nOut outputs, and runs the op's kernel. A node that
// its declaration rejects is an error like a kernel's. The helpers
// here serve the tests of the norm, softmax, loss, einsum, det,
// gridsample, roialign and nms kernels.
func nrmRun(t *testing.T, op string, attrs map[string]*ir.Attr, nOut int, in ...*ir.Tensor) ([]ir.Data, error) {
	t.Helper()
	return runOp(t, op, attrs, outNames(nOut), tensorsData(in)...)
}

// nrmMust is nrmRun that fails the test on a kernel error.
func nrmMust(t *testing.T, op string, attrs map[string]*ir.Attr, nOut int, in ...*ir.Tensor) []*ir.Tensor {
	t.Helper()
	out, err := nrmRun(t, op, attrs, nOut, in...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	ts := make([]*ir.Tensor, len(out))
	for i, d := range out {
		if d != nil {
			ts[i] = d.(*ir.Tensor)
		}
	}
	return ts
}

// nrmCheck compares a tensor's shape and values (as float64, within tol).
func nrmCheck(t *testing.T, what string, got *ir.Tensor, shape []int, want ...float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: missing output", what)
	}
	if !slices.Equal(got.Shape, shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, shape)
	}
	vals := got.Float64s()
	if len(vals) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(vals), len(want))
	}
	for i := range want {
		if math.Abs(vals[i]-want[i]) > 1e-4*(1+math.Abs(want[i])) || math.IsNaN(vals[i]) != math.IsNaN(want[i]) {
			t.Fatalf("%s: got %v, want %v", what, vals, want)
		}
	}
}

func nrmF32(shape []int, v ...float32) *ir.Tensor { return ir.FromSlice(shape, v) }

func TestBatchNormInference(t *testing.T) {
	x := nrmF32([]int{1, 2, 1, 2}, 1, 2, 3, 4)
	out := nrmMust(t, "BatchNormalization", map[string]*ir.Attr{"epsilon": ir.FloatAttr(0)}, 1,
		x, nrmF32([]int{2}, 1, 2), nrmF32([]int{2}, 0, 1), nrmF32([]int{2}, 1, 3), nrmF32([]int{2}, 4, 1))
	nrmCheck(t, "Y", out[0], []int{1, 2, 1, 2}, 0, 0.5, 1, 3)
}

func TestBatchNormTraining(t *testing.T) {
	x := nrmF32([]int{2, 1}, 1, 3)
	one, zero := nrmF32([]int{1}, 1), nrmF32([]int{1}, 0)
	out := nrmMust(t, "BatchNormalization", map[string]*ir.Attr{"epsilon": ir.FloatAttr(0),
		"training_mode": ir.IntAttr(1)}, 3, x, one, zero, zero, one)
	nrmCheck(t, "Y", out[0], []int{2, 1}, -1, 1)
	// running = input*0.9 + batch*0.1; the batch mean is 2, variance 1.
	nrmCheck(t, "running_mean", out[1], []int{1}, 0.2)
	nrmCheck(t, "running_var", out[2], []int{1}, 1)
}

func TestBatchNormBadParam(t *testing.T) {
	x := nrmF32([]int{1, 2}, 1, 2)
	p := nrmF32([]int{3}, 1, 1, 1)
	if _, err := nrmRun(t, "BatchNormalization", nil, 1, x, p, p, p, p); err == nil {
		t.Fatal("want an error for 3 scale values on 2 channels")
	}
}

func TestInstanceNorm(t *testing.T) {
	x := nrmF32([]int{1, 2, 2}, 1, 3, 5, 5)
	out := nrmMust(t, "InstanceNormalization", nil, 1, x, nrmF32([]int{2}, 2, 1), nrmF32([]int{2}, 0, 7))
	s := 1 / math.Sqrt(1+1e-5)
	nrmCheck(t, "Y", out[0], []int{1, 2, 2}, -2*s, 2*s, 7, 7)
}

func TestLayerNorm(t *testing.T) {
	x := nrmF32([]int{2, 2}, 1, 3, 2, 2)
	out := nrmMust(t, "LayerNormalization", nil, 3, x, nrmF32([]int{2}, 1, 2), nrmF32([]int{2}, 0, 1))
	s := 1 / math.Sqrt(1+1e-5)
	nrmCheck(t, "Y", out[0], []int{2, 2}, -s, 2*s+1, 0, 1)
	nrmCheck(t, "Mean", out[1], []int{2, 1}, 2, 2)
	nrmCheck(t, "InvStdDev", out[2], []int{2, 1}, s, 1/math.Sqrt(1e-5))
	if out[1].DType != ir.Float32 {
		t.Fatalf("Mean dtype %s, want f32 (stash_type 1)", out[1].DType)
	}
	// axis 0 normalizes over everything; a scalar Scale broadcasts.
	out = nrmMust(t, "LayerNormalization", map[string]*ir.Attr{"axis": ir.IntAttr(0), "epsilon": ir.FloatAttr(0)}, 1,
		x, nrmF32(nil, 1))
	r := 1 / math.Sqrt(0.5)
	nrmCheck(t, "Y axis 0", out[0], []int{2, 2}, -r, r, 0, 0)
	if _, err := nrmRun(t, "LayerNormalization", nil, 1, x, nrmF32([]int{3}, 1, 1, 1)); err == nil {
		t.Fatal("want an error for a Scale of 3 on a normalized shape [2]")
	}
}

func TestGroupNorm(t *testing.T) {
	x := nrmF32([]int{1, 4, 1}, 1, 3, 10, 20)
	out := nrmMust(t, "GroupNormalization", map[string]*ir.Attr{"num_groups": ir.IntAttr(2), "epsilon": ir.FloatAttr(0)}, 1,
		x, nrmF32([]int{4}, 1, 1, 2, 2), nrmF32([]int{4}, 0, 0, 0, 1))
	nrmCheck(t, "Y", out[0], []int{1, 4, 1}, -1, 1, -2, 3)
	if _, err := nrmRun(t, "GroupNormalization", map[string]*ir.Attr{"num_groups": ir.IntAttr(3)}, 1,
		x, nrmF32([]int{4}, 1, 1, 1, 1), nrmF32([]int{4}, 0, 0, 0, 0)); err == nil {
		t.Fatal("want an error for 3 groups of 4 channels")
	}
}

func TestMeanVarianceNormalization(t *testing.T) {
	x := nrmF32([]int{1, 2, 1, 2}, 1, 3, 5, 5)
	out := nrmMust(t, "MeanVarianceNormalization", nil, 1, x)
	nrmCheck(t, "Y", out[0], []int{1, 2, 1, 2}, -1, 1, 0, 0)
	out = nrmMust(t, "MeanVarianceNormalization", map[string]*ir.Attr{"axes": ir.IntsAttr(-1)}, 1,
		ir.FromSlice([]int{2, 2}, []float64{0, 4, 1, 1}))
	nrmCheck(t, "Y axes -1", out[0], []int{2, 2}, -1, 1, 0, 0)
}

func TestLRN(t *testing.T) {
	x := nrmF32([]int{1, 3, 1, 1}, 1, 2, 3)
	// alpha/size = 1, so Y = X/(1+sum of squares of the window).
	out := nrmMust(t, "LRN", map[string]*ir.Attr{"size": ir.IntAttr(3), "alpha": ir.FloatAttr(3), "beta": ir.FloatAttr(1)}, 1, x)
	nrmCheck(t, "size 3", out[0], []int{1, 3, 1, 1}, 1.0/6, 2.0/15, 3.0/14)
	// An even size reaches one channel further up than down.
	out = nrmMust(t, "LRN", map[string]*ir.Attr{"size": ir.IntAttr(2), "alpha": ir.FloatAttr(2), "beta": ir.FloatAttr(1)}, 1, x)
	nrmCheck(t, "size 2", out[0], []int{1, 3, 1, 1}, 1.0/6, 2.0/14, 3.0/10)
}

func TestDropout(t *testing.T) {
	x := nrmF32([]int{3}, 1, 2, 3)
	// Inference: identity, all-true mask.
	out := nrmMust(t, "Dropout", nil, 2, x)
	nrmCheck(t, "inference", out[0], []int{3}, 1, 2, 3)
	nrmCheck(t, "inference mask", out[1], []int{3}, 1, 1, 1)
	if out[1].DType != ir.Bool {
		t.Fatalf("mask dtype %s, want bool", out[1].DType)
	}
	yes := ir.Scalar(true)
	out = nrmMust(t, "Dropout", nil, 2, x, nrmF32(nil, 0), yes)
	nrmCheck(t, "ratio 0", out[0], []int{3}, 1, 2, 3)
	// numpy.random.seed(0); uniform(size=3) = .5488, .7152, .6028: with
	// ratio .6 the first is dropped, the others scaled by 2.5.
	out = nrmMust(t, "Dropout", map[string]*ir.Attr{"seed": ir.IntAttr(0)}, 2, x, nrmF32(nil, 0.6), yes)
	nrmCheck(t, "seeded", out[0], []int{3}, 0, 5, 7.5)
	nrmCheck(t, "seeded mask", out[1], []int{3}, 0, 1, 1)
	if _, err := nrmRun(t, "Dropout", nil, 1, x, nrmF32(nil, 1.5), yes); err == nil {
		t.Fatal("want an error for ratio 1.5")
	}
}

// TestNumpyMT checks the generator against numpy: np.random.seed(5);
// np.random.uniform(size=700) at 0, 623, 624 (after a state refill), 699.
func TestNumpyMT(t *testing.T) {
	m := newNumpyMT(5)
	want := map[int]float64{0: 0.22199317108973948, 623: 0.6146949375583336, 624: 0.21281212452735265, 699: 0.7464423502866897}
	for i := range 700 {
		v := m.float64()
		if w, ok := want[i]; ok && v != w {
			t.Fatalf("draw %d = %v, numpy gives %v", i, v, w)
		}
	}
}
