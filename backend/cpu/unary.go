package cpu

import (
	"math"
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// Unary float32 elementwise ops, each one vec loop split over the pool.
// Out 0 may share input 0's buffer (InPlacer).

func init() {
	cheap := map[string]func(dst, src []float32){
		"Relu": vec.Relu, "HardSwish": vec.HardSwish, "Sqrt": vec.Sqrt, "Neg": vec.Neg, "Abs": vec.Abs,
	}
	for op, f := range cheap {
		Register(op, unaryBuilder(elemGrain, func(*ir.Node) func(dst, src []float32) { return f }))
	}
	costly := map[string]func(dst, src []float32){
		"Sigmoid": vec.Sigmoid, "Tanh": vec.Tanh, "Erf": vec.Erf, "Exp": vec.Exp,
	}
	for op, f := range costly {
		Register(op, unaryBuilder(mathGrain, func(*ir.Node) func(dst, src []float32) { return f }))
	}
	Register("LeakyRelu", unaryBuilder(elemGrain, func(n *ir.Node) func(dst, src []float32) {
		alpha := n.Float("alpha")
		return func(dst, src []float32) { vec.LeakyRelu(dst, src, alpha) }
	}))
	Register("HardSigmoid", unaryBuilder(elemGrain, func(n *ir.Node) func(dst, src []float32) {
		alpha, beta := n.Float("alpha"), n.Float("beta")
		return func(dst, src []float32) { vec.HardSigmoid(dst, src, alpha, beta) }
	}))
	Register("Gelu", unaryBuilder(mathGrain, func(n *ir.Node) func(dst, src []float32) {
		switch n.Str("approximate") {
		case "none":
			return vec.Gelu
		case "tanh":
			return vec.GeluTanh
		}
		return nil
	}))
	Register("Clip", unaryBuilder(elemGrain, clipFn))
	Register("Pow", unaryBuilder(elemGrain, powFn))
}

// clipFn handles Clip with absent or constant scalar bounds.
func clipFn(n *ir.Node) func(dst, src []float32) {
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	for i, b := range []*float32{&lo, &hi} {
		if n.In(i+1) == nil {
			continue
		}
		v, ok := constScalar(n, i+1)
		if !ok {
			return nil
		}
		*b = float32(v)
	}
	return func(dst, src []float32) { vec.Clip(dst, src, lo, hi) }
}

// powFn handles Pow by a constant scalar exponent of 1, 2 or 0.5 (x·x and
// the correctly rounded sqrt match the reference's rounded float64 pow;
// powHalf mends the two points where sqrt and pow differ).
func powFn(n *ir.Node) func(dst, src []float32) {
	if n.In(1).Type.Shape.Rank() > 1 {
		return nil
	}
	e, ok := constScalar(n, 1)
	if !ok {
		return nil
	}
	switch e {
	case 1:
		return func(dst, src []float32) { copy(dst, src) }
	case 2:
		return func(dst, src []float32) { vec.Mul(dst, src, src) }
	case 0.5:
		return powHalf
	}
	return nil
}

// powHalf sets dst[i] = pow(src[i], 0.5): sqrt, except that pow gives +Inf
// at -Inf (sqrt: NaN) and +0 at -0 (sqrt: -0). dst may be src.
func powHalf(dst, src []float32) {
	const block = 256
	var negInf [block]bool
	for lo := 0; lo < len(dst); lo += block {
		hi := min(lo+block, len(dst))
		for i, x := range src[lo:hi] {
			negInf[i] = math.IsInf(float64(x), -1)
		}
		vec.Sqrt(dst[lo:hi], src[lo:hi])
		for i, d := range dst[lo:hi] {
			switch {
			case negInf[i]:
				dst[lo+i] = float32(math.Inf(1))
			case d == 0:
				dst[lo+i] = 0
			}
		}
	}
}

type unaryKernel struct {
	f    func(dst, src []float32)
	x, y []float32
	sp   *splitter
}

// unaryBuilder builds a unaryKernel for a float32 input and output of one
// static shape, split over threads in ranges of at least grain elements;
// mk returns nil when the node's attributes are outside the fast path.
func unaryBuilder(grain int, mk func(n *ir.Node) func(dst, src []float32)) Builder {
	return func(n *ir.Node, env *Env) Kernel {
		v := n.In(0)
		if v == nil || v.Type.DType != ir.Float32 {
			return nil
		}
		xs, ok := v.Type.Shape.Static()
		if !ok {
			return nil
		}
		ys, ok := outShape(n, 0)
		if !ok || !slices.Equal(xs, ys) {
			return nil
		}
		f := mk(n)
		if f == nil {
			return nil
		}
		k := &unaryKernel{f: f}
		k.sp = newSplitter(envPool(env), product(ys), grain, func(_, lo, hi int) { k.f(k.y[lo:hi], k.x[lo:hi]) })
		return k
	}
}

func (k *unaryKernel) Run(in, out []*ir.Tensor) {
	k.x, k.y = f32(in[0]), f32(out[0])
	k.sp.run()
	k.x, k.y = nil, nil
}

// InPlace: every element is read before it is written.
func (k *unaryKernel) InPlace() (out, in int) { return 0, 0 }
