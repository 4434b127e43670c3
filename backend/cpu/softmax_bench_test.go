package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// BenchmarkSoftmaxShortRows times Softmax and LogSoftmax along the last
// axis of an attention-probabilities shape, [batch·heads·S, T] for a
// Transformer's batch 64, 4 heads, S = 28, and other short row lengths,
// on one thread at every vec level.
func BenchmarkSoftmaxShortRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(71, 72))
	env := &Env{Pool: parallel.Serial, Shared: NewShared()}
	for _, op := range []string{"Softmax", "LogSoftmax"} {
		for _, n := range []int{8, 28, 64, 128} {
			x := scaled(rng, 4, 64*4*28, n)
			node := buildRefNode(b, refCase{Op: op, Inputs: []*ir.Tensor{x}})
			k, out := Build(node, env), newOutputs(b, node)
			for _, l := range vec.Levels() {
				b.Run(fmt.Sprintf("%s/%dx%d/%s", op, 64*4*28, n, l), func(b *testing.B) {
					defer vec.SetLevel(l)()
					b.SetBytes(2 * x.Bytes())
					for b.Loop() {
						k.Run([]*ir.Tensor{x}, out)
					}
				})
			}
		}
	}
}
