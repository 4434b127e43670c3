package ref

import (
	"fmt"
	"math/rand/v2"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("Dropout", dropoutKernel) }

// dropoutKernel: outside training (training_mode absent or false) or with
// ratio 0 the output is X itself and the mask all true. In training each
// element is kept when a uniform [0,1) draw is >= ratio and scaled by
// 1/(1-ratio). With the seed attribute the draws are those of numpy's
// legacy np.random.seed(seed); np.random.uniform(size=X.shape), which is
// what ONNX's reference implementation uses, so seeded runs reproduce it.
func dropoutKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	ratio := 0.5
	if r := Tensor(in, 1); r != nil {
		if r.Len() != 1 {
			return nil, fmt.Errorf("ratio has shape %v, want a scalar", r.Shape)
		}
		ratio = r.Float64At(0)
	}
	if ratio < 0 || ratio > 1 {
		return nil, fmt.Errorf("ratio %g is outside [0, 1]", ratio)
	}
	training := false
	if t := Tensor(in, 2); t != nil {
		if t.Len() != 1 {
			return nil, fmt.Errorf("training_mode has shape %v, want a scalar", t.Shape)
		}
		training = t.Float64At(0) != 0
	}
	mask := ir.Zeros(ir.Bool, x.Shape)
	keep := mask.Data.([]bool)
	if !training || ratio == 0 {
		for i := range keep {
			keep[i] = true
		}
		return Outs(x, mask)[:len(n.Outputs)], nil
	}
	var next func() float64
	if n.Has("seed") {
		next = newNumpyMT(uint32(n.Int("seed"))).float64
	} else {
		next = rand.Float64
	}
	scale := 0.0
	if ratio < 1 {
		scale = 1 / (1 - ratio)
	}
	y := ir.Zeros(x.DType, x.Shape)
	for i := range keep {
		keep[i] = next() >= ratio
		if keep[i] {
			y.SetFloat64At(i, x.Float64At(i)*scale)
		}
	}
	return Outs(y, mask)[:len(n.Outputs)], nil
}

// numpyMT is the 32-bit Mersenne Twister (MT19937) seeded and read the way
// numpy's legacy RandomState does: init_genrand seeding and 53-bit doubles
// built from two draws.
type numpyMT struct {
	mt  [624]uint32
	pos int
}

func newNumpyMT(seed uint32) *numpyMT {
	m := &numpyMT{pos: 624}
	m.mt[0] = seed
	for i := 1; i < 624; i++ {
		prev := m.mt[i-1]
		m.mt[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	return m
}

// refill regenerates the whole state block.
func (m *numpyMT) refill() {
	const upper, lower, matrixA = 0x80000000, 0x7fffffff, 0x9908b0df
	for i := range 624 {
		y := m.mt[i]&upper | m.mt[(i+1)%624]&lower
		v := m.mt[(i+397)%624] ^ y>>1
		if y&1 != 0 {
			v ^= matrixA
		}
		m.mt[i] = v
	}
	m.pos = 0
}

func (m *numpyMT) uint32() uint32 {
	if m.pos >= 624 {
		m.refill()
	}
	y := m.mt[m.pos]
	m.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

func (m *numpyMT) float64() float64 {
	a, b := m.uint32()>>5, m.uint32()>>6
	return (float64(a)*67108864 + float64(b)) / 9007199254740992
}
