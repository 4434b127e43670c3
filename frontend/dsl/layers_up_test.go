package dsl

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// ConvTranspose2D computes the sum of its definition, each input element
// times the kernel placed at stride·position - padding, with groups,
// dilation and output padding.
func TestConvTranspose2DValues(t *testing.T) {
	const C, H, W, F, K, S, P, D, OP, G = 4, 3, 2, 6, 3, 2, 1, 1, 1, 2
	m := f64Model(t, "deconv", []int{C, H, W}, 9, func(x *Value) *Value {
		return ConvTranspose2D(F, K, Stride(S), Padding(PadN(P)), OutputPadding(OP), Groups(G)).Apply(x)
	})
	oh, ow := (H-1)*S-2*P+D*(K-1)+OP+1, (W-1)*S-2*P+D*(K-1)+OP+1
	if got := m.OutputShape(); got[0] != F || got[1] != oh || got[2] != ow {
		t.Fatalf("output shape %v, want [%d %d %d]", got, F, oh, ow)
	}
	if got, want := m.NumParams(), C*(F/G)*K*K+F; got != want {
		t.Errorf("%d parameters, want %d", got, want)
	}
	x := randomInput(m, 2, rand.New(rand.NewPCG(9, 1)))
	y := evalOutput(t, m, x)
	w, bias := param(t, m, "conv_transpose2d_1.weight"), param(t, m, "conv_transpose2d_1.bias")
	for n := range 2 {
		want := make([]float64, F*oh*ow)
		for f := range F {
			for i := range oh * ow {
				want[f*oh*ow+i] = bias[f]
			}
		}
		for c := range C {
			g := c / (C / G)
			for fl := range F / G {
				f := g*(F/G) + fl
				for ih := range H {
					for iw := range W {
						for kh := range K {
							for kw := range K {
								r, q := ih*S+kh*D-P, iw*S+kw*D-P
								if r < 0 || r >= oh || q < 0 || q >= ow {
									continue
								}
								want[(f*oh+r)*ow+q] += x.Float64At(((n*C+c)*H+ih)*W+iw) * w[((c*(F/G)+fl)*K+kh)*K+kw]
							}
						}
					}
				}
			}
		}
		for i, v := range want {
			if got := y.Float64At(n*F*oh*ow + i); math.Abs(got-v) > 1e-12 {
				t.Fatalf("output[%d][%d] = %v, want %v", n, i, got, v)
			}
		}
	}
}

// Upsample by 2: nearest repeats each element 2×2; linear weighs the
// neighbours (1, 0), (3/4, 1/4), (1/4, 3/4), (0, 1) along each axis, as
// PyTorch's bilinear with align_corners=False does on a 2-element axis.
func TestUpsampleValues(t *testing.T) {
	for _, mode := range []string{"nearest", "linear"} {
		m := f64Model(t, "up", []int{1, 2, 2}, 1, func(x *Value) *Value { return Upsample(2, mode).Apply(x) })
		x := randomInput(m, 1, rand.New(rand.NewPCG(1, 1)))
		y := evalOutput(t, m, x)
		wts := [4][2]float64{{1, 0}, {1, 0}, {0, 1}, {0, 1}}
		if mode == "linear" {
			wts = [4][2]float64{{1, 0}, {0.75, 0.25}, {0.25, 0.75}, {0, 1}}
		}
		for r := range 4 {
			for c := range 4 {
				want := 0.0
				for i := range 2 {
					for j := range 2 {
						want += wts[r][i] * wts[c][j] * x.Float64At(i*2+j)
					}
				}
				if got := y.Float64At(r*4 + c); math.Abs(got-want) > 1e-12 {
					t.Fatalf("%s: output[%d][%d] = %v, want %v", mode, r, c, got, want)
				}
			}
		}
	}
}

// Settings that do not apply are errors naming the layer.
func TestUpsamplingErrors(t *testing.T) {
	for _, c := range []struct {
		l    Layer
		want string
	}{
		{Upsample(2, "cubic"), "mode"},
		{Upsample(0.1, "nearest"), "scale"},
		{Upsample(2, "linear", Stride(2)), "stride"},
		{ConvTranspose2D(2, 3, Padding(Same)), "padding same"},
		{ConvTranspose2D(2, 3, Stride(2), OutputPadding(2)), "output padding"},
		{ConvTranspose2D(3, 3, Groups(2)), "groups"},
	} {
		_, err := Sequential("bad", []int{2, 3, 3}, c.l).Build(1)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want one containing %q", err, c.want)
		}
	}
}
