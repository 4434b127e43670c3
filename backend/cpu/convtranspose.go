package cpu

import (
	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// ConvTranspose over NCHW float32 (2-D, or 1-D as H=1) — Conv's data
// gradient — as a GEMM and a col2im per group and chunk of images:
//
//	cols [Cout/g·kh·kw, n·H·W] = W_gᵀ × X_g [Cin/g, n·H·W]
//
// then each column row (co, i, j) is added into output channel co at the
// positions (h·sh - ph + i·dh, w·sw - pw + j·dw), over the bias or zeros.
// The chunk's images sit side by side in X_g's copy so the GEMM's columns
// run across images (convColBudget bounds the chunk; where one image does
// not fit, a chunk is a tile of one image's X rows, whose contributions
// add to the planes the first tile initialized). The col2im is parallel
// over output planes, each written by one thread.

func init() {
	Register("ConvTranspose", buildConvTranspose)
}

// convTKernel is a ConvTranspose specialized to its shapes.
type convTKernel struct {
	g                        win2 // h, w: Y's plane, which the window slides over; oh, ow: X's (the window grid)
	batch, cin, cout, groups int
	cig, cog, rows           int // channels per group; rows = cog·kh·kw
	inPlane, outPlane        int
	hasBias                  bool
	taps                     []im2colTap // per kernel column: X columns [lo, hi) landing in Y, and Y's column of lo
	chunk                    int         // images per GEMM
	tileRows                 int         // X rows per GEMM: all unless chunk is 1 image that does not fit
	xT, col                  []float32
	ctx                      *gemm.Ctx
	pool                     *parallel.Pool
	parts                    int
	gatherFn, col2imFn       func(part int)
	x, w, bias, y            []float32 // per call
	grp, b0, nb, ld          int       // the current group and chunk
	r0, r1, seg              int       // the chunk's X rows, and its columns per image
}

func buildConvTranspose(n *ir.Node, env *Env) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok || len(shapes) < 2 {
		return nil
	}
	xs, ws := shapes[0], shapes[1]
	ys, ok := outShape(n, 0)
	if !ok || (len(xs) != 3 && len(xs) != 4) || len(ws) != len(xs) || len(ys) != len(xs) {
		return nil
	}
	if ks := n.Ints("kernel_shape"); len(ks) != 0 {
		for i, k := range ks {
			if i+2 >= len(ws) || int(k) != ws[i+2] {
				return nil
			}
		}
	}
	geom, err := ir.ConvTransposeGeometry(n, xs[2:], ws[2:])
	if err != nil {
		return nil
	}
	for i := range geom.Out {
		if geom.PadBegin[i] < 0 || geom.Out[i] != ys[2+i] {
			return nil
		}
	}
	// newWin2 reads In as the plane the window slides over; here that is
	// Y, and X is the window's output grid.
	geom.In, geom.Out = geom.Out, xs[2:]
	g, ok := newWin2(geom)
	if !ok {
		return nil
	}
	group := int(n.Int("group"))
	k := &convTKernel{g: g, batch: xs[0], cin: xs[1], cout: ys[1], groups: group, ctx: newGemmCtx(env), pool: env.Pool}
	if group < 1 || k.cin%group != 0 || ws[0] != k.cin || ws[1]*group != k.cout || ys[0] != k.batch {
		return nil
	}
	if b := n.In(2); b != nil {
		if len(shapes[2]) != 1 || shapes[2][0] != k.cout {
			return nil
		}
		k.hasBias = true
	}
	k.cig, k.cog = k.cin/group, k.cout/group
	k.rows = k.cog * g.kh * g.kw
	k.inPlane, k.outPlane = g.oh*g.ow, g.h*g.w
	k.taps = stridedTaps(&g)
	k.chunk = max(1, min(k.batch, convColBudget/((k.rows+k.cig)*k.inPlane)))
	k.tileRows = g.oh
	if k.chunk == 1 {
		k.tileRows = max(1, min(g.oh, convColBudget/((k.rows+k.cig)*g.ow)))
	}
	k.xT = make([]float32, k.cig*k.chunk*k.tileRows*g.ow)
	k.col = make([]float32, k.rows*k.chunk*k.tileRows*g.ow)
	k.parts = env.Pool.Threads() * 4
	k.gatherFn, k.col2imFn = k.gather, k.col2im
	return k
}

