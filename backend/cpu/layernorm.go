package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// LayerNormalization (opset 17) on float32: every row of the dims from
// axis on is normalized by its own mean and variance (float32 sums, two
// passes) and scaled and shifted per element. Scale and B either have
// the normalized size or are constants broadcast to it once at build
// time. The optional Mean and InvStdDev outputs are written when present.

func init() {
	Register("LayerNormalization", buildLayerNorm)
}

type layerNormKernel struct {
	rows, d   int
	eps       float32
	g, b      []float32 // expanded constants, or nil to read the inputs
	zeros     []float32 // B when absent
	x, y      []float32
	gs, bs    []float32
	mean, inv []float32
	sp        *splitter
}

func buildLayerNorm(n *ir.Node, env *Env) Kernel {
	shapes, ok := staticShapes(n)
	if !ok {
		return nil
	}
	xs := shapes[0]
	if ys, ok := outShape(n, 0); !ok || !slices.Equal(xs, ys) || len(xs) == 0 {
		return nil
	}
	for i := 1; i < len(n.Outputs); i++ {
		if n.Out(i) != nil {
			if _, ok := outShape(n, i); !ok {
				return nil
			}
		}
	}
	axis, ok := normAxis(n.Int("axis"), len(xs))
	if !ok {
		return nil
	}
	k := &layerNormKernel{rows: product(xs[:axis]), d: product(xs[axis:]), eps: n.Float("epsilon")}
	if k.d == 0 {
		return nil
	}
	norm := xs[axis:]
	var ok1, ok2 bool
	if k.g, ok1 = normParam(n, 1, shapes[1], norm, k.d); !ok1 {
		return nil
	}
	if n.In(2) == nil {
		k.zeros = make([]float32, k.d)
		k.b = k.zeros
	} else if k.b, ok2 = normParam(n, 2, shapes[2], norm, k.d); !ok2 {
		return nil
	}
	k.sp = newSplitter(envPool(env), k.rows, max(1, mathGrain/k.d), k.rowRange)
	return k
}

// normParam returns a constant Scale or B expanded to the normalized
// shape, nil (read at run time) for a non-constant one of exactly that
// size, and false for anything else.
func normParam(n *ir.Node, i int, shape, norm []int, d int) ([]float32, bool) {
	if c := constF32(n, i); c != nil {
		if len(c) == d {
			return c, true
		}
		if len(shape) > len(norm) {
			return nil, false
		}
		for j := range shape {
			if s, t := shape[len(shape)-1-j], norm[len(norm)-1-j]; s != 1 && s != t {
				return nil, false
			}
		}
		p := newBcastPlan(norm, shape)
		out := make([]float32, d)
		for b := 0; b < p.outer; b++ {
			o := p.offset(0, b)
			row := out[b*p.inner : (b+1)*p.inner]
			for j := range row {
				row[j] = c[o+j*p.innerStride(0)]
			}
		}
		return out, true
	}
	if len(shape) > len(norm) || product(shape) != d {
		return nil, false
	}
	for j := range shape {
		if shape[len(shape)-1-j] != norm[len(norm)-1-j] {
			return nil, false
		}
	}
	return nil, true
}

func (k *layerNormKernel) rowRange(_, lo, hi int) {
	for r := lo; r < hi; r++ {
		x, y := k.x[r*k.d:(r+1)*k.d], k.y[r*k.d:(r+1)*k.d]
		m, inv := vec.LayerNorm(y, x, k.gs, k.bs, k.eps)
		if k.mean != nil {
			k.mean[r] = m
		}
		if k.inv != nil {
			k.inv[r] = inv
		}
	}
}

func (k *layerNormKernel) Run(in, out []*ir.Tensor) {
	k.x, k.y = f32(in[0]), f32(out[0])
	k.gs, k.bs = k.g, k.b
	if k.gs == nil {
		k.gs = f32(in[1])
	}
	if k.bs == nil {
		k.bs = f32(in[2])
	}
	if len(out) > 1 && out[1] != nil {
		k.mean = f32(out[1])
	}
	if len(out) > 2 && out[2] != nil {
		k.inv = f32(out[2])
	}
	k.sp.run()
	k.x, k.y, k.gs, k.bs, k.mean, k.inv = nil, nil, nil, nil, nil, nil
}

// InPlace: each row's statistics are taken before the row is written.
func (k *layerNormKernel) InPlace() (out, in int) { return 0, 0 }
