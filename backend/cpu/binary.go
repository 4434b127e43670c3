package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// Add, Sub, Mul and Div on float32 with numpy broadcasting. The broadcast
// is planned at build time (elementwise_bcast.go) into outer blocks of one
// row; each row is a vector-vector, vector-scalar or scalar-vector loop.
// Results match the reference exactly: one IEEE operation per element.

func init() {
	Register("Add", binaryBuilder(binOps{vec.Add, vec.AddScalar, func(d, b []float32, a float32) { vec.AddScalar(d, b, a) },
		func(a, b float32) float32 { return a + b }}))
	Register("Sub", binaryBuilder(binOps{vec.Sub, vec.SubScalar, vec.ScalarSub,
		func(a, b float32) float32 { return a - b }}))
	Register("Mul", binaryBuilder(binOps{vec.Mul, vec.MulScalar, func(d, b []float32, a float32) { vec.MulScalar(d, b, a) },
		func(a, b float32) float32 { return a * b }}))
	Register("Div", binaryBuilder(binOps{vec.Div, vec.DivScalar, vec.ScalarDiv,
		func(a, b float32) float32 { return a / b }}))
}

// binOps is one binary op in its row forms: vv(d, a, b), vs(d, a, s) with
// s the broadcast b, sv(d, b, s) with s the broadcast a, and the scalar op.
type binOps struct {
	vv func(d, a, b []float32)
	vs func(d, a []float32, s float32)
	sv func(d, b []float32, s float32)
	ss func(a, b float32) float32
}

type binaryKernel struct {
	ops     binOps
	plan    *bcastPlan
	sa, sb  int // inner strides of a and b
	inPlace int // input that out 0 may share, -1 for none
	a, b, y []float32
	sp      *splitter
	rowSp   bool // the splitter cuts the single row, not outer blocks
}

func binaryBuilder(ops binOps) Builder {
	return func(n *ir.Node, env *Env) Kernel {
		shapes, ok := staticShapes(n)
		if !ok || len(shapes) != 2 {
			return nil
		}
		ys, ok := outShape(n, 0)
		if !ok {
			return nil
		}
		k := &binaryKernel{ops: ops, plan: newBcastPlan(ys, shapes[0], shapes[1]), inPlace: -1}
		k.sa, k.sb = k.plan.innerStride(0), k.plan.innerStride(1)
		if slices.Equal(shapes[0], ys) {
			k.inPlace = 0
		}
		pool := envPool(env)
		if k.plan.outer == 1 {
			k.rowSp = true
			k.sp = newSplitter(pool, k.plan.inner, elemGrain, func(_, lo, hi int) { k.row(0, lo, hi) })
		} else {
			grain := max(1, elemGrain/k.plan.inner)
			k.sp = newSplitter(pool, k.plan.outer, grain, func(_, lo, hi int) {
				for b := lo; b < hi; b++ {
					k.row(b, 0, k.plan.inner)
				}
			})
		}
		return k
	}
}

// row computes elements [lo, hi) of outer block b's row.
func (k *binaryKernel) row(b, lo, hi int) {
	p := k.plan
	o := b*p.inner + lo
	y := k.y[o : o+hi-lo]
	oa, ob := p.offset(0, b), p.offset(1, b)
	switch {
	case k.sa == 1 && k.sb == 1:
		k.ops.vv(y, k.a[oa+lo:], k.b[ob+lo:])
	case k.sa == 1:
		k.ops.vs(y, k.a[oa+lo:], k.b[ob])
	case k.sb == 1:
		k.ops.sv(y, k.b[ob+lo:], k.a[oa])
	default:
		v := k.ops.ss(k.a[oa], k.b[ob])
		for i := range y {
			y[i] = v
		}
	}
}

func (k *binaryKernel) Run(in, out []*ir.Tensor) {
	k.a, k.b, k.y = f32(in[0]), f32(in[1]), f32(out[0])
	k.sp.run()
	k.a, k.b, k.y = nil, nil, nil
}

// InPlace allows out 0 over input 0 when input 0 is not broadcast.
func (k *binaryKernel) InPlace() (out, in int) { return 0, k.inPlace }