// Run computes Y = ConvTranspose(X, W) + B.
func (k *convTKernel) Run(in, out []*ir.Tensor) {
	k.x, k.w, k.y = f32(in[0]), f32(in[1]), f32(out[0])
	k.bias = nil
	if k.hasBias {
		k.bias = f32(in[2])
	}
	for grp := 0; grp < k.groups; grp++ {
		k.grp = grp
		for b0 := 0; b0 < k.batch; b0 += k.chunk {
			for r0 := 0; r0 < k.g.oh; r0 += k.tileRows {
				k.b0, k.nb = b0, min(k.chunk, k.batch-b0)
				k.r0, k.r1 = r0, min(r0+k.tileRows, k.g.oh)
				k.seg = (k.r1 - k.r0) * k.g.ow
				k.ld = k.nb * k.seg
				k.pool.For(min(k.parts, k.nb*k.cig), k.gatherFn)
				k.ctx.Sgemm(true, false, k.rows, k.ld, k.cig, 1, k.w[grp*k.cig*k.rows:], k.rows,
					k.xT, k.ld, 0, k.col, k.ld, nil)
				k.pool.For(min(k.parts, k.nb*k.cog), k.col2imFn)
			}
		}
	}
	k.x, k.w, k.bias, k.y = nil, nil, nil, nil
}

// gather copies part of the chunk's X_g planes side by side into xT.
func (k *convTKernel) gather(part int) {
	total := k.nb * k.cig
	parts := min(k.parts, total)
	for r := part * total / parts; r < (part+1)*total/parts; r++ {
		img, c := r/k.cig, r%k.cig
		src := k.x[((k.b0+img)*k.cin+k.grp*k.cig+c)*k.inPlane+k.r0*k.g.ow:]
		copy(k.xT[c*k.ld+img*k.seg:c*k.ld+(img+1)*k.seg], src)
	}
}

// col2im writes part of the chunk's output planes of the current group.
func (k *convTKernel) col2im(part int) {
	total := k.nb * k.cog
	parts := min(k.parts, total)
	g := &k.g
	taps := g.kh * g.kw
	for r := part * total / parts; r < (part+1)*total/parts; r++ {
		img, co := r/k.cog, r%k.cog
		oc := k.grp*k.cog + co
		y := k.y[((k.b0+img)*k.cout+oc)*k.outPlane:][:k.outPlane]
		switch {
		case k.r0 > 0: // a later tile adds to what the first began
		case k.bias != nil:
			b := k.bias[oc]
			for i := range y {
				y[i] = b
			}
		default:
			clear(y)
		}
		for t := 0; t < taps; t++ {
			src := k.col[(co*taps+t)*k.ld+img*k.seg:][:k.seg]
			col2imRow(y, src, g, k.taps, t, k.r0, k.r1)
		}
	}
}

// col2imRow adds src, the values of kernel tap t at X-grid rows [oh0,
// oh1) (OH·OW of g), into the Y plane (H·W of g) at the positions that
// tap reaches.
func col2imRow(y, src []float32, g *win2, taps []im2colTap, t, oh0, oh1 int) {
	i, tap := t/g.kw, taps[t%g.kw]
	if tap.lo >= tap.hi {
		return
	}
	for oh := oh0; oh < oh1; oh++ {
		ih := oh*g.sh - g.ph + i*g.dh
		if ih < 0 || ih >= g.h {
			continue
		}
		s, row := src[(oh-oh0)*g.ow:], y[ih*g.w:]
		if g.sw == 1 {
			d := row[tap.at : tap.at+tap.hi-tap.lo]
			vec.Add(d, d, s[tap.lo:tap.hi])
			continue
		}
		for o, iw := tap.lo, tap.at; o < tap.hi; o, iw = o+1, iw+g.sw {
			row[iw] += s[o]
		}
	}
}
