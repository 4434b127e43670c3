package cpu

// The operands and result of a MatMul seen as strided batches of
// matrices: a dlc.FusedMatMul's perm_a, perm_b and perm_y reorder the
// axes of a contiguous tensor, and as long as one of the two matrix axes
// is the tensor's last one, each batch entry is a plain (or transposed)
// matrix with a leading dimension, which the GEMM reads and writes in
// place of a Transpose copy.

// matView is one operand or result after its permutation.
type matView struct {
	batch, bstride []int // batch dims and their element strides
	rows, cols     int
	trans          bool // element (i, j) is at i + j·ld rather than i·ld + j
	ld             int
}

// viewOf returns the view of a contiguous tensor of shape dims read
// through perm (nil: none); ok is false when neither matrix axis has unit
// stride. A 1-D operand (no perm) is promoted as numpy's matmul does: to
// a row [1, K] when asRow, else a column [K, 1].
func viewOf(dims []int, perm []int, asRow bool) (v matView, ok bool) {
	if len(dims) == 1 {
		if perm != nil {
			return v, false
		}
		if asRow {
			return matView{rows: 1, cols: dims[0], ld: max(dims[0], 1)}, true
		}
		return matView{rows: dims[0], cols: 1, ld: 1}, true
	}
	strides := contiguousStrides(dims)
	shape, str := dims, strides
	if perm != nil {
		if len(perm) != len(dims) {
			return v, false
		}
		shape, str = make([]int, len(dims)), make([]int, len(dims))
		for i, p := range perm {
			shape[i], str[i] = dims[p], strides[p]
		}
	}
	r := len(shape)
	v = matView{batch: shape[:r-2], bstride: str[:r-2], rows: shape[r-2], cols: shape[r-1]}
	sr, sc := str[r-2], str[r-1]
	// A dim of size 1 has no meaningful stride: pick the layout by the
	// other one.
	switch {
	case v.cols == 1:
		v.ld = max(sr, 1)
	case v.rows == 1 && sc == 1:
		v.ld = v.cols
	case v.rows == 1:
		v.trans, v.ld = true, sc
	case sc == 1:
		v.ld = sr
	case sr == 1:
		v.trans, v.ld = true, sc
	default:
		return v, false
	}
	return v, true
}

// resultView is the view through which the product [batch..., m, n] is
// written into the contiguous result Y = Transpose(product, perm) (nil:
// none); ok is false when perm moves the last axis.
func resultView(batch []int, m, n int, perm []int) (v matView, ok bool) {
	pshape := append(append([]int(nil), batch...), m, n)
	r := len(pshape)
	pstr := contiguousStrides(pshape)
	if perm != nil {
		if len(perm) != r || perm[r-1] != r-1 {
			return v, false
		}
		yshape := make([]int, r)
		for i, p := range perm {
			yshape[i] = pshape[p]
		}
		ystr := contiguousStrides(yshape)
		for i, p := range perm {
			pstr[p] = ystr[i]
		}
	}
	v = matView{batch: batch, bstride: pstr[:r-2], rows: m, cols: n, ld: pstr[r-2]}
	if m == 1 || v.ld < n {
		v.ld = max(v.ld, n)
	}
	return v, true
}

// stridedOffsets returns, for each flat index of the batch shape to, the
// element offset of the entry of dims (right-aligned with to, size-1 dims
// broadcast) whose batch axes have the given strides.
func stridedOffsets(dims, strides, to []int) []int {
	offs := make([]int, product(to))
	coord := make([]int, len(to))
	skip := len(to) - len(dims)
	for i := range offs {
		off := 0
		for d := skip; d < len(to); d++ {
			if dims[d-skip] != 1 {
				off += coord[d] * strides[d-skip]
			}
		}
		offs[i] = off
		for d := len(to) - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < to[d] {
				break
			}
			coord[d] = 0
		}
	}
	return offs
}
