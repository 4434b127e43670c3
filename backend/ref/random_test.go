package ref

import (
	"math"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestRandomUniformAndNormal(t *testing.T) {
	attrs := map[string]*ir.Attr{"shape": ir.IntsAttr(10, 100), "low": ir.FloatAttr(-2), "high": ir.FloatAttr(-1), "seed": ir.FloatAttr(3)}
	a := sqMust(t, "RandomUniform", attrs).(*ir.Tensor)
	b := sqMust(t, "RandomUniform", attrs).(*ir.Tensor)
	if a.DType != ir.Float32 || !slices.Equal(a.Shape, []int{10, 100}) {
		t.Fatalf("got %s", a)
	}
	for i, v := range a.Data.([]float32) {
		if v < -2 || v >= -1 {
			t.Fatalf("sample %d = %v outside [-2, -1)", i, v)
		}
		if v != b.Data.([]float32)[i] {
			t.Fatal("a seeded node drew different samples on two runs")
		}
	}
	attrs["seed"] = ir.FloatAttr(4)
	if c := sqMust(t, "RandomUniform", attrs).(*ir.Tensor); c.Data.([]float32)[0] == a.Data.([]float32)[0] {
		t.Error("different seeds drew the same first sample")
	}

	like := ir.FromSlice([]int{4000}, make([]float64, 4000))
	n := sqMust(t, "RandomNormalLike", map[string]*ir.Attr{"mean": ir.FloatAttr(5), "scale": ir.FloatAttr(0.5)}, like).(*ir.Tensor)
	if n.DType != ir.Float64 || n.Len() != 4000 {
		t.Fatalf("got %s", n)
	}
	var sum, sq float64
	for _, v := range n.Data.([]float64) {
		sum += v
		sq += v * v
	}
	mean := sum / 4000
	std := math.Sqrt(sq/4000 - mean*mean)
	if math.Abs(mean-5) > 0.05 || math.Abs(std-0.5) > 0.05 {
		t.Errorf("mean %v, std %v; want about 5 and 0.5", mean, std)
	}
	u := sqMust(t, "RandomUniformLike", map[string]*ir.Attr{"dtype": ir.IntAttr(int64(ir.Float16))}, like).(*ir.Tensor)
	if u.DType != ir.Float16 || u.Len() != 4000 {
		t.Fatalf("got %s", u)
	}
	_, err := sqRun(t, "RandomNormal", map[string]*ir.Attr{"shape": ir.IntsAttr(2), "dtype": ir.IntAttr(int64(ir.Int32))}, 1)
	cfErr(t, "int dtype", err, "float")
}

func TestBernoulli(t *testing.T) {
	p := ir.FromSlice([]int{2, 2}, []float32{0, 1, 1, 0})
	out := sqMust(t, "Bernoulli", map[string]*ir.Attr{"dtype": ir.IntAttr(int64(ir.Bool))}, p).(*ir.Tensor)
	if out.DType != ir.Bool {
		t.Fatalf("dtype %s", out.DType)
	}
	cfTensor(t, "certain outcomes", out, []int{2, 2}, 0, 1, 1, 0)
	half := ir.FromSlice([]int{2000}, make([]float64, 2000))
	for i := range half.Data.([]float64) {
		half.Data.([]float64)[i] = 0.25
	}
	draws := sqMust(t, "Bernoulli", nil, half).(*ir.Tensor)
	ones := 0.0
	for _, v := range draws.Data.([]float64) {
		if v != 0 && v != 1 {
			t.Fatalf("draw %v is not 0 or 1", v)
		}
		ones += v
	}
	if frac := ones / 2000; math.Abs(frac-0.25) > 0.05 {
		t.Errorf("fraction of ones %v, want about 0.25", frac)
	}
	_, err := sqRun(t, "Bernoulli", nil, 1, ir.FromSlice([]int{1}, []float32{1.5}))
	cfErr(t, "p > 1", err, "outside [0, 1]")
}
