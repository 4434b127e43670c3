package cpu

import (
	"math"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// ReduceSum, ReduceMean and ReduceMax on float32 over constant axes. Size-1
// dims are dropped and neighbouring dims that are both reduced or both
// kept are merged; then the shapes [K, R] (rows: vec.Sum / vec.Max of
// each) and [K, R, I] (columns: vec.Add / vec.Maximum of R rows of I)
// cover reductions over any one contiguous run of axes, and anything else
// goes through a general loop over precomputed offsets. Sums are float32
// (several partial sums in the SIMD loops), so they differ from the
// float64 reference by rounding.

func init() {
	Register("ReduceSum", reduceBuilder(redSum))
	Register("ReduceMean", reduceBuilder(redMean))
	Register("ReduceMax", reduceBuilder(redMax))
}

type redOp int

const (
	redSum redOp = iota
	redMean
	redMax
)

// reduceKernel is one of three shapes of work.
type reduceKernel struct {
	op              redOp
	cols            bool // [outer, r, inner] with inner > 1; else rows [outer, r]
	outer, r, inner int
	scale           float32 // 1/count for ReduceMean
	// general form: output o reads base(o) + offs[j] for every j.
	general      bool
	channel      *chanReduce // [a, k, r] with a and r reduced (reduce_channel.go)
	offs         []int
	kdims, kstrs []int
	x, y         []float32
	sp           *splitter
	gsp          *splitter
}

func reduceBuilder(op redOp) Builder {
	return func(n *ir.Node, env *Env) Kernel {
		xs, ok := inShape(n, 0)
		if !ok || n.In(0).Type.DType != ir.Float32 {
			return nil
		}
		ys, ok := outShape(n, 0)
		if !ok || product(xs) == 0 {
			return nil
		}
		var axes []int64
		if n.In(1) != nil {
			if axes, ok = constInts(n, 1); !ok {
				return nil
			}
		}
		red := make([]bool, len(xs))
		if len(axes) == 0 && n.Int("noop_with_empty_axes") == 0 {
			for i := range red {
				red[i] = true
			}
		}
		for _, a := range axes {
			d, ok := normAxis(a, len(xs))
			if !ok {
				return nil
			}
			red[d] = true
		}
		k := &reduceKernel{op: op, scale: 1}
		count := 1
		for d, s := range xs {
			if red[d] {
				count *= s
			}
		}
		if product(ys)*count != product(xs) {
			return nil
		}
		if op == redMean {
			k.scale = float32(1 / float64(count))
		}
		k.plan(xs, red)
		pool := envPool(env)
		per := k.r * k.inner
		k.sp = newSplitter(pool, k.outer, max(1, elemGrain/max(per, 1)), k.run)
		k.gsp = newSplitter(pool, product(ys), max(1, elemGrain/max(count, 1)), k.runGeneral)
		if k.channel != nil {
			k.gsp = newSplitter(pool, k.channel.k, max(1, elemGrain/max(count, 1)), k.runChannel)
		}
		return k
	}
}

// plan merges dims and picks the form.
func (k *reduceKernel) plan(xs []int, red []bool) {
	type group struct {
		size int
		red  bool
	}
	var gs []group
	for d, s := range xs {
		if s == 1 {
			continue
		}
		if l := len(gs) - 1; l >= 0 && gs[l].red == red[d] {
			gs[l].size *= s
			continue
		}
		gs = append(gs, group{s, red[d]})
	}
	sizes := func(from, to int) int {
		p := 1
		for _, g := range gs[from:to] {
			p *= g.size
		}
		return p
	}
	switch {
	case len(gs) == 0:
		k.outer, k.r, k.inner = 1, 1, 1
	case len(gs) == 1 && !gs[0].red:
		k.outer, k.r, k.inner = gs[0].size, 1, 1
	case len(gs) <= 2 && gs[len(gs)-1].red:
		k.outer, k.r, k.inner = sizes(0, len(gs)-1), gs[len(gs)-1].size, 1
	case len(gs) == 3 && gs[0].red && k.op != redMax:
		k.channel = &chanReduce{a: gs[0].size, k: gs[1].size, r: gs[2].size}
		return
	case len(gs) == 2 && gs[0].red, len(gs) == 3 && !gs[0].red:
		k.outer, k.r, k.inner = sizes(0, len(gs)-2), gs[len(gs)-2].size, gs[len(gs)-1].size
		k.cols = true
	default:
		k.general = true
	}
	if !k.general {
		return
	}
	strides := contiguousStrides(xs)
	var rdims, rstrs []int
	for d, s := range xs {
		if red[d] {
			rdims, rstrs = append(rdims, s), append(rstrs, strides[d])
		} else {
			k.kdims, k.kstrs = append(k.kdims, s), append(k.kstrs, strides[d])
		}
	}
	k.offs = make([]int, product(rdims))
	for j := range k.offs {
		k.offs[j] = digitsOffset(j, rdims, rstrs)
	}
}

func (k *reduceKernel) run(_, lo, hi int) {
	for o := lo; o < hi; o++ {
		x := k.x[o*k.r*k.inner : (o+1)*k.r*k.inner]
		if !k.cols {
			var v float32
			if k.op == redMax {
				v = vec.Max(x)
				if isNaN32(vec.Sum(x)) {
					v = maxNaN(x, 1)
				}
			} else {
				v = vec.Sum(x) * k.scale
			}
			k.y[o] = v
			continue
		}
		y := k.y[o*k.inner : (o+1)*k.inner]
		copy(y, x[:k.inner])
		for r := 1; r < k.r; r++ {
			row := x[r*k.inner : (r+1)*k.inner]
			if k.op == redMax {
				vec.Maximum(y, y, row)
			} else {
				vec.Add(y, y, row)
			}
		}
		if k.scale != 1 {
			vec.MulScalar(y, y, k.scale)
		}
		if k.op == redMax && isNaN32(vec.Sum(x)) {
			for i := range y {
				y[i] = maxNaN(x[i:], k.inner)
			}
		}
	}
}

// runGeneral computes outputs lo..hi-1 one by one, in float32, with the
// reference's NaN rule for max (a NaN anywhere in the group wins).
func (k *reduceKernel) runGeneral(_, lo, hi int) {
	for o := lo; o < hi; o++ {
		base := digitsOffset(o, k.kdims, k.kstrs)
		if k.op == redMax {
			m := float32(math.Inf(-1))
			for _, off := range k.offs {
				if v := k.x[base+off]; v > m || v != v {
					m = v
					if v != v {
						break
					}
				}
			}
			k.y[o] = m
			continue
		}
		s := float32(0)
		for _, off := range k.offs {
			s += k.x[base+off]
		}
		k.y[o] = s * k.scale
	}
}

func (k *reduceKernel) Run(in, out []*ir.Tensor) {
	k.x, k.y = f32(in[0]), f32(out[0])
	if k.general || k.channel != nil {
		k.gsp.run()
	} else {
		k.sp.run()
	}
	k.x, k.y = nil, nil
}

func isNaN32(v float32) bool { return v != v }

// maxNaN is the reference's max of x[0], x[stride], ...: NaN if any
// element is NaN. The SIMD max leaves NaN unspecified, so ReduceMax
// redoes a group this way when its sum shows a NaN (or opposite
// infinities).
func maxNaN(x []float32, stride int) float32 {
	m := float32(math.Inf(-1))
	for i := 0; i < len(x); i += stride {
		if v := x[i]; v > m || v != v {
			m = v
			if v != v {
				break
			}
		}
	}
	return m
}
