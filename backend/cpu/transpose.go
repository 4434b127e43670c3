package cpu

import "github.com/dlc-go/dlc/ir"

// Transpose. Output dims that stay adjacent and in order in the input are
// merged and size-1 dims dropped, which turns most permutations into
// either row copies (the input's last dim stays last: [B,S,H,D] ->
// [B,H,S,D]) or batches of 2-D transposes ([N,C,HW] -> [N,HW,C], plain
// matrices). The 2-D case works in square tiles so reads and writes both
// stay within a few cache lines.

func init() {
	Register("Transpose", func(n *ir.Node, env *Env) Kernel {
		return buildFor(n, env, buildTranspose[float32], buildTranspose[int64])
	})
}

// transposeTile is the tile edge of the 2-D case.
const transposeTile = 16

type transposeKernel[T any] struct {
	dims     []int // merged output dims
	src      []int // input stride of each output dim
	dst      []int // output stride of each output dim
	outerIdx []int // the dims iterated as outer blocks
	od, os   []int // their sizes and input/output strides
	oo       []int
	p        int // 2-D case: the output dim with input stride 1; -1 for row copies
	rows     int // row-copy length, or the last dim's size in the 2-D case
	x, y     []T
	sp       *splitter
}

func buildTranspose[T any](n *ir.Node, env *Env) Kernel {
	xs, ok := inShape(n, 0)
	if !ok {
		return nil
	}
	ys, ok := anyOutShape(n, 0)
	if !ok {
		return nil
	}
	perm := n.Ints("perm")
	if perm == nil {
		for i := len(xs) - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	if len(perm) != len(xs) {
		return nil
	}
	in := contiguousStrides(xs)
	var dims, src []int
	for _, p := range perm {
		d := xs[p]
		if d == 1 {
			continue
		}
		if l := len(dims) - 1; l >= 0 && src[l] == in[p]*d {
			dims[l] *= d
			src[l] = in[p]
			continue
		}
		dims, src = append(dims, d), append(src, in[p])
	}
	if len(dims) == 0 {
		dims, src = []int{1}, []int{1}
	}
	k := &transposeKernel[T]{dims: dims, src: src, dst: contiguousStrides(dims), p: -1}
	last := len(dims) - 1
	k.rows = dims[last]
	if src[last] != 1 {
		for i, s := range src {
			if s == 1 {
				k.p = i
			}
		}
		if k.p < 0 {
			return nil
		}
	}
	for i := 0; i < last; i++ {
		if i != k.p {
			k.outerIdx = append(k.outerIdx, i)
			k.od, k.os, k.oo = append(k.od, dims[i]), append(k.os, src[i]), append(k.oo, k.dst[i])
		}
	}
	outer := product(k.od)
	if product(ys) == 0 {
		outer = 0
	}
	per := k.rows
	if k.p >= 0 {
		per *= dims[k.p]
	}
	k.sp = newSplitter(envPool(env), outer, max(1, elemGrain/max(per, 1)), k.blocks)
	return k
}

func (k *transposeKernel[T]) blocks(_, lo, hi int) {
	for b := lo; b < hi; b++ {
		so, do := digitsOffset(b, k.od, k.os), digitsOffset(b, k.od, k.oo)
		if k.p < 0 {
			copy(k.y[do:do+k.rows], k.x[so:so+k.rows])
			continue
		}
		k.tile2D(so, do)
	}
}

// tile2D moves one P×Q block: element (i, j) is read at so + i + j·sq and
// written at do + i·dp + j, where i runs along output dim p (input stride
// 1) and j along the last output dim.
func (k *transposeKernel[T]) tile2D(so, do int) {
	P, Q := k.dims[k.p], k.rows
	dp, sq := k.dst[k.p], k.src[len(k.src)-1]
	x, y := k.x, k.y
	for i0 := 0; i0 < P; i0 += transposeTile {
		i1 := min(i0+transposeTile, P)
		for j0 := 0; j0 < Q; j0 += transposeTile {
			j1 := min(j0+transposeTile, Q)
			for i := i0; i < i1; i++ {
				row := y[do+i*dp+j0 : do+i*dp+j1]
				s := so + i + j0*sq
				for j := range row {
					row[j] = x[s+j*sq]
				}
			}
		}
	}
}

func (k *transposeKernel[T]) Run(in, out []*ir.Tensor) {
	k.x, k.y = data[T](in[0]), data[T](out[0])
	k.sp.run()
	k.x, k.y = nil, nil
}
