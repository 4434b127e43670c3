package loss

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// refKLRows is KL(N(mu, e^lv) ‖ N(0, 1)) per sample of n rows, written
// as the log-ratio of the densities' closed form rather than the ELBO
// formula the loss uses: log(1/σ) + (σ² + μ²)/2 - 1/2 per element.
func refKLRows(mu, lv []float64, n int) []float64 {
	per := len(mu) / n
	out := make([]float64, n)
	for i := range n {
		for k := range per {
			m, sigma := mu[i*per+k], math.Exp(0.5*lv[i*per+k])
			out[i] += -math.Log(sigma) + (sigma*sigma+m*m)/2 - 0.5
		}
	}
	return out
}

func reduceRows(rows []float64, r Reduction) float64 {
	sum := 0.0
	for _, x := range rows {
		sum += x
	}
	if r == Sum {
		return sum
	}
	return sum / float64(len(rows))
}

func TestGaussianKL(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	shapes := [][]int{{4, 3}, {2, 3, 2, 2}, {5}}
	for _, shape := range shapes {
		for _, red := range []Reduction{Mean, Sum} {
			for _, dt := range dtypes {
				t.Run(fmt.Sprintf("%v/%d/%s", shape, red, dt), func(t *testing.T) {
					n := 1
					for _, d := range shape {
						n *= d
					}
					mu := roundTo(dt, randn(r, n, 1))
					lv := roundTo(dt, randn(r, n, 0.7))
					got := runScalar(t, pairOf(GaussianKL{Reduction: red}), tensorOf(dt, shape, mu), tensorOf(dt, shape, lv))
					if want := reduceRows(refKLRows(mu, lv, shape[0]), red); !close(got, want, tolFor(dt)) {
						t.Errorf("loss %v, want %v", got, want)
					}
				})
			}
		}
	}
}

// TestGaussianKLIsZeroAtThePrior checks the loss vanishes for the prior
// itself and is positive elsewhere.
func TestGaussianKLIsZeroAtThePrior(t *testing.T) {
	zero := make([]float64, 6)
	if got := runScalar(t, pairOf(GaussianKL{}), ir.FromSlice([]int{2, 3}, zero), ir.FromSlice([]int{2, 3}, zero)); got != 0 {
		t.Errorf("KL at the prior is %v, want 0", got)
	}
	mu := []float64{0, 0, 0.1, 0, 0, 0}
	if got := runScalar(t, pairOf(GaussianKL{}), ir.FromSlice([]int{2, 3}, mu), ir.FromSlice([]int{2, 3}, zero)); !(got > 0) {
		t.Errorf("KL off the prior is %v, want > 0", got)
	}
}

func TestReparameterize(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	build := func(g *ir.Graph, in []*ir.Value, fresh func(string) string) (*ir.Value, error) {
		return Reparameterize(g, in[0], in[1], in[2], fresh)
	}
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			sh := []int{3, 4}
			mu, lv, eps := roundTo(dt, randn(r, 12, 1)), roundTo(dt, randn(r, 12, 1)), roundTo(dt, randn(r, 12, 1))
			got := runValue(t, build, tensorOf(dt, sh, mu), tensorOf(dt, sh, lv), tensorOf(dt, sh, eps))
			if len(got.Shape) != 2 || got.Shape[0] != 3 || got.Shape[1] != 4 {
				t.Fatalf("z has shape %v, want [3 4]", got.Shape)
			}
			for i := range mu {
				if want := mu[i] + math.Sqrt(math.Exp(lv[i]))*eps[i]; !close(got.Float64At(i), want, tolFor(dt)) {
					t.Errorf("z[%d] = %v, want %v", i, got.Float64At(i), want)
				}
			}
		})
	}
}

func vaeOf(l VAE, term func(VAETerms) *ir.Value) buildFn {
	return func(g *ir.Graph, in []*ir.Value, fresh func(string) string) (*ir.Value, error) {
		ts, err := l.AppendVAE(g, in[0], in[1], in[2], in[3], fresh)
		if err != nil {
			return nil, err
		}
		return term(ts), nil
	}
}

func total(ts VAETerms) *ir.Value { return ts.Total }

// refVAE returns the reduced reconstruction, KL and total of l.
func refVAE(recon, x, mu, lv []float64, n int, l VAE) (rec, kl, tot float64) {
	beta := 1.0
	if l.Beta != nil {
		beta = *l.Beta
	}
	per := len(x) / n
	recRows := make([]float64, n)
	for i := range n {
		for k := range per {
			z, y := recon[i*per+k], x[i*per+k]
			if l.Recon == SquaredError {
				recRows[i] += (z - y) * (z - y)
			} else {
				sig := 1 / (1 + math.Exp(-z))
				recRows[i] -= y*math.Log(sig) + (1-y)*math.Log(1-sig)
			}
		}
	}
	klRows := refKLRows(mu, lv, n)
	totRows := make([]float64, n)
	for i := range n {
		totRows[i] = recRows[i] + beta*klRows[i]
	}
	return reduceRows(recRows, l.Reduction), reduceRows(klRows, l.Reduction), reduceRows(totRows, l.Reduction)
}

