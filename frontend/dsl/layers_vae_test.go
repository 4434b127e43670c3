package dsl

import (
	"math"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// TestGaussianSample checks the Train graph of a tiny VAE-like model
// against the formulas: z = mu + exp(logvar/2)·eps, and the KL output
// −β/2·mean_batch Σ(1 + logvar − mu² − exp(logvar)); in Eval z = mu.
func TestGaussianSample(t *testing.T) {
	def := New("s", []int{4}, func(x *Value) *Value {
		parts := SplitLast(x, 2, 2)
		return GaussianSample(parts[0], parts[1], 0.5, Name("sample"))
	})
	def.DType = ir.Float64
	m, err := def.Build(1)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.AuxLosses(); !slices.Equal(got, []string{"sample.kl"}) {
		t.Fatalf("aux losses %v", got)
	}
	masks := m.Masks()
	if len(masks) != 1 || !masks[0].Normal || masks[0].Input != "sample.eps" {
		t.Fatalf("masks %+v", masks)
	}
	g, err := m.Graph(Train, 2)
	if err != nil {
		t.Fatal(err)
	}
	s, err := runtime.New(g, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.3, -1, 0.2, -0.4, 1.5, 0.5, -0.3, 0.1}
	eps := []float64{0.7, -1.2, 0.05, 2}
	outs, err := s.Run(map[string]ir.Data{"input": ir.FromSlice([]int{2, 4}, x), "sample.eps": ir.FromSlice([]int{2, 2}, eps)})
	if err != nil {
		t.Fatal(err)
	}
	z := outs[0].(*ir.Tensor).Float64s()
	var kl float64
	for n := range 2 {
		for j := range 2 {
			mu, lv := x[n*4+j], x[n*4+2+j]
			want := mu + math.Exp(lv/2)*eps[n*2+j]
			if math.Abs(z[n*2+j]-want) > 1e-12 {
				t.Errorf("z[%d,%d] = %v, want %v", n, j, z[n*2+j], want)
			}
			kl += 1 + lv - mu*mu - math.Exp(lv)
		}
	}
	kl *= -0.5 * 0.5 / 2
	if got := outs[len(outs)-1].(*ir.Tensor).Float64At(0); math.Abs(got-kl) > 1e-12 {
		t.Errorf("KL output %v, want %v", got, kl)
	}
	ge, err := m.Graph(Eval, 2)
	if err != nil {
		t.Fatal(err)
	}
	se, err := runtime.New(ge, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	outs, err = se.Run(map[string]ir.Data{"input": ir.FromSlice([]int{2, 4}, x)})
	if err != nil {
		t.Fatal(err)
	}
	if z := outs[0].(*ir.Tensor).Float64s(); z[0] != x[0] || z[3] != x[5] {
		t.Errorf("Eval z = %v, want the means", z)
	}
}

// TestVAEDecoderSharesNames: every decoder parameter is a parameter of the
// VAE of the same shape, so trained values carry over by name.
func TestVAEDecoderSharesNames(t *testing.T) {
	vd, err := VAE(8, 1)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vd.Build(1)
	if err != nil {
		t.Fatal(err)
	}
	dd, err := VAEDecoder(8)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dd.Build(2)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.OutputShape(); !slices.Equal(got, []int{1, 28, 28}) {
		t.Errorf("VAE output %v", got)
	}
	for _, p := range d.Params() {
		w, err := v.Param(p.Name)
		if err != nil || !slices.Equal(w.Shape, p.Value.Shape) {
			t.Errorf("decoder parameter %s %v has no match in the VAE (%v)", p.Name, p.Value.Shape, err)
		}
	}
}
