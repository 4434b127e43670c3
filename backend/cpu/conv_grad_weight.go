package cpu

import (
	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// dlc.ConvGradWeight over NCHW float32 (2-D, or 1-D as H=1), the weight
// gradient of Conv, as one GEMM per group and chunk of images:
//
//	dW_g [M/g, C/g·kh·kw] += dY_g [M/g, n·OH·OW] × im2col(X_g) [C/g·kh·kw, n·OH·OW]ᵀ
//
// The chunk's images are laid side by side in both operands (dY's rows
// copied out of their [N, M, ·] layout, X's windows written by im2col), so
// the product's inner dimension is n·OH·OW: long enough for the GEMM to
// run near its peak even where one image's plane is small (7×7, 14×14).
// A chunk holds as many images as fit in convColBudget; where one image
// does not fit, a chunk is one image's tile of output rows instead (the
// scratch stays bounded for large planes). With at most
// dotRows columns of dW (a conv over one or two input channels) the GEMM
// would run on a sliver of its tile, so each dW element is instead a dot
// product of a dY row and an im2col row, blocked along the inner
// dimension so a block of the im2col rows stays in L1 (measured on the
// 1→32 3×3 conv of a 28×28 batch of 64: 4.2 ms as a GEMM).

func init() {
	Register(ir.OpKey(ir.FusedDomain, "ConvGradWeight"), buildConvGradWeight)
}

// convGradWKernel is a ConvGradWeight specialized to its shapes.
type convGradWKernel struct {
	g                  win2
	batch, c, m, group int
	cg, mg, kdim       int
	inPlane, outPlane  int
	taps               []im2colTap // per kernel column: valid outputs and first input column
	chunk              int         // images per GEMM
	tileRows           int         // output rows per GEMM: OH unless chunk is 1 image that does not fit
	col, dyT           []float32   // [kdim, n·outPlane] and [mg, n·outPlane]
	ctx                *gemm.Ctx
	pool               *parallel.Pool
	parts              int
	fillFn             func(part int)
	dots               bool
	dotFn              func(m int)
	dw                 []float32
	beta               bool
	x, dy              []float32 // per call
	grp, b0, nb, ld    int       // the current group and chunk
	t0, t1, seg        int       // the chunk's output rows, and its columns per image
}

func buildConvGradWeight(n *ir.Node, env *Env) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok {
		return nil
	}
	xs, ys := shapes[0], shapes[1]
	ws, ok := outShape(n, 0)
	if !ok || (len(xs) != 3 && len(xs) != 4) || len(ys) != len(xs) || len(ws) != len(xs) {
		return nil
	}
	geom, err := ir.WindowGeometry(n, xs[2:], ws[2:], false)
	if err != nil {
		return nil
	}
	g, ok := newWin2(geom)
	if !ok {
		return nil
	}
	group := int(n.Int("group"))
	k := &convGradWKernel{g: g, batch: xs[0], c: xs[1], m: ys[1], group: group, ctx: newGemmCtx(env), pool: env.Pool}
	if group < 1 || k.c%group != 0 || k.m%group != 0 || ws[0] != k.m || ws[1]*group != k.c || ys[0] != k.batch {
		return nil
	}
	for i, d := range geom.Out {
		if ys[2+i] != d {
			return nil
		}
	}
	k.cg, k.mg = k.c/group, k.m/group
	k.kdim = k.cg * g.kh * g.kw
	k.inPlane, k.outPlane = g.h*g.w, g.oh*g.ow
	k.taps = stridedTaps(&g)
	k.chunk = max(1, min(k.batch, convColBudget/((k.kdim+k.mg)*k.outPlane)))
	k.tileRows = g.oh
	if k.chunk == 1 {
		k.tileRows = max(1, min(g.oh, convColBudget/((k.kdim+k.mg)*g.ow)))
	}
	k.col = make([]float32, k.kdim*k.chunk*k.tileRows*g.ow)
	k.dyT = make([]float32, k.mg*k.chunk*k.tileRows*g.ow)
	k.parts = env.Pool.Threads() * 4
	k.fillFn = k.fill
	k.dots = k.kdim <= dotRows
	k.dotFn = k.dotRow
	return k
}

// stridedTaps returns, for each kernel column j, the outputs [lo, hi)
// whose tap j lies inside the input row, and in at the input column of
// output lo (consecutive outputs step by the column stride).
func stridedTaps(g *win2) []im2colTap {
	taps := make([]im2colTap, g.kw)
	for j := range taps {
		iw0 := j*g.dw - g.pw
		lo, hi := validRange(iw0, g.sw, g.w, g.ow)
		taps[j] = im2colTap{lo: lo, hi: hi, at: iw0 + lo*g.sw}
	}
	return taps
}

