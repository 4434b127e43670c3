package cpu

import "github.com/dlc-go/dlc/ir"

// Expand: a numpy broadcast copy, planned like the binary ops into rows
// that are either copied or filled with one broadcast element.

func init() {
	Register("Expand", func(n *ir.Node, env *Env) Kernel {
		return buildFor(n, env, buildExpand[float32], buildExpand[int64])
	})
}

type expandKernel[T any] struct {
	plan *bcastPlan
	fill bool // the inner row is one broadcast element
}

func buildExpand[T any](n *ir.Node, env *Env) Kernel {
	xs, ok := inShape(n, 0)
	if !ok {
		return nil
	}
	ys, ok := anyOutShape(n, 0)
	if !ok || len(ys) < len(xs) {
		return nil
	}
	p := newBcastPlan(ys, xs)
	return &expandKernel[T]{plan: p, fill: p.innerStride(0) == 0}
}

func (k *expandKernel[T]) Run(in, out []*ir.Tensor) {
	x, y := data[T](in[0]), data[T](out[0])
	p := k.plan
	if len(y) == 0 {
		return
	}
	for b := 0; b < p.outer; b++ {
		o := p.offset(0, b)
		row := y[b*p.inner : (b+1)*p.inner]
		if k.fill {
			v := x[o]
			for i := range row {
				row[i] = v
			}
		} else {
			copy(row, x[o:o+p.inner])
		}
	}
}
