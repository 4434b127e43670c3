package dsl

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// Initializer gives a parameter its initial values. The fans it is given
// are those of the layer's weight as PyTorch computes them from its shape
// (torch.nn.init._calculate_fan_in_and_fan_out): for a weight [out, in,
// k...], fan_in = in·∏k and fan_out = out·∏k. A bias gets its weight's
// fans.
type Initializer struct {
	name string
	fill func(r *rand.Rand, dst []float64, fanIn, fanOut int)
}

// NewInitializer makes an initializer from a function that fills dst
// from r; name is what String reports.
func NewInitializer(name string, fill func(r *rand.Rand, dst []float64, fanIn, fanOut int)) Initializer {
	return Initializer{name, fill}
}

func (i Initializer) String() string { return i.name }

// Fill writes initial values into dst.
func (i Initializer) Fill(r *rand.Rand, dst []float64, fanIn, fanOut int) {
	i.fill(r, dst, fanIn, fanOut)
}

func uniform(r *rand.Rand, dst []float64, bound float64) {
	for i := range dst {
		dst[i] = bound * (2*r.Float64() - 1)
	}
}

func normal(r *rand.Rand, dst []float64, std float64) {
	for i := range dst {
		dst[i] = std * r.NormFloat64()
	}
}

func positive(n int) float64 { return float64(max(n, 1)) }

// The initializers. Each cites the formula of PyTorch's torch.nn.init.
var (
	// TorchDefault is what torch.nn.Linear and torch.nn.ConvNd do in
	// reset_parameters: weights by kaiming_uniform_(a=√5), whose bound
	// gain·√(3/fan_in) with gain = √(2/(1+a²)) = √(1/3) is 1/√fan_in, and
	// biases by U(±1/√fan_in). Both are U(±1/√fan_in).
	TorchDefault = Initializer{"torch_default", func(r *rand.Rand, dst []float64, fanIn, _ int) {
		uniform(r, dst, 1/math.Sqrt(positive(fanIn)))
	}}
	// HeNormal is kaiming_normal_ (ReLU gain, fan_in mode): N(0, 2/fan_in).
	HeNormal = Initializer{"he_normal", func(r *rand.Rand, dst []float64, fanIn, _ int) {
		normal(r, dst, math.Sqrt(2/positive(fanIn)))
	}}
	// HeUniform is kaiming_uniform_ (ReLU gain, fan_in mode):
	// U(±√(6/fan_in)).
	HeUniform = Initializer{"he_uniform", func(r *rand.Rand, dst []float64, fanIn, _ int) {
		uniform(r, dst, math.Sqrt(6/positive(fanIn)))
	}}
	// XavierUniform is xavier_uniform_: U(±√(6/(fan_in+fan_out))).
	XavierUniform = Initializer{"xavier_uniform", func(r *rand.Rand, dst []float64, fanIn, fanOut int) {
		uniform(r, dst, math.Sqrt(6/positive(fanIn+fanOut)))
	}}
	// XavierNormal is xavier_normal_: N(0, 2/(fan_in+fan_out)).
	XavierNormal = Initializer{"xavier_normal", func(r *rand.Rand, dst []float64, fanIn, fanOut int) {
		normal(r, dst, math.Sqrt(2/positive(fanIn+fanOut)))
	}}
	// Zeros fills with 0.
	Zeros = Constant(0)
	// Ones fills with 1.
	Ones = Constant(1)
)

// Constant fills with v.
func Constant(v float64) Initializer {
	return Initializer{"constant", func(_ *rand.Rand, dst []float64, _, _ int) {
		for i := range dst {
			dst[i] = v
		}
	}}
}

// Uniform draws from U(±bound).
func Uniform(bound float64) Initializer {
	return Initializer{"uniform", func(r *rand.Rand, dst []float64, _, _ int) { uniform(r, dst, bound) }}
}

// Normal draws from N(0, std²).
func Normal(std float64) Initializer {
	return Initializer{"normal", func(r *rand.Rand, dst []float64, _, _ int) { normal(r, dst, std) }}
}

// streamFor returns the random stream of the tensor called name: PCG
// seeded with the model seed and a hash of the name, so that a tensor's
// initial values depend only on the seed and its name.
func streamFor(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}
