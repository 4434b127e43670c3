package cpu

import "github.com/dlc-go/dlc/ir"

// Gather: data seen as [outer, dim, inner] around axis; each index picks
// one run of inner elements, so axis 0 is an embedding lookup of whole
// rows. Indices are int64 or int32 and may be negative (counting from the
// end). An index out of range cannot be reported from Run: its run is
// filled with zeros (the reference rejects it with an error).

func init() {
	Register("Gather", func(n *ir.Node, env *Env) Kernel {
		return buildFor(n, env, buildGather[float32], buildGather[int64])
	})
}

type gatherKernel[T any] struct {
	outer, dim, inner int
	idx32             bool
}

func buildGather[T any](n *ir.Node, env *Env) Kernel {
	xs, ok := inShape(n, 0)
	if !ok || len(xs) == 0 {
		return nil
	}
	if _, ok := inShape(n, 1); !ok {
		return nil
	}
	if _, ok := anyOutShape(n, 0); !ok {
		return nil
	}
	dt := n.In(1).Type.DType
	if dt != ir.Int64 && dt != ir.Int32 {
		return nil
	}
	axis, ok := normAxis(n.Int("axis"), len(xs))
	if !ok {
		return nil
	}
	return &gatherKernel[T]{outer: product(xs[:axis]), dim: xs[axis], inner: product(xs[axis+1:]), idx32: dt == ir.Int32}
}

func (k *gatherKernel[T]) Run(in, out []*ir.Tensor) {
	x, y := data[T](in[0]), data[T](out[0])
	if k.idx32 {
		gatherRuns(k, x, y, data[int32](in[1]))
	} else {
		gatherRuns(k, x, y, data[int64](in[1]))
	}
}

func gatherRuns[T any, I int32 | int64](k *gatherKernel[T], x, y []T, idx []I) {
	in := k.inner
	o := 0
	for b := 0; b < k.outer; b++ {
		src := x[b*k.dim*in:]
		for _, i := range idx {
			p := int(i)
			if p < 0 {
				p += k.dim
			}
			dst := y[o : o+in]
			if p < 0 || p >= k.dim {
				clear(dst)
			} else {
				copy(dst, src[p*in:(p+1)*in])
			}
			o += in
		}
	}
}
