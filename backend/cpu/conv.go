package cpu

import (
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// Conv and dlc.FusedConv over NCHW float32 (2-D, or 1-D as H=1). The
// paths, chosen when the kernel is built:
//
//   - depthwise (group = C = M, equal strides): 3×3 at stride 1 or 2 reads
//     each plane in place with AVX-512 row kernels that keep the taps in
//     registers and apply bias and ReLU/Clip in the same pass
//     (conv_depthwise_plane.go); other shapes take one SIMD axpy per tap
//     over a padded plane; parallel over runs of channels
//     (conv_depthwise.go);
//   - implicit im2col (constant weights, where gemm packs segment rows
//     with SIMD): gemm.SgemmFilledB packs the im2col columns straight
//     into its B panels (conv_implicit.go); a 1×1 stride-1 conv reads its
//     input in place (gemm.SgemmPackedACols); a narrow output plane
//     (7×7, 14×14) is computed transposed so that the positions are the
//     GEMM rows (conv_transposed.go). Each image·group is one Pool.For
//     split over output columns, so both threads get equal full tiles;
//   - explicit im2col (weights computed at run time, or no SIMD packer):
//     each group laid out as [C/g·kh·kw, OH·OW] columns in tiles of output
//     rows, then one GEMM with the weights (conv_im2col.go); 1×1 stride-1
//     convs use the input in place.
//
// Strided convs first split each used input row into its stride phases,
// which makes every kernel tap's inputs contiguous; a strided 1×1 conv
// without padding instead copies the positions it reads into compact
// planes and runs as a pointwise conv on them. Constant weights are
// packed once per session (gemmop_pack.go). Output rows are channels, so
// the bias is a per-row epilogue; the fused residual Z and activation are
// applied in the same epilogue, over each thread's column chunk while it
// is in cache. Batches loop over images.

func init() {
	Register("Conv", buildConv)
	Register(ir.OpKey("dlc", "FusedConv"), buildConv)
}

// convPath selects a conv algorithm.
type convPath uint8

const (
	convIm2col convPath = iota
	convPointwise
	convDepthwise
)

// convKernel is a Conv specialized to its static shapes.
type convKernel struct {
	path                   convPath
	g                      win2
	batch, c, m, group     int
	cg, mg, kdim           int // channels and output channels per group, cg·kh·kw
	inPlane, outPlane      int
	wConst, bConst         []float32 // constant weights [M, kdim] and bias [M], or nil
	packed                 []*constA // per group, when W is constant
	hasBias, hasZ          bool
	act                    vec.Act
	ctx                    *gemm.Ctx
	pool                   *parallel.Pool
	ep                     gemm.Epilogue
	col                    []float32 // im2col scratch [kdim, tileRows·OW]
	colParts               int
	tileRows, tile0, tile1 int // output rows per im2col tile; the current tile
	colTaps                []im2colTap
	xSplit                 []float32 // the group's input rows split into stride phases
	rowUsed                []bool    // input rows some output reads
	splitFn                func(i int)
	dw                     dwLayout
	dwScratch              []dwScratch // depthwise: per thread
	im2colFn, depthwiseFn  func(i int)
	postEp                 bool // apply the epilogue after the GEMM, channel by channel
	post                   postCols
	postFn                 func(r int)
	// Implicit im2col (conv_implicit.go): one segment table per output
	// column panel of width nr.
	filled  bool
	nr      int
	segTabs []gemm.SegmentTable
	fillFn  gemm.BFiller
	// Transposed implicit im2col (conv_transposed.go), for narrow planes.
	transposed    bool
	mr            int
	packedT       []*constB
	segTabsT      []gemm.SegmentTable
	yT            []float32 // Yᵀ of one group, [OH·OW, M/g] with row stride ldT
	ldT           int
	fillTFn       gemm.AFiller
	untransposeFn gemm.TileFunc
	tTmp          [][]float32 // per thread: scratch of gemm.Transpose
	// A strided 1×1 conv runs as a pointwise conv on xSub, the positions
	// it reads copied from the input (geometry sub) by subFn.
	sub      win2
	xSub     []float32
	subParts int
	subFn    func(i int)
	// Per-call state read by the pre-made loop bodies.
	in0, x, y, z, w, bias []float32 // x: the current group's planes
	subSrc                []float32 // the input, while xSub is filled
}

func buildConv(n *ir.Node, env *Env) Kernel {
	if hasEmpty(n) {
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok || len(shapes) < 2 || shapes[0] == nil || shapes[1] == nil {
		return nil
	}
	xs, ws := shapes[0], shapes[1]
	if (len(xs) != 3 && len(xs) != 4) || len(ws) != len(xs) {
		return nil
	}
	act, ok := fusedAct(n)
	if !ok {
		return nil
	}
	ys, ok := outShape(n, 0)
	if !ok {
		return nil
	}
	if ks := n.Ints("kernel_shape"); len(ks) != 0 {
		for i, k := range ks {
			if i+2 >= len(ws) || int(k) != ws[i+2] {
				return nil
			}
		}
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
	k := &convKernel{g: g, batch: xs[0], c: xs[1], m: ws[0], group: group, act: act, pool: env.Pool}
	if group < 1 || k.c != ws[1]*group || k.m%group != 0 || ys[1] != k.m {
		return nil
	}
	k.cg, k.mg = k.c/group, k.m/group
	k.kdim = k.cg * g.kh * g.kw
	k.inPlane, k.outPlane = g.h*g.w, g.oh*g.ow
	if b := n.In(2); b != nil {
		if len(shapes[2]) != 1 || shapes[2][0] != k.m {
			return nil
		}
		k.hasBias = true
		k.bConst = constF32(n, 2)
	}
	if z := n.In(3); z != nil {
		if !slices.Equal(shapes[3], ys) {
			return nil
		}
		k.hasZ = true
	}
	k.wConst = constF32(n, 1)
	switch {
	case group == k.c && k.m == k.c && g.sh == g.sw:
		k.path = convDepthwise
		k.dw = newDWLayout(&k.g)
		k.dwScratch = make([]dwScratch, min(k.batch*k.c, env.Pool.Threads()))
		for i := range k.dwScratch {
			k.dwScratch[i] = k.dw.newScratch()
		}
		k.depthwiseFn = k.depthwisePart
		return k
	case g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph+g.pw+g.peh+g.pew == 0:
		k.path = convPointwise
	case g.pointwiseStrided():
		// Measured (one thread), phase-split rows packed by segments vs
		// this copy and a pointwise conv: 1×1/2 64→128 at 56² 70–77 vs
		// 81–86 GFLOP/s, 256→512 at 56² 97–99 vs 103, 1024→2048 at 14²
		// 97–98 vs 100–105.
		k.path = convPointwise
		g = g.subsampled()
		k.sub, k.g = k.g, g
		k.inPlane = g.h * g.w
		k.xSub = make([]float32, k.batch*k.c*k.inPlane)
		k.subParts = min(env.Pool.Threads()*4, k.batch*k.c)
		k.subFn = k.subsampleRange
	default:
		k.path = convIm2col
	}
	k.ctx = newGemmCtx(env)
	mr, nr := gemm.PanelShape()
	if k.wConst != nil && convFilledMode >= 0 && (gemm.FastSegments(nr) || convFilledMode > 0) && segTablesFit(&k.g, nr) {
		k.filled, k.nr = true, nr
		k.fillFn = k.fillCols
	}
	if k.path == convIm2col || k.filled {
		k.colParts = min(env.Pool.Threads()*4, k.kdim)
		k.colTaps = im2colTaps(&k.g)
		if g.sw > 1 {
			k.xSplit = make([]float32, k.cg*k.inPlane)
			k.splitFn = k.splitRows
			k.rowUsed = usedRows(&k.g)
		}
	}
	if k.filled && (gemm.FastSegments(mr) || convFilledMode > 0) &&
		(convTransposedMode > 0 || convTransposedMode == 0 && useTransposed(k.outPlane, k.kdim, k.mg, mr, k.nr, k.path == convPointwise)) {
		k.transposed = true
		k.setupTransposed(env, packKey{t: n.In(1).Init, layout: "conv.B"})
		return k
	}
	k.packed = k.packWeights(n, env)
	if k.filled {
		k.segTabs = convSegTables(&k.g, k.colTaps, k.nr)
		return k
	}
	if k.path == convIm2col {
		k.tileRows = max(1, min(g.oh, convColBudget/(k.kdim*g.ow)))
		k.col = make([]float32, k.kdim*k.tileRows*g.ow)
		k.im2colFn = k.im2colRows
	}
	// With a short inner dimension the GEMM's per-tile epilogue costs as
	// much as the product (measured: 1×1 16→96 at 112², bias + Clip, 1.0 ms
	// fused vs 0.52 ms as a pass over each channel's whole row afterwards),
	// so there the epilogue runs after the GEMM on long rows.
	k.postEp = k.path == convPointwise || k.kdim < 64
	k.postFn = k.postRow
	return k
}

// Run computes Y = act(conv(X, W) + B + Z).
func (k *convKernel) Run(in, out []*ir.Tensor) {
	k.in0, k.x, k.y = f32(in[0]), f32(in[0]), f32(out[0])
	k.w = k.wConst
	if k.w == nil {
		k.w = f32(in[1])
	}
	k.bias, k.z = nil, nil
	if k.hasBias {
		k.bias = k.bConst
		if k.bias == nil {
			k.bias = f32(in[2])
		}
	}
	if k.hasZ {
		k.z = f32(in[3])
	}
	if k.path == convDepthwise {
		k.pool.For(len(k.dwScratch), k.depthwiseFn)
	} else {
		if k.xSub != nil {
			k.subSrc = k.in0
			k.pool.For(k.subParts, k.subFn)
			k.in0, k.subSrc = k.xSub, nil
		}
		for b := 0; b < k.batch; b++ {
			for grp := 0; grp < k.group; grp++ {
				k.runGroup(b, grp)
			}
		}
	}
	k.in0, k.x, k.y, k.z, k.w, k.bias = nil, nil, nil, nil, nil, nil
}

// subsampleRange fills part i of k.subParts of xSub.
func (k *convKernel) subsampleRange(i int) {
	planes := k.batch * k.c
	lo, hi := i*planes/k.subParts, (i+1)*planes/k.subParts
	subsamplePlanes(k.xSub[lo*k.inPlane:], k.subSrc[lo*k.sub.h*k.sub.w:], &k.sub, hi-lo)
}

// runGroup computes the output channels of group grp of image b. The
// im2col path works on tiles of output rows whose columns fit in
// convColBudget, so the columns stay in cache between their writing and
// the GEMM's packing, and the scratch stays small.
func (k *convKernel) runGroup(b, grp int) {
	xg := k.in0[(b*k.c+grp*k.cg)*k.inPlane:]
	m0 := b*k.m + grp*k.mg
	if k.filled {
		k.x = xg[:k.cg*k.inPlane]
		if k.g.sw > 1 {
			k.pool.For(k.colParts, k.splitFn)
			k.x = k.xSplit
		}
		if k.transposed {
			k.runTransposed(grp, m0)
			return
		}
		y, ep := k.y[m0*k.outPlane:], k.epilogue(grp, m0, 0)
		if k.path == convPointwise {
			k.ctx.SgemmPackedACols(k.packed[grp].p, k.outPlane, k.x, k.inPlane, y, k.outPlane, ep)
			return
		}
		k.ctx.SgemmFilledB(k.packed[grp].p, k.outPlane, k.fillFn, y, k.outPlane, ep)
		return
	}
	if k.path != convIm2col {
		k.gemmCols(grp, m0, xg, k.inPlane, 0, k.outPlane)
		return
	}
	k.x = xg
	if k.g.sw > 1 {
		k.pool.For(k.colParts, k.splitFn)
		k.x = k.xSplit
	}
	ow := k.g.ow
	for oh0 := 0; oh0 < k.g.oh; oh0 += k.tileRows {
		k.tile0, k.tile1 = oh0, min(oh0+k.tileRows, k.g.oh)
		k.pool.For(k.colParts, k.im2colFn)
		n := (k.tile1 - k.tile0) * ow
		k.gemmCols(grp, m0, k.col, n, oh0*ow, n)
	}
}

// convFilledMode overrides the choice of the implicit im2col path (tests
// and benchmarks): 0 takes it where the segment packer has a SIMD form,
// 1 for every conv with constant weights, -1 never.
var convFilledMode = 0

// convTransposedMode likewise overrides the choice of the transposed
// implicit path (conv_transposed.go) among implicit convs.
var convTransposedMode = 0

// convColBudget bounds the im2col tile, in elements (1 MiB); a variable
// so that tests can force many tiles.
var convColBudget = 1 << 20

// gemmCols computes output columns [j0, j0+n) of group grp (first output
// row m0) from src, the kdim×n right operand with row stride ld.
func (k *convKernel) gemmCols(grp, m0 int, src []float32, ld, j0, n int) {
	y := k.y[m0*k.outPlane+j0:]
	ep := k.epilogue(grp, m0, j0)
	if k.postEp && ep != nil {
		ep = nil
		k.post = postCols{grp: grp, m0: m0, j0: j0, n: n}
		defer k.pool.For(k.mg, k.postFn)
	}
	if k.packed != nil {
		k.packed[grp].mul(k.ctx, false, n, 1, src, ld, 0, y, k.outPlane, ep)
		return
	}
	k.ctx.Sgemm(false, false, k.mg, n, k.kdim, 1, k.w[grp*k.mg*k.kdim:], k.kdim,
		src, ld, 0, y, k.outPlane, ep)
}

// postCols is the block of output columns whose epilogue runs after the
// GEMM.
type postCols struct{ grp, m0, j0, n int }

// postRow applies the epilogue to row r of the block in k.post.
func (k *convKernel) postRow(r int) {
	p := &k.post
	off := (p.m0+r)*k.outPlane + p.j0
	row := k.y[off : off+p.n]
	if k.bias != nil {
		vec.AddScalar(row, row, k.bias[p.grp*k.mg+r])
	}
	if k.z != nil {
		vec.Add(row, row, k.z[off:off+p.n])
	}
	k.act.Apply(row)
}

// epilogue sets k.ep up for the rows of group grp starting at output
// channel row m0 (image-major) and output column j0; nil when there is
// nothing to apply.
func (k *convKernel) epilogue(grp, m0, j0 int) *gemm.Epilogue {
	if k.bias == nil && k.z == nil && k.act.Kind == vec.ActNone {
		return nil
	}
	k.ep = gemm.Epilogue{BiasPerRow: true, LDR: k.outPlane, Act: k.act}
	if k.bias != nil {
		k.ep.Bias = k.bias[grp*k.mg : (grp+1)*k.mg]
	}
	if k.z != nil {
		k.ep.Residual = k.z[m0*k.outPlane+j0:]
	}
	return &k.ep
}

// packWeights packs each group's constant weight block once per session.
func (k *convKernel) packWeights(n *ir.Node, env *Env) []*constA {
	if k.wConst == nil {
		return nil
	}
	p := make([]*constA, k.group)
	for grp := range p {
		p[grp] = newConstA(env, packKey{t: n.In(1).Init, layout: "conv.A", part: grp}, false, k.mg, k.kdim, k.wConst[grp*k.mg*k.kdim:], k.kdim)
	}
	return p
}