func TestVAE(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	four, zero := 4.0, 0.0
	cases := []VAE{{}, {Recon: SquaredError, Beta: &four}, {Beta: &zero, Reduction: Sum}, {Recon: SquaredError, Reduction: Sum}}
	const n = 3
	xShape, zShape := []int{n, 2, 3}, []int{n, 2}
	for i, l := range cases {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%d/%s", i, dt), func(t *testing.T) {
				recon := roundTo(dt, randn(r, 18, 1.5))
				x := make([]float64, 18)
				for j := range x {
					x[j] = r.Float64()
				}
				x = roundTo(dt, x)
				mu, lv := roundTo(dt, randn(r, 6, 1)), roundTo(dt, randn(r, 6, 0.5))
				ins := []*ir.Tensor{tensorOf(dt, xShape, recon), tensorOf(dt, xShape, x), tensorOf(dt, zShape, mu), tensorOf(dt, zShape, lv)}
				rec, kl, tot := refVAE(recon, x, mu, lv, n, l)
				terms := []struct {
					name string
					pick func(VAETerms) *ir.Value
					want float64
				}{
					{"total", total, tot},
					{"recon", func(ts VAETerms) *ir.Value { return ts.Recon }, rec},
					{"kl", func(ts VAETerms) *ir.Value { return ts.KL }, kl},
				}
				for _, term := range terms {
					if got := runScalar(t, vaeOf(l, term.pick), ins...); !close(got, term.want, tolFor(dt)) {
						t.Errorf("%s: %v, want %v", term.name, got, term.want)
					}
				}
			})
		}
	}
}

func TestVAEGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	beta := 2.5
	cases := []struct {
		name  string
		build buildFn
		ins   [][]int
	}{
		{"kl", pairOf(GaussianKL{}), [][]int{{3, 4}, {3, 4}}},
		{"kl/4d+sum", pairOf(GaussianKL{Reduction: Sum}), [][]int{{2, 2, 1, 3}, {2, 2, 1, 3}}},
		{"reparameterize", func(g *ir.Graph, in []*ir.Value, fresh func(string) string) (*ir.Value, error) {
			return Reparameterize(g, in[0], in[1], in[2], fresh)
		}, [][]int{{3, 2}, {3, 2}, {3, 2}}},
		{"vae/bce", vaeOf(VAE{Beta: &beta}, total), [][]int{{3, 4}, {3, 4}, {3, 2}, {3, 2}}},
		{"vae/mse+sum", vaeOf(VAE{Recon: SquaredError, Reduction: Sum}, total), [][]int{{3, 4}, {3, 4}, {3, 2}, {3, 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ins := make([]*ir.Tensor, len(c.ins))
			for i, sh := range c.ins {
				n := 1
				for _, d := range sh {
					n *= d
				}
				ins[i] = ir.FromSlice(sh, randn(r, n, 1))
			}
			checkGrads(t, c.build, ins...)
		})
	}
}

func TestVAEBadInputsAreErrors(t *testing.T) {
	g := ir.NewGraph("g")
	in := func(name string, dt ir.DType, dims ...int) *ir.Value {
		return g.AddInput(name, ir.TensorType(dt, ir.ShapeOf(dims...)))
	}
	x, rec := in("x", ir.Float32, 4, 6), in("rec", ir.Float32, 4, 6)
	mu, lv := in("mu", ir.Float32, 4, 2), in("lv", ir.Float32, 4, 2)
	mu5, lv5 := in("mu5", ir.Float32, 5, 2), in("lv5", ir.Float32, 5, 2)
	mu64, lv64 := in("mu64", ir.Float64, 4, 2), in("lv64", ir.Float64, 4, 2)
	wide, scalar := in("wide", ir.Float32, 4, 3), in("scalar", ir.Float32)
	neg := -2.0
	vae := func(l VAE, r, xx, m, v *ir.Value) func() (*ir.Value, error) {
		return func() (*ir.Value, error) {
			ts, err := l.AppendVAE(g, r, xx, m, v, namer())
			return ts.Total, err
		}
	}
	checkBad(t, []badCase{
		{"kl shapes", pairCall(g, GaussianKL{}, mu, wide), `logvar "wide" is f32[4,3], mu "mu" is f32[4,2]: shapes differ`},
		{"kl dtypes", pairCall(g, GaussianKL{}, mu, lv64), "dtypes differ"},
		{"kl scalar", pairCall(g, GaussianKL{}, scalar, scalar), "want [N, latent...]"},
		{"kl reduction", pairCall(g, GaussianKL{Reduction: 3}, mu, lv), "unknown reduction"},
		{"reparameterize eps", func() (*ir.Value, error) { return Reparameterize(g, mu, lv, wide, namer()) }, `eps "wide"`},
		{"reparameterize nil", func() (*ir.Value, error) { return Reparameterize(g, mu, nil, mu, namer()) }, "logvar is missing"},
		{"vae recon shape", vae(VAE{}, wide, x, mu, lv), `data "x" is f32[4,6], reconstruction "wide" is f32[4,3]`},
		{"vae latent shapes", vae(VAE{}, rec, x, mu, wide), `logvar "wide"`},
		{"vae batch", vae(VAE{}, rec, x, mu5, lv5), `data "x" has batch 4, mu "mu5" has batch 5`},
		{"vae dtypes", vae(VAE{}, rec, x, mu64, lv64), "dtypes differ"},
		{"vae scalar", vae(VAE{}, scalar, scalar, mu, lv), "batch axis first"},
		{"vae beta", vae(VAE{Beta: &neg}, rec, x, mu, lv), "Beta is -2"},
		{"vae recon kind", vae(VAE{Recon: 7}, rec, x, mu, lv), "unknown reconstruction 7"},
		{"vae reduction", vae(VAE{Reduction: 7}, rec, x, mu, lv), "unknown reduction"},
	})
}