// Run computes dW from X and dY.
func (k *convGradWKernel) Run(in, out []*ir.Tensor) {
	k.x, k.dy = f32(in[0]), f32(in[1])
	dw := f32(out[0])
	k.dw = dw
	for grp := 0; grp < k.group; grp++ {
		k.grp = grp
		for b0 := 0; b0 < k.batch; b0 += k.chunk {
			for t0 := 0; t0 < k.g.oh; t0 += k.tileRows {
				k.b0, k.nb = b0, min(k.chunk, k.batch-b0)
				k.t0, k.t1 = t0, min(t0+k.tileRows, k.g.oh)
				k.seg = (k.t1 - k.t0) * k.g.ow
				k.ld = k.nb * k.seg
				k.pool.For(min(k.parts, k.nb*(k.kdim+k.mg)), k.fillFn)
				first := b0 == 0 && t0 == 0
				if k.dots {
					k.beta = !first
					k.pool.For(k.mg, k.dotFn)
					continue
				}
				var beta float32
				if !first {
					beta = 1
				}
				k.ctx.Sgemm(false, true, k.mg, k.kdim, k.ld, 1, k.dyT, k.ld, k.col, k.ld, beta,
					dw[grp*k.mg*k.kdim:], k.kdim, nil)
			}
		}
	}
	k.x, k.dy, k.dw = nil, nil, nil
}

// dotRows is the most dW columns (C/g·kh·kw) computed as dot products;
// dotBlock the inner-dimension block of those.
const (
	dotRows  = 16
	dotBlock = 1024
)

// dotRow computes row m of the current group's dW from the chunk.
func (k *convGradWKernel) dotRow(m int) {
	var acc [dotRows]float64
	dy := k.dyT[m*k.ld : (m+1)*k.ld]
	for j0 := 0; j0 < k.ld; j0 += dotBlock {
		j1 := min(j0+dotBlock, k.ld)
		for r := range k.kdim {
			acc[r] += float64(vec.Dot(dy[j0:j1], k.col[r*k.ld+j0:r*k.ld+j1]))
		}
	}
	w := k.dw[(k.grp*k.mg+m)*k.kdim:][:k.kdim]
	for r := range w {
		if k.beta {
			w[r] += float32(acc[r])
		} else {
			w[r] = float32(acc[r])
		}
	}
}

// fill writes part of the current chunk's operands: of its nb·(kdim+mg)
// rows, the first nb·kdim are im2col rows (image-major) and the rest dY
// rows.
func (k *convGradWKernel) fill(part int) {
	cols := k.nb * k.kdim
	total := cols + k.nb*k.mg
	parts := min(k.parts, total)
	for r := part * total / parts; r < (part+1)*total/parts; r++ {
		if r >= cols {
			img, m := (r-cols)/k.mg, (r-cols)%k.mg
			src := k.dy[((k.b0+img)*k.m+k.grp*k.mg+m)*k.outPlane+k.t0*k.g.ow:]
			copy(k.dyT[m*k.ld+img*k.seg:m*k.ld+(img+1)*k.seg], src)
			continue
		}
		img, row := r/k.kdim, r%k.kdim
		c := k.grp*k.cg + row/(k.g.kh*k.g.kw)
		plane := k.x[((k.b0+img)*k.c+c)*k.inPlane:][:k.inPlane]
		im2colRow(k.col[row*k.ld+img*k.seg:][:k.seg], plane, &k.g, k.taps, row%(k.g.kh*k.g.kw), k.t0, k.t1)
	}
}

// im2colRow writes the inputs that kernel tap t (row-major over kh×kw)
// reads from one input plane for output rows [oh0, oh1), 0 where the tap
// is in padding.
func im2colRow(dst, plane []float32, g *win2, taps []im2colTap, t, oh0, oh1 int) {
	i, tap := t/g.kw, taps[t%g.kw]
	for oh := oh0; oh < oh1; oh++ {
		d := dst[(oh-oh0)*g.ow : (oh-oh0+1)*g.ow]
		ih := oh*g.sh - g.ph + i*g.dh
		if ih < 0 || ih >= g.h || tap.lo >= tap.hi {
			clear(d)
			continue
		}
		clear(d[:tap.lo])
		clear(d[tap.hi:])
		row := plane[ih*g.w:]
		if g.sw == 1 {
			copy(d[tap.lo:tap.hi], row[tap.at:])
			continue
		}
		for o, iw := tap.lo, tap.at; o < tap.hi; o, iw = o+1, iw+g.sw {
			d[o] = row[iw]
		}
	}
}
