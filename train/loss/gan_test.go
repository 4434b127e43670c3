package loss

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func generatorOf(l GANGenerator) buildFn {
	return func(g *ir.Graph, in []*ir.Value, fresh func(string) string) (*ir.Value, error) {
		return l.AppendFake(g, in[0], fresh)
	}
}

func mean(xs []float64, f func(float64) float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += f(x)
	}
	return s / float64(len(xs))
}

// bceTo is the textbook binary cross-entropy of sigmoid(x) against a
// hard label; the inputs are kept moderate so it is accurate.
func bceTo(label float64) func(float64) float64 {
	return func(x float64) float64 {
		sig := 1 / (1 + math.Exp(-x))
		if label == 1 {
			return -math.Log(sig)
		}
		return -math.Log(1 - sig)
	}
}

func refGenerator(fake []float64, k GANKind) float64 {
	if k == Hinge {
		return -mean(fake, func(x float64) float64 { return x })
	}
	return mean(fake, bceTo(1))
}

func refDiscriminator(real, fake []float64, k GANKind) float64 {
	if k == Hinge {
		return mean(real, func(x float64) float64 { return math.Max(1-x, 0) }) +
			mean(fake, func(x float64) float64 { return math.Max(1+x, 0) })
	}
	return mean(real, bceTo(1)) + mean(fake, bceTo(0))
}

func TestGANLosses(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, k := range []GANKind{NonSaturating, Hinge} {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%d/%s", k, dt), func(t *testing.T) {
				real := roundTo(dt, randn(r, 6, 2))
				fake := roundTo(dt, randn(r, 8, 2))
				realT, fakeT := tensorOf(dt, []int{6, 1}, real), tensorOf(dt, []int{2, 1, 2, 2}, fake)
				if got, want := runScalar(t, generatorOf(GANGenerator{Kind: k}), fakeT), refGenerator(fake, k); !close(got, want, tolFor(dt)) {
					t.Errorf("generator loss %v, want %v", got, want)
				}
				if got, want := runScalar(t, pairOf(GANDiscriminator{Kind: k}), realT, fakeT), refDiscriminator(real, fake, k); !close(got, want, tolFor(dt)) {
					t.Errorf("discriminator loss %v, want %v", got, want)
				}
			})
		}
	}
}

// TestGANLossesAreStable feeds logits where e^x overflows: the losses
// must stay finite and match their asymptotes.
func TestGANLossesAreStable(t *testing.T) {
	for _, dt := range dtypes {
		x := tensorOf(dt, []int{2}, []float64{800, -800})
		if got := runScalar(t, generatorOf(GANGenerator{}), x); !close(got, 400, tolFor(dt)) {
			t.Errorf("%s: generator loss %v, want 400", dt, got)
		}
		if got := runScalar(t, pairOf(GANDiscriminator{}), x, x); !close(got, 800, tolFor(dt)) {
			t.Errorf("%s: discriminator loss %v, want 800", dt, got)
		}
	}
}

func TestGANGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for _, k := range []GANKind{NonSaturating, Hinge} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			checkGrads(t, generatorOf(GANGenerator{Kind: k}), ir.FromSlice([]int{5, 1}, randn(r, 5, 2)))
			checkGrads(t, pairOf(GANDiscriminator{Kind: k}), ir.FromSlice([]int{5, 1}, randn(r, 5, 2)), ir.FromSlice([]int{3}, randn(r, 3, 2)))
		})
	}
}

func TestGANBadInputsAreErrors(t *testing.T) {
	g := ir.NewGraph("g")
	f32 := g.AddInput("f32", ir.TensorType(ir.Float32, ir.ShapeOf(4, 1)))
	f64 := g.AddInput("f64", ir.TensorType(ir.Float64, ir.ShapeOf(4)))
	ints := g.AddInput("ints", ir.TensorType(ir.Int32, ir.ShapeOf(4)))
	gen := func(l GANGenerator, x *ir.Value) func() (*ir.Value, error) {
		return func() (*ir.Value, error) { return l.AppendFake(g, x, namer()) }
	}
	checkBad(t, []badCase{
		{"generator ints", gen(GANGenerator{}, ints), `fake logits "ints" must be a float tensor`},
		{"generator missing", gen(GANGenerator{}, nil), "fake logits is missing"},
		{"generator kind", gen(GANGenerator{Kind: 4}, f32), "unknown kind 4"},
		{"discriminator dtypes", pairCall(g, GANDiscriminator{}, f32, f64), `fake logits "f64" are f64[4], real logits "f32" are f32[4,1]: dtypes differ`},
		{"discriminator ints", pairCall(g, GANDiscriminator{}, ints, f32), `real logits "ints"`},
		{"discriminator missing", pairCall(g, GANDiscriminator{}, f32, nil), "fake logits is missing"},
		{"discriminator kind", pairCall(g, GANDiscriminator{Kind: 4}, f32, f32), "unknown kind 4"},
	})
}
