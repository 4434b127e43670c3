package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// Softmax and LogSoftmax along one axis (the opset-13 meaning; the
// importer rewrites the older flatten-to-2-D form). The input is seen as
// [outer, n, inner]: with inner = 1 the rows are contiguous and a
// thread's range of them goes to vec.SoftmaxRows in one call (short rows,
// as in attention, then loop in assembly); otherwise each strided column
// is gathered into per-thread scratch, transformed and scattered back.

func init() {
	Register("Softmax", softmaxBuilder(vec.SoftmaxRows))
	Register("LogSoftmax", softmaxBuilder(vec.LogSoftmaxRows))
}

type softmaxKernel struct {
	rows            func(dst, src []float32, n int)
	outer, n, inner int
	scratch         [][]float32 // per splitter range, for inner > 1
	x, y            []float32
	sp              *splitter
}

func softmaxBuilder(rows func(dst, src []float32, n int)) Builder {
	return func(n *ir.Node, env *Env) Kernel {
		shapes, ok := staticShapes(n)
		if !ok {
			return nil
		}
		xs := shapes[0]
		ys, ok := outShape(n, 0)
		if !ok || !slices.Equal(xs, ys) {
			return nil
		}
		if len(xs) == 0 {
			xs = []int{1}
		}
		axis, ok := normAxis(n.Int("axis"), len(xs))
		if !ok {
			return nil
		}
		k := &softmaxKernel{rows: rows, outer: product(xs[:axis]), n: xs[axis], inner: product(xs[axis+1:])}
		if k.n == 0 || k.outer*k.inner == 0 {
			k.outer, k.inner = 0, 1
		}
		units := k.outer * k.inner
		k.sp = newSplitter(envPool(env), units, max(1, mathGrain/max(k.n, 1)), k.units)
		if k.inner > 1 {
			k.scratch = make([][]float32, k.sp.parts())
			for i := range k.scratch {
				k.scratch[i] = make([]float32, k.n)
			}
		}
		return k
	}
}

// units transforms rows (inner = 1) or columns lo..hi-1, numbered
// outer-major.
func (k *softmaxKernel) units(c, lo, hi int) {
	if k.inner == 1 {
		k.rows(k.y[lo*k.n:hi*k.n], k.x[lo*k.n:hi*k.n], k.n)
		return
	}
	buf := k.scratch[c]
	for u := lo; u < hi; u++ {
		o, i := u/k.inner, u%k.inner
		base := o*k.n*k.inner + i
		for j := range buf {
			buf[j] = k.x[base+j*k.inner]
		}
		k.rows(buf, buf, k.n)
		for j, v := range buf {
			k.y[base+j*k.inner] = v
		}
	}
}

func (k *softmaxKernel) Run(in, out []*ir.Tensor) {
	k.x, k.y = f32(in[0]), f32(out[0])
	k.sp.run()
	k.x, k.y = nil, nil
}

// InPlace: a row is read completely (for its maximum) before any of it
// is written, and columns are copied out first.
func (k *softmaxKernel) InPlace() (out, in int) { return 0, 0 }
