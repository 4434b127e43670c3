package cpu

import (
	"math"
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// dlc.BatchNormGrad and dlc.LayerNormGrad (ir/ops_fused_norm_grad.go) on
// float32. Each normalized group (a channel of BatchNormalization, a row
// of LayerNormalization) takes three passes over its m elements:
//
//  1. the mean, then the sum of squared deviations from it, as the
//     forward kernels take them (SIMD float32 per plane or row, planes
//     added in float64);
//  2. Xc = X - mean, written into dX, and S1 = Σ G, S2 = Σ G·Xc for
//     G = dY·Scale (dScale is invstd·Σ dY·Xc, dBias Σ dY);
//  3. dX = invstd·G - invstd·S1/m - invstd³·S2/m·Xc over Xc in place,
//     the gradient formula with X̂ = invstd·Xc.
//
// Xc is formed before any product, so a mean far from zero costs no
// precision. BatchNormGrad runs channels in parallel, each on one thread.
// LayerNormGrad runs rows in chunks whose size depends on the shape only;
// each chunk sums its dScale and dBias into its own buffers, added in
// chunk order at the end, so results do not depend on the thread count.

func init() {
	Register("dlc.BatchNormGrad", buildBatchNormGrad)
	Register("dlc.LayerNormGrad", buildLayerNormGrad)
}

// normGradShapes checks what both ops need: float32 inputs of static
// shapes, a non-empty X, dY of X's shape and float32 outputs of static
// shapes where present. It returns X's shape, Scale's, and which of
// dScale and dBias n has.
func normGradShapes(n *ir.Node) (x, scale []int, want [2]bool, ok bool) {
	shapes, ok := staticShapes(n)
	if !ok || len(shapes) != 3 || product(shapes[0]) == 0 || !slices.Equal(shapes[0], shapes[1]) {
		return nil, nil, want, false
	}
	if s, ok := outShape(n, 0); !ok || !slices.Equal(s, shapes[0]) {
		return nil, nil, want, false
	}
	for i := 1; i < 3; i++ {
		if n.Out(i) == nil {
			continue
		}
		if s, ok := outShape(n, i); !ok || product(s) != product(shapes[2]) {
			return nil, nil, want, false
		}
		want[i-1] = true
	}
	return shapes[0], shapes[2], want, true
}

// normGradInPlace is the InPlace answer of both kernels: dX may take X's
// buffer, since a group's X is read in full before its dX is written and
// groups are disjoint, unless X also feeds dY or Scale.
func normGradInPlace(n *ir.Node) (out, in int) {
	if n.Inputs[0] == n.Inputs[1] || n.Inputs[0] == n.Inputs[2] {
		return -1, -1
	}
	return 0, 0
}

// normGradCoefs returns the factors of pass 3, dX = a·G + b·Xc + c, for
// a group of 1/invM elements with the given invstd and sums S1 and S2.
func normGradCoefs(invM, invstd, s1, s2 float64) (a, b, c float32) {
	return float32(invstd), float32(-invstd * invstd * invstd * s2 * invM), float32(-invstd * s1 * invM)
}

// bnGradSmallPlane is the plane size below which BatchNormGrad runs
// scalar loops over whole rows of channels (smallPlanes) instead of a
// few SIMD calls per plane, whose overhead would dominate; a
// BatchNormalization after a dense layer has planes of 1.
const bnGradSmallPlane = 16

type batchNormGradKernel struct {
	n, c, plane int
	eps         float64
	want        [2]bool // dScale, dBias
	inPlace     [2]int
	pool        *parallel.Pool
	chanFn      func(c int)
	small       *splitter // over channels, for planes below bnGradSmallPlane
	// stats holds, per channel, the mean, the sum of squared deviations
	// and S1, S2 of the small-plane path.
	stats   []float64
	in, out []*ir.Tensor // per call
}

func buildBatchNormGrad(n *ir.Node, env *Env) Kernel {
	xs, ss, want, ok := normGradShapes(n)
	if !ok || len(xs) < 2 || len(ss) != 1 || ss[0] != xs[1] {
		return nil
	}
	k := &batchNormGradKernel{n: xs[0], c: xs[1], plane: product(xs[2:]), eps: float64(n.Float("epsilon")),
		want: want, pool: envPool(env)}
	k.inPlace[0], k.inPlace[1] = normGradInPlace(n)
	if k.plane < bnGradSmallPlane {
		k.stats = make([]float64, 4*k.c)
		k.small = newSplitter(k.pool, k.c, max(1, elemGrain/(k.n*k.plane)), k.smallPlanes)
		return k
	}
	k.chanFn = k.channel
	return k
}

func (k *batchNormGradKernel) Run(in, out []*ir.Tensor) {
	k.in, k.out = in, out
	if k.small != nil {
		k.small.run()
	} else {
		k.pool.For(k.c, k.chanFn)
	}
	k.in, k.out = nil, nil
}

func (k *batchNormGradKernel) InPlace() (out, in int) { return k.inPlace[0], k.inPlace[1] }

// channel makes the three passes over channel c's N planes.
func (k *batchNormGradKernel) channel(c int) {
	x, dy, dx := f32(k.in[0]), f32(k.in[1]), f32(k.out[0])
	p, stride := k.plane, k.c*k.plane
	// The forward kernel's statistics (channelMoments). A channel's
	// planes stay in L2 across the passes.
	m := float64(k.n * p)
	mean64, variance := channelMoments(x, c, p, stride)
	mean := float32(mean64)
	invstd := 1 / math.Sqrt(variance+k.eps)
	s1, s2 := 0.0, 0.0 // Σ dY and Σ dY·Xc: Scale is one number per channel
	for off := c * p; off < len(x); off += stride {
		dp, gp := dx[off:off+p], dy[off:off+p]
		vec.SubScalar(dp, x[off:off+p], mean)
		s1 += float64(vec.Sum(gp))
		s2 += float64(vec.Dot(gp, dp))
	}
	scale := float64(f32(k.in[2])[c])
	_, b, cc := normGradCoefs(1/m, invstd, s1*scale, s2*scale)
	a := float32(invstd * scale)
	for off := c * p; off < len(x); off += stride {
		dp := dx[off : off+p]
		vec.MulScalar(dp, dp, b)
		vec.AddScaled(dp, dy[off:off+p], a)
		vec.AddScalar(dp, dp, cc)
	}
	if k.want[0] {
		f32(k.out[1])[c] = float32(invstd * s2)
	}
	if k.want[1] {
		f32(k.out[2])[c] = float32(s1)
	}
}

// smallPlanes makes the three passes for channels [lo, hi) in float64,
// reading X, dY and dX in memory order: for each batch item, the planes
// of the range's channels are one contiguous run, walked with the
// channel c and position i in its plane counted along.
func (k *batchNormGradKernel) smallPlanes(_, lo, hi int) {
	x, dy, dx, scale := f32(k.in[0]), f32(k.in[1]), f32(k.out[0]), f32(k.in[2])
	p, run := k.plane, (hi-lo)*k.plane
	mean, dev, s1, s2 := k.stats[:k.c], k.stats[k.c:2*k.c], k.stats[2*k.c:3*k.c], k.stats[3*k.c:]
	m := float64(k.n * p)
	for c := lo; c < hi; c++ {
		mean[c], dev[c], s1[c], s2[c] = 0, 0, 0, 0
	}
	for off := lo * p; off < len(x); off += k.c * p {
		c, i := lo, 0
		for _, v := range x[off : off+run] {
			mean[c] += float64(v)
			if i++; i == p {
				c, i = c+1, 0
			}
		}
	}
	for c := lo; c < hi; c++ {
		mean[c] /= m
	}
	for off := lo * p; off < len(x); off += k.c * p {
		gs := dy[off : off+run]
		c, i := lo, 0
		for j, v := range x[off : off+run] {
			xc, g := float64(v)-mean[c], float64(gs[j])
			dev[c] += xc * xc
			s1[c] += g
			s2[c] += g * xc
			if i++; i == p {
				c, i = c+1, 0
			}
		}
	}
	// From here on the slots of dev, s1 and s2 hold the factors of
	// dX = a·dY + b·(X - mean) + cc.
	a, b, cc := dev, s1, s2
	for c := lo; c < hi; c++ {
		invstd := 1 / math.Sqrt(dev[c]/m+k.eps)
		if k.want[0] {
			f32(k.out[1])[c] = float32(invstd * s2[c])
		}
		if k.want[1] {
			f32(k.out[2])[c] = float32(s1[c])
		}
		sc := float64(scale[c])
		a[c], b[c], cc[c] = invstd*sc, -invstd*invstd*invstd*sc*s2[c]/m, -invstd*sc*s1[c]/m
	}
	for off := lo * p; off < len(x); off += k.c * p {
		gs, ds := dy[off:off+run], dx[off:off+run]
		c, i := lo, 0
		for j, v := range x[off : off+run] {
			ds[j] = float32(a[c]*float64(gs[j]) + b[c]*(float64(v)-mean[c]) + cc[c])
			if i++; i == p {
				c, i = c+1, 0
			}
		}
	}
}

// lnGradChunkElems is about how many elements of X a LayerNormGrad chunk
// covers (at least one row), and lnGradMaxChunks caps the chunk count
// (and so the partial sums kept) on large inputs.
const (
	lnGradChunkElems = 1 << 13
	lnGradMaxChunks  = 64
)

type layerNormGradKernel struct {
	rows, d   int
	eps       float64
	want      [2]bool // dScale, dBias
	inPlace   [2]int
	chunkRows int
	chunks    int
	// scratch holds 3 rows of d per chunk: its dScale and dBias partial
	// sums, and a row for dY·Xc, then G = dY·Scale.
	scratch []float32
	pool    *parallel.Pool
	chunkFn func(c int)
	in, out []*ir.Tensor // per call
}

func buildLayerNormGrad(n *ir.Node, env *Env) Kernel {
	xs, ss, want, ok := normGradShapes(n)
	if !ok {
		return nil
	}
	axis, ok := normAxis(n.Int("axis"), len(xs))
	if !ok || !slices.Equal(ss, xs[axis:]) {
		return nil
	}
	k := &layerNormGradKernel{rows: product(xs[:axis]), d: product(xs[axis:]), eps: float64(n.Float("epsilon")),
		want: want, pool: envPool(env)}
	k.chunkRows = max(1, lnGradChunkElems/k.d, (k.rows+lnGradMaxChunks-1)/lnGradMaxChunks)
	k.chunks = (k.rows + k.chunkRows - 1) / k.chunkRows
	k.scratch = make([]float32, 3*k.d*k.chunks)
	k.inPlace[0], k.inPlace[1] = normGradInPlace(n)
	k.chunkFn = k.chunk
	return k
}

func (k *layerNormGradKernel) InPlace() (out, in int) { return k.inPlace[0], k.inPlace[1] }

func (k *layerNormGradKernel) Run(in, out []*ir.Tensor) {
	k.in, k.out = in, out
	k.pool.For(k.chunks, k.chunkFn)
	for i, w := range k.want {
		if !w {
			continue
		}
		dst := f32(out[1+i])
		for j := range dst {
			s := 0.0
			for c := range k.chunks {
				s += float64(k.scratch[(3*c+i)*k.d+j])
			}
			dst[j] = float32(s)
		}
	}
	k.in, k.out = nil, nil
}

// chunk runs the rows of chunk c, summing their dScale and dBias terms
// into the chunk's partial sums.
func (k *layerNormGradKernel) chunk(c int) {
	d := k.d
	x, dy, scale, dx := f32(k.in[0]), f32(k.in[1]), f32(k.in[2]), f32(k.out[0])
	buf := k.scratch[3*c*d : 3*(c+1)*d]
	accS, accB, g := buf[:d], buf[d:2*d], buf[2*d:]
	clear(accS)
	clear(accB)
	invD := 1 / float64(d)
	for r := c * k.chunkRows; r < min(k.rows, (c+1)*k.chunkRows); r++ {
		xr, gr, dr := x[r*d:(r+1)*d], dy[r*d:(r+1)*d], dx[r*d:(r+1)*d]
		mean := vec.Sum(xr) / float32(d)
		invstd := 1 / math.Sqrt(float64(vec.SumSqDev(xr, mean))*invD+k.eps)
		vec.SubScalar(dr, xr, mean)
		if k.want[0] {
			vec.Mul(g, gr, dr)
			vec.AddScaled(accS, g, float32(invstd))
		}
		if k.want[1] {
			vec.Add(accB, accB, gr)
		}
		vec.Mul(g, gr, scale)
		s1, s2 := float64(vec.Sum(g)), float64(vec.Dot(g, dr))
		a, b, cc := normGradCoefs(invD, invstd, s1, s2)
		vec.MulScalar(dr, dr, b)
		vec.AddScaled(dr, g, a)
		vec.AddScalar(dr, dr, cc)
	}
}
