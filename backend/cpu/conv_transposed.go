package cpu

import (
	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/vec"
)

// Transposed implicit im2col. When the output plane is narrow (ResNet's
// 7×7 and 14×14 stages, MobileNetV2's last 1×1 conv), its OH·OW columns
// fill the GEMM's nr-wide column panels badly (49 columns take two
// 32-wide panels: 77% of the work is useful). The product is then
// computed transposed, Yᵀ[OH·OW, M] = colᵀ·Wᵀ: the output positions
// become the rows, which the micro-kernels handle at any count without
// waste, and the weights the packed columns (M is a multiple of 32 in
// these networks). The rows of colᵀ are packed straight from the image
// by the same segment tables (panels of mr positions), Yᵀ goes to a
// scratch buffer, and a final pass transposes it into Y while adding the
// bias and residual and applying the activation.

// convTransposedMaxN bounds OH·OW for the transposed path: every thread
// packs its share of colᵀ's kc slice at once, which must stay in L2.
const convTransposedMaxN = 256

// useTransposed reports whether the transposed product pays for a conv
// with an output plane of n positions, depth kdim and m output channels
// (per group), on mr×nr tiles; pointwise convs (1×1, stride 1) read their
// input in place on the direct path, so only the transposed one packs.
// Two conditions, in units of one multiply-add per output element:
//
//   - the direct product's column-panel waste, (padded-n)/n of the GEMM
//     (~0.02 ns per multiply-add at 100 GFLOP/s), must exceed the
//     untranspose pass (~0.5 ns per output element): (padded/n - 1)·kdim
//     > 25;
//   - the transposed product's own waste (m padded to nr columns, n to
//     mr rows) and, for a pointwise conv, its packing of colᵀ (~0.1 ns
//     per element, shared by m outputs: 5·kdim/m) must cost less than the
//     direct product's waste.
//
// Measured (one thread): 3×3 convs at 7×7 and 14×14 (kdim 2304–4608)
// gain 10–35%, 1×1 320→1280 at 7×7 12%, 1×1 512→1000 at 13×13 3–5%;
// 1×1 64→384 at 14×14 (kdim 64) loses 25%, 1×1 384→48 at 13×13 32% and
// 1×1 512→64 at 13×13 7% (SqueezeNet's squeeze convs).
func useTransposed(n, kdim, m, mr, nr int, pointwise bool) bool {
	padded := (n + nr - 1) / nr * nr
	if n > convTransposedMaxN || (padded-n)*kdim <= 25*n {
		return false
	}
	effD := float64(n) / float64(padded)
	effT := float64(m) / float64((m+nr-1)/nr*nr) * float64(n) / float64((n+mr-1)/mr*mr)
	costT := float64(kdim) / effT
	if pointwise {
		costT += 5 * float64(kdim) / float64(m)
	}
	return costT < float64(kdim)/effD
}

// setupTransposed prepares the transposed path: the weights packed as the
// right operand, the segment tables for mr-row panels, the scratch Yᵀ.
func (k *convKernel) setupTransposed(env *Env, wt packKey) {
	k.packedT = make([]*constB, k.group)
	for grp := range k.packedT {
		wt.part = grp
		k.packedT[grp] = newConstB(env, wt, true, k.kdim, k.mg, k.wConst[grp*k.mg*k.kdim:], k.kdim)
	}
	k.mr = k.packedT[0].p.MR()
	k.segTabsT = convSegTables(&k.g, k.colTaps, k.mr)
	k.ldT = paddedLD(k.mg)
	k.yT = make([]float32, k.outPlane*k.ldT)
	k.fillTFn = k.fillRows
	k.untransposeFn = k.untranspose
	k.tTmp = make([][]float32, env.Pool.Threads())
	for t := range k.tTmp {
		k.tTmp[t] = make([]float32, gemm.TransposeRows()*k.mg)
	}
}

// paddedLD is the row stride of Yᵀ for m channels: rows whose stride is
// a multiple of 512 bytes put a tile's 14 rows in the same few L1 sets
// (and their stores 4 KiB apart alias the loads), so such strides get one
// more cache line. Measured (one thread): 1×1 256→1024 at 14×14 78–80 →
// 96–98 GFLOP/s, 1×1 512→2048 at 7×7 91–94 → 100–102.
func paddedLD(m int) int {
	if m%128 == 0 {
		return m + 16
	}
	return m
}

// fillRows is the gemm.AFiller of the transposed path: row panels of
// positions [i0, i0+rows) (i0 a multiple of mr) and depth [p0, p0+kb) of
// colᵀ, from k.x.
func (k *convKernel) fillRows(dst []float32, i0, rows, p0, kb int) {
	taps := k.g.kh * k.g.kw
	src := k.x[p0/taps*k.inPlane : k.cg*k.inPlane]
	q0 := i0 / k.mr
	for q := 0; q*k.mr < rows; q++ {
		r := min(k.mr, rows-q*k.mr)
		gemm.PackSegmentRows(dst[q*k.mr*kb:q*k.mr*kb+r*kb], r, src, k.inPlane, &k.segTabsT[q0+q], p0%taps, kb)
	}
}

// runTransposed computes group grp's output channels (first row m0) with
// the transposed product; each GEMM thread moves its own block of Yᵀ into
// Y (untranspose).
func (k *convKernel) runTransposed(grp, m0 int) {
	k.post = postCols{grp: grp, m0: m0}
	k.ctx.SgemmFilledA(k.outPlane, k.fillTFn, k.packedT[grp].p, k.yT, k.ldT, nil, k.untransposeFn)
}

// untranspose writes the block of positions [p0, p0+np) × the group's
// channels [c0, c0+nc) of k.post's group from k.yT into Y (with thread
// t's scratch), then applies the epilogue to each channel's run of
// positions.
func (k *convKernel) untranspose(t, p0, np, c0, nc int) {
	p := &k.post
	n := k.outPlane
	gemm.Transpose(k.y[(p.m0+c0)*n+p0:], n, k.yT[p0*k.ldT+c0:], k.ldT, np, nc, k.tTmp[t])
	for c := c0; c < c0+nc; c++ {
		off := (p.m0+c)*n + p0
		row := k.y[off : off+np]
		if k.bias != nil {
			vec.AddScalar(row, row, k.bias[p.grp*k.mg+c])
		}
		if k.z != nil {
			vec.Add(row, row, k.z[off:off+np])
		}
		k.act.Apply(row)
	}
}
