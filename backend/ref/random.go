package ref

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dlc-go/dlc/ir"
)

// Random kernels. The generator is PCG: with the seed attribute a node
// draws the same samples on every run; without it each run draws fresh
// ones. The samples cannot match other runtimes (ONNX's test data comes
// from numpy's global generator), only their distribution can.

func init() {
	Register("RandomNormal", randomKernel(false, false))
	Register("RandomUniform", randomKernel(true, false))
	Register("RandomNormalLike", randomKernel(false, true))
	Register("RandomUniformLike", randomKernel(true, true))
	Register("Bernoulli", bernoulliKernel)
}

// nodeRand returns the generator of one kernel call.
func nodeRand(n *ir.Node) *rand.Rand {
	if n.Has("seed") {
		s := uint64(math.Float32bits(n.Float("seed")))
		return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
	}
	return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

// randomShape returns the output dtype and shape: from the attributes, or
// for the *Like ops from the input (the dtype attribute overriding).
func randomShape(n *ir.Node, in []ir.Data, like bool) (ir.DType, []int, error) {
	var dt ir.DType
	var shape []int
	if like {
		x := Tensor(in, 0)
		dt, shape = x.DType, x.Shape
		if n.Has("dtype") {
			dt = ir.DType(n.Int("dtype"))
		}
	} else {
		dt = ir.DType(n.Int("dtype"))
		for _, d := range n.Ints("shape") {
			if d < 0 {
				return 0, nil, fmt.Errorf("shape %v has a negative dimension", n.Ints("shape"))
			}
			shape = append(shape, int(d))
		}
	}
	if !dt.IsFloat() {
		return 0, nil, fmt.Errorf("dtype %s: random samples must be a float type", dt)
	}
	return dt, shape, nil
}

func randomKernel(uniform, like bool) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		dt, shape, err := randomShape(n, in, like)
		if err != nil {
			return nil, err
		}
		out := ir.Zeros(dt, shape)
		r := nodeRand(n)
		for i := 0; i < out.Len(); i++ {
			var v float64
			if uniform {
				lo, hi := float64(n.Float("low")), float64(n.Float("high"))
				v = lo + (hi-lo)*r.Float64()
			} else {
				v = float64(n.Float("mean")) + float64(n.Float("scale"))*r.NormFloat64()
			}
			out.SetFloat64At(i, v)
		}
		return Outs(out), nil
	}
}

func bernoulliKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if !x.DType.IsFloat() {
		return nil, fmt.Errorf("input dtype %s: probabilities must be a float type", x.DType)
	}
	dt := x.DType
	if n.Has("dtype") {
		dt = ir.DType(n.Int("dtype"))
	}
	if !dt.Supported() || dt == ir.String {
		return nil, fmt.Errorf("unsupported output dtype %s", dt)
	}
	out := ir.Zeros(dt, x.Shape)
	r := nodeRand(n)
	for i := 0; i < x.Len(); i++ {
		p := x.Float64At(i)
		if p < 0 || p > 1 || math.IsNaN(p) {
			return nil, fmt.Errorf("probability %v at %d is outside [0, 1]", p, i)
		}
		if r.Float64() < p {
			out.SetFloat64At(i, 1)
		}
	}
	return Outs(out), nil
}
