package ref

import (
	"fmt"
	"math"
	"strings"
)

// Activation functions of RNN, GRU and LSTM, named as in ONNX's
// "activations" attribute (matched case-insensitively).

// rnnActivation is one activation with its alpha and beta bound.
type rnnActivation func(x float64) float64

// rnnActDef says which of alpha and beta an activation takes and their
// defaults (those of the ONNX op of the same name).
type rnnActDef struct {
	alpha, beta       bool
	defAlpha, defBeta float64
	fn                func(x, alpha, beta float64) float64
}

var rnnActs = map[string]rnnActDef{
	"relu":    {fn: func(x, _, _ float64) float64 { return math.Max(x, 0) }},
	"tanh":    {fn: func(x, _, _ float64) float64 { return math.Tanh(x) }},
	"sigmoid": {fn: func(x, _, _ float64) float64 { return sigmoid64(x) }},
	"affine": {alpha: true, beta: true, defAlpha: 1, defBeta: 0,
		fn: func(x, a, b float64) float64 { return a*x + b }},
	"leakyrelu": {alpha: true, defAlpha: 0.01, fn: func(x, a, _ float64) float64 {
		if x >= 0 {
			return x
		}
		return a * x
	}},
	"thresholdedrelu": {alpha: true, defAlpha: 1, fn: func(x, a, _ float64) float64 {
		if x > a {
			return x
		}
		return 0
	}},
	"scaledtanh": {alpha: true, beta: true, defAlpha: 1, defBeta: 1,
		fn: func(x, a, b float64) float64 { return a * math.Tanh(b*x) }},
	"hardsigmoid": {alpha: true, beta: true, defAlpha: 0.2, defBeta: 0.5,
		fn: func(x, a, b float64) float64 { return math.Max(0, math.Min(1, a*x+b)) }},
	"elu": {alpha: true, defAlpha: 1, fn: func(x, a, _ float64) float64 {
		if x >= 0 {
			return x
		}
		return a * (math.Exp(x) - 1)
	}},
	"softsign": {fn: func(x, _, _ float64) float64 { return x / (1 + math.Abs(x)) }},
	"softplus": {fn: func(x, _, _ float64) float64 {
		// log1p(e^x) overflows for large x, where it equals x.
		if x > 30 {
			return x
		}
		return math.Log1p(math.Exp(x))
	}},
}

func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// rnnActivations resolves the activations of every direction: names (or
// defs, the per-direction default, when names is empty) repeated for a
// second direction when only one direction's worth is given. alphas and
// betas are consumed in order by the activations that take them. clip,
// when positive, bounds every activation's input to [-clip, clip].
func rnnActivations(names []string, defs []string, dirs int, alphas, betas []float32, clip float64) ([][]rnnActivation, error) {
	per := len(defs)
	if len(names) == 0 {
		names = defs
	}
	if len(names) == per && dirs == 2 {
		names = append(append([]string{}, names...), names...)
	}
	if len(names) != per*dirs {
		return nil, fmt.Errorf("activations: %d given, want %d (%d per direction)", len(names), per*dirs, per)
	}
	out := make([][]rnnActivation, dirs)
	for i, name := range names {
		def, ok := rnnActs[strings.ToLower(name)]
		if !ok {
			return nil, fmt.Errorf("activations: unknown activation %q", name)
		}
		a, b := def.defAlpha, def.defBeta
		if def.alpha && len(alphas) > 0 {
			a, alphas = float64(alphas[0]), alphas[1:]
		}
		if def.beta && len(betas) > 0 {
			b, betas = float64(betas[0]), betas[1:]
		}
		fn := def.fn
		act := func(x float64) float64 {
			if clip > 0 {
				x = math.Max(-clip, math.Min(clip, x))
			}
			return fn(x, a, b)
		}
		out[i/per] = append(out[i/per], act)
	}
	return out, nil
}
