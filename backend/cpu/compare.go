package cpu

import (
	"cmp"

	"github.com/dlc-go/dlc/ir"
)

// Equal, Greater, GreaterOrEqual, Less and LessOrEqual on float32 or int64
// inputs with numpy broadcasting, giving bool. Gradient graphs use them
// for ReLU's mask (Greater(X, 0)) and the loss's one-hot targets
// (Equal(labels, classes)). Go's comparison operators are IEEE's: false
// with a NaN operand, -0 equal to +0, as the reference has them.

func init() {
	for op, c := range map[string]cmpOp{"Equal": cmpEQ, "Greater": cmpGT, "GreaterOrEqual": cmpGE, "Less": cmpLT, "LessOrEqual": cmpLE} {
		Register(op, func(n *ir.Node, env *Env) Kernel {
			if n.In(0) == nil || n.In(1) == nil {
				return nil
			}
			switch n.In(0).Type.DType {
			case ir.Float32:
				return buildCompare[float32](n, env, c)
			case ir.Int64:
				return buildCompare[int64](n, env, c)
			}
			return nil
		})
	}
}

// cmpOp is a comparison; the loops switch on it once per row.
type cmpOp uint8

const (
	cmpEQ cmpOp = iota
	cmpGT
	cmpGE
	cmpLT
	cmpLE
)

type compareKernel[T cmp.Ordered] struct {
	op     cmpOp
	plan   *bcastPlan
	sa, sb int
	a, b   []T
	y      []bool
	sp     *splitter
}

func buildCompare[T cmp.Ordered](n *ir.Node, env *Env, op cmpOp) Kernel {
	if n.In(1).Type.DType != n.In(0).Type.DType || n.Out(0) == nil || n.Out(0).Type.DType != ir.Bool {
		return nil
	}
	as, ok1 := inShape(n, 0)
	bs, ok2 := inShape(n, 1)
	ys, ok3 := anyOutShape(n, 0)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	k := &compareKernel[T]{op: op, plan: newBcastPlan(ys, as, bs)}
	k.sa, k.sb = k.plan.innerStride(0), k.plan.innerStride(1)
	if k.plan.outer == 1 { // one row (no broadcast but a scalar): split it
		k.sp = newSplitter(envPool(env), k.plan.inner, elemGrain, k.span)
		return k
	}
	k.sp = newSplitter(envPool(env), k.plan.outer, max(1, elemGrain/k.plan.inner), k.rows)
	return k
}

// span compares elements [lo, hi) of the single row.
func (k *compareKernel[T]) span(_, lo, hi int) {
	compareRow(k.op, k.y[lo:hi], k.a[lo*k.sa:], k.b[lo*k.sb:], k.sa, k.sb)
}

// rows compares outer blocks [lo, hi).
func (k *compareKernel[T]) rows(_, lo, hi int) {
	p := k.plan
	for b := lo; b < hi; b++ {
		compareRow(k.op, k.y[b*p.inner:(b+1)*p.inner], k.a[p.offset(0, b):], k.b[p.offset(1, b):], k.sa, k.sb)
	}
}

// compareRow sets y[i] = a[i·sa] op b[i·sb].
func compareRow[T cmp.Ordered](op cmpOp, y []bool, a, b []T, sa, sb int) {
	switch op {
	case cmpEQ:
		for i := range y {
			y[i] = a[i*sa] == b[i*sb]
		}
	case cmpGT:
		for i := range y {
			y[i] = a[i*sa] > b[i*sb]
		}
	case cmpGE:
		for i := range y {
			y[i] = a[i*sa] >= b[i*sb]
		}
	case cmpLT:
		for i := range y {
			y[i] = a[i*sa] < b[i*sb]
		}
	case cmpLE:
		for i := range y {
			y[i] = a[i*sa] <= b[i*sb]
		}
	}
}

func (k *compareKernel[T]) Run(in, out []*ir.Tensor) {
	k.a, k.b, k.y = data[T](in[0]), data[T](in[1]), data[bool](out[0])
	if len(k.y) > 0 {
		k.sp.run()
	}
	k.a, k.b, k.y = nil, nil, nil
}
