package loss

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// archTorchLosses configures, per case name of arch_torch_table_test.go,
// the loss that testdata/torch_ref_arch.py computed.
func archTorchLosses() map[string]buildFn {
	vae := func(l VAE) buildFn { return vaeOf(l, total) }
	return map[string]buildFn{
		"ntxent":              pairOf(NTXent{}),
		"ntxent/0.1":          pairOf(NTXent{Temperature: 0.1}),
		"ntxent/0.2+sum":      pairOf(NTXent{Temperature: 0.2, Reduction: Sum}),
		"triplet":             tripletOf(TripletMargin{}),
		"triplet/0.5+swap":    tripletOf(TripletMargin{Margin: new(0.5), Swap: true}),
		"triplet/2+sum":       tripletOf(TripletMargin{Margin: new(2.0), Reduction: Sum}),
		"triplet/1d":          tripletOf(TripletMargin{}),
		"kl":                  pairOf(GaussianKL{}),
		"kl/sum":              pairOf(GaussianKL{Reduction: Sum}),
		"kl/4d":               pairOf(GaussianKL{}),
		"vae/bce":             vae(VAE{}),
		"vae/mse+beta4":       vae(VAE{Recon: SquaredError, Beta: new(4.0)}),
		"vae/bce+beta0.5+sum": vae(VAE{Beta: new(0.5), Reduction: Sum}),
		"gan/g":               generatorOf(GANGenerator{}),
		"gan/g/hinge":         generatorOf(GANGenerator{Kind: Hinge}),
		"gan/d":               pairOf(GANDiscriminator{}),
		"gan/d/hinge":         pairOf(GANDiscriminator{Kind: Hinge}),
	}
}

// TestArchLossesMatchPyTorch holds the contrastive, VAE and GAN losses
// to 1e-6 of PyTorch's values in float64, and to 1e-5 (relative) in
// float32, where the inputs are rounded first.
func TestArchLossesMatchPyTorch(t *testing.T) {
	losses := archTorchLosses()
	if len(losses) != len(archTorchCases) {
		t.Fatalf("%d configured losses for %d table cases", len(losses), len(archTorchCases))
	}
	for _, c := range archTorchCases {
		t.Run(c.name, func(t *testing.T) {
			build, ok := losses[c.name]
			if !ok {
				t.Fatalf("no loss configured for case %q", c.name)
			}
			for _, dt := range dtypes {
				ins := make([]*ir.Tensor, len(c.inputs))
				for i, xs := range c.inputs {
					ins[i] = tensorOf(dt, c.shapes[i], xs)
				}
				got := runScalar(t, build, ins...)
				if dt == ir.Float64 && math.Abs(got-c.want) > 1e-6 {
					t.Errorf("%s: loss %v, PyTorch %v", dt, got, c.want)
				}
				if dt == ir.Float32 && !close(got, c.want, 1e-5) {
					t.Errorf("%s: loss %v, PyTorch %v", dt, got, c.want)
				}
			}
		})
	}
}
