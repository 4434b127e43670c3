package passes

import (
	"math"

	"github.com/dlc-go/dlc/ir"
)

// activation is an elementwise activation a fused op can apply to its
// result: a name of ir.Activations with its two parameters.
type activation struct {
	name        string
	alpha, beta float32
}

func (a activation) attrs(into map[string]*ir.Attr) {
	if a.name == "" {
		return
	}
	into["activation"] = ir.StringAttr(a.name)
	into["activation_alpha"] = ir.FloatAttr(a.alpha)
	into["activation_beta"] = ir.FloatAttr(a.beta)
}

// matchActivation looks at the readers of v for an activation applied to
// v alone: a single reader that is one of the activation ops, or the pair
// Sigmoid(v), Mul(v, Sigmoid(v)) (Silu). It returns the activation and
// the value it produces.
func (c *rewriter) matchActivation(v *ir.Value) (activation, *ir.Value, bool) {
	if u := c.soleUser(v); u != nil && onlyOutput(u) && u.In(0) == v {
		switch {
		case is(u, "Relu"), is(u, "Sigmoid"), is(u, "Tanh"), is(u, "HardSwish"):
			return activation{name: u.Op}, u.Out(0), true
		case is(u, "LeakyRelu"):
			return activation{name: "LeakyRelu", alpha: u.Float("alpha")}, u.Out(0), true
		case is(u, "HardSigmoid"):
			return activation{name: "HardSigmoid", alpha: u.Float("alpha"), beta: u.Float("beta")}, u.Out(0), true
		case is(u, "Gelu"):
			name := "Gelu"
			if u.Str("approximate") == "tanh" {
				name = "GeluTanh"
			}
			return activation{name: name}, u.Out(0), true
		case is(u, "Clip"):
			lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
			if b := u.In(1); b != nil {
				x, ok := scalarOf(b)
				if !ok {
					return activation{}, nil, false
				}
				lo = float32(x)
			}
			if b := u.In(2); b != nil {
				x, ok := scalarOf(b)
				if !ok {
					return activation{}, nil, false
				}
				hi = float32(x)
			}
			return activation{name: "Clip", alpha: lo, beta: hi}, u.Out(0), true
		}
		return activation{}, nil, false
	}
	us := c.users(v)
	if len(us) != 2 {
		return activation{}, nil, false
	}
	sig, mul := us[0], us[1]
	if is(sig, "Mul") {
		sig, mul = mul, sig
	}
	if !is(sig, "Sigmoid") || !is(mul, "Mul") || c.soleUser(sig.Out(0)) != mul {
		return activation{}, nil, false
	}
	if o, ok := other(mul, v); !ok || o != sig.Out(0) {
		return activation{}, nil, false
	}
	return activation{name: "Silu"}, mul.Out(0), true
}
