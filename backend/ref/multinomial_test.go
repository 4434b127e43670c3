package ref

import (
	"math"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func multAttrs(samples int64, seed float32, dt ir.DType) map[string]*ir.Attr {
	return map[string]*ir.Attr{"sample_size": ir.IntAttr(samples), "seed": ir.FloatAttr(seed),
		"dtype": ir.IntAttr(int64(dt))}
}

// The samples follow softmax of each row: with logits log(p), class
// frequencies over many draws must be close to p. 5 standard deviations
// of a binomial count keeps a correct kernel from failing by chance
// (p < 1e-6 per check) while a wrong distribution (say, p itself taken as
// softmax input) misses by far more.
func TestMultinomialDistribution(t *testing.T) {
	const n = 20000
	probs := [][]float64{{0.1, 0.2, 0.7}, {0.5, 0, 0.5}}
	var logits []float32
	for _, row := range probs {
		for _, p := range row {
			logits = append(logits, float32(math.Log(p))) // log 0 = -Inf: never drawn
		}
	}
	// Adding a constant to a row must not change the distribution.
	for i := 3; i < 6; i++ {
		logits[i] += 40
	}
	x := ir.FromSlice([]int{2, 3}, logits)
	out := xoMust(t, "Multinomial", multAttrs(n, 7, ir.Int64), x)
	if out.DType != ir.Int64 || !slices.Equal(out.Shape, []int{2, n}) {
		t.Fatalf("got %s%v, want int64[2 %d]", out.DType, out.Shape, n)
	}
	for b, row := range probs {
		counts := make([]int, 3)
		for s := range n {
			k := out.Int64At(b*n + s)
			if k < 0 || k > 2 {
				t.Fatalf("row %d sample %d: class %d out of range", b, s, k)
			}
			counts[k]++
		}
		for k, p := range row {
			want := n * p
			sigma := math.Sqrt(n * p * (1 - p))
			if math.Abs(float64(counts[k])-want) > 5*sigma+1e-9 {
				t.Errorf("row %d class %d drawn %d times, want %.0f ± %.0f", b, k, counts[k], want, 5*sigma)
			}
		}
	}
}

func TestMultinomialSeedAndDType(t *testing.T) {
	x := ir.FromSlice([]int{1, 4}, []float64{0, 0, 0, 0})
	a := xoMust(t, "Multinomial", multAttrs(200, 3, ir.Int32), x)
	b := xoMust(t, "Multinomial", multAttrs(200, 3, ir.Int32), x)
	c := xoMust(t, "Multinomial", multAttrs(200, 4, ir.Int32), x)
	if a.DType != ir.Int32 {
		t.Fatalf("dtype %s, want int32", a.DType)
	}
	if !slices.Equal(ir.Values[int32](a), ir.Values[int32](b)) {
		t.Error("the same seed gave different samples")
	}
	// 200 draws from 4 equal classes agree by chance with probability 4^-200.
	if slices.Equal(ir.Values[int32](a), ir.Values[int32](c)) {
		t.Error("seeds 3 and 4 gave the same samples")
	}
	// Default attributes: dtype int32, one sample, unseeded.
	d := xoMust(t, "Multinomial", nil, x)
	if d.DType != ir.Int32 || !slices.Equal(d.Shape, []int{1, 1}) {
		t.Errorf("defaults: got %s%v, want int32[1 1]", d.DType, d.Shape)
	}
	if k := d.Int64At(0); k < 0 || k > 3 {
		t.Errorf("defaults: class %d out of range", k)
	}
	// A single overwhelming logit is always drawn.
	e := xoMust(t, "Multinomial", multAttrs(50, 1, ir.Int64), ir.FromSlice([]int{1, 3}, []float32{-100, 100, -100}))
	for i := range 50 {
		if e.Int64At(i) != 1 {
			t.Fatalf("sample %d = %d, want 1", i, e.Int64At(i))
		}
	}
}

func TestMultinomialErrors(t *testing.T) {
	x := ir.FromSlice([]int{1, 2}, []float32{0, 0})
	xoErr(t, "Multinomial", multAttrs(1, 1, ir.Float32), "int32 or int64", x)
	xoErr(t, "Multinomial", nil, "[batch_size, class_size]", ir.FromSlice([]int{2}, []float32{0, 0}))
	xoErr(t, "Multinomial", nil, "NaN", ir.FromSlice([]int{1, 2}, []float32{0, float32(math.NaN())}))
	xoErr(t, "Multinomial", nil, "no distribution", ir.FromSlice([]int{1, 2}, []float32{float32(math.Inf(-1)), float32(math.Inf(-1))}))
}
