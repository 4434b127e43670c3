package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// BenchmarkNormGrad times the fused normalization gradients at the
// shapes of the example models: the CNN's BatchNormalization layers and
// the Transformer's LayerNormalization rows (batch 64 × 28 tokens × 64).
func BenchmarkNormGrad(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		op       string
		x, scale []int
	}{
		{"BatchNormGrad", []int{64, 32, 28, 28}, []int{32}},
		{"BatchNormGrad", []int{64, 64, 14, 14}, []int{64}},
		{"BatchNormGrad", []int{64, 128}, []int{128}},
		{"LayerNormGrad", []int{64, 28, 64}, []int{64}},
	} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s%v/threads=%d", c.op, c.x, threads), func(b *testing.B) {
				rc := refCase{Op: c.op, Domain: ir.FusedDomain, Inputs: normGradInputs(rng, c.x, c.scale, 0.5), Outputs: 3}
				n := buildRefNode(b, rc)
				k := Build(n, &Env{Pool: parallel.New(threads), Shared: NewShared()})
				out := newOutputs(b, n)
				b.SetBytes(int64(3 * 4 * product(c.x)))
				for b.Loop() {
					k.Run(rc.Inputs, out)
				}
			})
		}
	}
}
