package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// BenchmarkElementwiseShortRows times the tail of the softmax gradient,
// y·(dy - s) with s a per-row sum, on rows of 28 (the attention
// probabilities [64·4·28, 28] of a small Transformer) and, for the same
// number of elements, on rows of 1024, one thread.
func BenchmarkElementwiseShortRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(79, 80))
	env := &Env{Pool: parallel.Serial, Shared: NewShared()}
	for _, n := range []int{28, 1024} {
		rows := 64 * 4 * 28 * 28 / n
		in := []*ir.Tensor{randTensor(rng, rows, n), randTensor(rng, rows, 1), randTensor(rng, rows, n)}
		node := buildRefNode(b, refCase{Op: "Elementwise", Domain: "dlc", Inputs: in,
			Attrs: map[string]*ir.Attr{"program": ir.StringsAttr("Sub x0 x1", "Mul x2 t0")}})
		k, out := Build(node, env), newOutputs(b, node)
		b.Run(fmt.Sprintf("%dx%d", rows, n), func(b *testing.B) {
			b.SetBytes(3 * in[0].Bytes())
			for b.Loop() {
				k.Run(in, out)
			}
		})
	}
}
