package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// Node-level benchmarks of the elementwise family: the cpu kernel and, as
// "ref", the reference kernel on the same node, for typical transformer
// and CNN shapes.

func benchNode(b *testing.B, c refCase) {
	n := buildRefNode(b, c)
	k := Build(n, testEnv())
	if k == nil {
		b.Fatalf("%s: no kernel", c.Op)
	}
	out := newOutputs(b, n)
	bytes := int64(0)
	for _, x := range c.Inputs {
		if x != nil {
			bytes += x.Bytes()
		}
	}
	for _, o := range out {
		bytes += o.Bytes()
	}
	b.Run("cpu", func(b *testing.B) {
		b.SetBytes(bytes)
		for b.Loop() {
			k.Run(c.Inputs, out)
		}
	})
	b.Run("ref", func(b *testing.B) {
		rk := ref.Lookup(ir.OpKey(c.Domain, c.Op))
		data := make([]ir.Data, len(c.Inputs))
		for i, x := range c.Inputs {
			if x != nil {
				data[i] = x
			}
		}
		b.SetBytes(bytes)
		for b.Loop() {
			if _, err := rk(nil, n, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkNodes(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randTensor(rng, 64, 768)
	b.Run("Softmax64x768", func(b *testing.B) { benchNode(b, refCase{Op: "Softmax", Inputs: []*ir.Tensor{x}}) })
	b.Run("LayerNorm64x768", func(b *testing.B) {
		benchNode(b, refCase{Op: "LayerNormalization", Inputs: []*ir.Tensor{x, randTensor(rng, 768), randTensor(rng, 768)},
			Const: []bool{false, true, true}})
	})
	g := randTensor(rng, 16, 3072)
	b.Run("Gelu16x3072", func(b *testing.B) { benchNode(b, refCase{Op: "Gelu", Inputs: []*ir.Tensor{g}}) })
	img := randTensor(rng, 1, 64, 56, 56)
	b.Run("AddPerChannel64x56x56", func(b *testing.B) {
		benchNode(b, refCase{Op: "Add", Inputs: []*ir.Tensor{img, randTensor(rng, 1, 64, 1, 1)}})
	})
	b.Run("TransposeNCHWtoNHWC", func(b *testing.B) {
		benchNode(b, refCase{Op: "Transpose", Attrs: map[string]*ir.Attr{"perm": ints(0, 2, 3, 1)}, Inputs: []*ir.Tensor{img}})
	})
	b.Run("ReduceMeanLast64x768", func(b *testing.B) {
		benchNode(b, refCase{Op: "ReduceMean", Inputs: []*ir.Tensor{x, ir.FromSlice([]int{1}, []int64{-1})},
			Const: []bool{false, true}})
	})
}
