package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Where(cond, X, Y) on float32 or int64 values with numpy broadcasting of
// all three, planned into rows (elementwise_bcast.go). Out 0 may share
// X's buffer when X is not broadcast.

func init() {
	Register("Where", func(n *ir.Node, env *Env) Kernel {
		if n.In(1) == nil {
			return nil
		}
		switch n.In(1).Type.DType {
		case ir.Float32:
			return buildWhere[float32](n, env)
		case ir.Int64:
			return buildWhere[int64](n, env)
		}
		return nil
	})
}

type whereKernel[T any] struct {
	plan       *bcastPlan
	sc, sx, sy int
	inPlace    int
	c          []bool
	x, y, z    []T
	sp         *splitter
}

func buildWhere[T any](n *ir.Node, env *Env) Kernel {
	if n.In(0).Type.DType != ir.Bool || n.In(2).Type.DType != n.In(1).Type.DType {
		return nil
	}
	var shapes [3][]int
	for i := range shapes {
		s, ok := inShape(n, i)
		if !ok {
			return nil
		}
		shapes[i] = s
	}
	zs, ok := anyOutShape(n, 0)
	if !ok {
		return nil
	}
	k := &whereKernel[T]{plan: newBcastPlan(zs, shapes[0], shapes[1], shapes[2]), inPlace: -1}
	k.sc, k.sx, k.sy = k.plan.innerStride(0), k.plan.innerStride(1), k.plan.innerStride(2)
	if slices.Equal(shapes[1], zs) {
		k.inPlace = 1
	}
	k.sp = newSplitter(envPool(env), k.plan.outer, max(1, elemGrain/k.plan.inner), k.rows)
	return k
}

func (k *whereKernel[T]) rows(_, lo, hi int) {
	p := k.plan
	for b := lo; b < hi; b++ {
		oc, ox, oy := p.offset(0, b), p.offset(1, b), p.offset(2, b)
		z := k.z[b*p.inner : (b+1)*p.inner]
		for i := range z {
			if k.c[oc+i*k.sc] {
				z[i] = k.x[ox+i*k.sx]
			} else {
				z[i] = k.y[oy+i*k.sy]
			}
		}
	}
}

func (k *whereKernel[T]) Run(in, out []*ir.Tensor) {
	k.c, k.x, k.y, k.z = data[bool](in[0]), data[T](in[1]), data[T](in[2]), data[T](out[0])
	if len(k.z) > 0 {
		k.sp.run()
	}
	k.c, k.x, k.y, k.z = nil, nil, nil, nil
}

// InPlace allows out 0 over X when X is not broadcast.
func (k *whereKernel[T]) InPlace() (out, in int) {
	if k.inPlace < 0 {
		return 0, -1
	}
	return 0, k.inPlace
}
