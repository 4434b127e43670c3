package dsl

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Option configures a layer. Each layer accepts the options that mean
// something for it; any other is a *LayerError naming the layer.
type Option struct {
	key   string
	apply func(*config)
}

// config is the union of all layers' settings.
type config struct {
	set        map[string]bool
	name       string
	weightInit Initializer
	biasInit   Initializer
	noBias     bool
	stride     [2]int
	padding    Pad
	dilation   [2]int
	groups     int
	momentum   float64
	eps        float64
	alpha      float64
	axis       int
	countPad   bool
	rnn        rnnConfig  // recurrent layers (layers_rnn_opts.go)
	arch       archConfig // attention, transformer and upsampling layers (layers_arch_opts.go)
}

// Name gives the layer a name instead of kind_N.
func Name(s string) Option { return Option{"name", func(c *config) { c.name = s }} }

// WeightInit sets the weight initializer (default TorchDefault).
func WeightInit(i Initializer) Option {
	return Option{"weight_init", func(c *config) { c.weightInit = i }}
}

// BiasInit sets the bias initializer (default TorchDefault).
func BiasInit(i Initializer) Option { return Option{"bias_init", func(c *config) { c.biasInit = i }} }

// NoBias leaves out the bias.
func NoBias() Option { return Option{"no_bias", func(c *config) { c.noBias = true }} }

// Stride sets the window step, the same along both spatial dims.
func Stride(s int) Option { return Option{"stride", func(c *config) { c.stride = [2]int{s, s} }} }

// Stride2 sets the window step along height and width.
func Stride2(h, w int) Option { return Option{"stride", func(c *config) { c.stride = [2]int{h, w} }} }

// Dilation sets the spacing of kernel taps (default 1).
func Dilation(d int) Option { return Option{"dilation", func(c *config) { c.dilation = [2]int{d, d} }} }

// Groups splits channels into groups convolved separately (default 1).
func Groups(g int) Option { return Option{"groups", func(c *config) { c.groups = g }} }

// Padding sets how a window layer pads its input (default Valid).
func Padding(p Pad) Option { return Option{"padding", func(c *config) { c.padding = p }} }

// Momentum sets BatchNorm's running-statistic momentum in PyTorch's
// convention: running = (1-momentum)·running + momentum·batch (default
// 0.1). ONNX's momentum attribute is 1 minus this.
func Momentum(m float64) Option { return Option{"momentum", func(c *config) { c.momentum = m }} }

// Epsilon sets BatchNorm's variance epsilon (default 1e-5).
func Epsilon(e float64) Option { return Option{"epsilon", func(c *config) { c.eps = e }} }

// Alpha sets LeakyReLU's negative slope (default 0.01).
func Alpha(a float64) Option { return Option{"alpha", func(c *config) { c.alpha = a }} }

// Axis sets the axis of Softmax and LogSoftmax, counted in the full shape
// with the batch dim 0 (default -1, the last).
func Axis(a int) Option { return Option{"axis", func(c *config) { c.axis = a }} }

// CountIncludePad makes AvgPool2D divide by the full window, padding
// included, as PyTorch does by default (default true).
func CountIncludePad(on bool) Option {
	return Option{"count_include_pad", func(c *config) { c.countPad = on }}
}

// Pad is a window layer's padding: Same, Valid or a fixed amount.
type Pad struct {
	kind string // "same", "valid" or "explicit"
	n    int
}

// Same pads so that the output has ceil(input/stride) positions, the odd
// pad at the end (PyTorch's padding="same" for stride 1, TensorFlow's
// "SAME" for any stride).
var Same = Pad{kind: "same"}

// Valid does not pad.
var Valid = Pad{kind: "valid"}

// PadN pads n zeros (or, for MaxPool2D, -inf) on every side.
func PadN(n int) Pad { return Pad{kind: "explicit", n: n} }

func (p Pad) String() string {
	switch p.kind {
	case "explicit":
		return fmt.Sprint(p.n)
	case "":
		return "valid"
	}
	return p.kind
}

// ParsePad reads "same", "valid" or a non-negative integer.
func ParsePad(s string) (Pad, error) {
	switch strings.ToLower(s) {
	case "same":
		return Same, nil
	case "valid", "":
		return Valid, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return Pad{}, fmt.Errorf("padding %q: want same, valid or a non-negative integer", s)
	}
	return PadN(n), nil
}

// configure applies opts over defaults and returns the first option (by
// key) the layer does not take, or "".
func configure(allowed []string, opts []Option) (c config, bad string) {
	c = config{set: map[string]bool{}, weightInit: TorchDefault, biasInit: TorchDefault,
		dilation: [2]int{1, 1}, groups: 1, momentum: 0.1, eps: 1e-5, alpha: 0.01, axis: -1, countPad: true}
	for _, o := range opts {
		if o.apply == nil {
			continue
		}
		o.apply(&c)
		c.set[o.key] = true
		if o.key != "name" && !slices.Contains(allowed, o.key) && bad == "" {
			bad = o.key
		}
	}
	return c, bad
}
