package gemm

// PackedB is op(B) (k×n) packed once for repeated products, typically a
// constant weight: column panels of the kernel width, kc-deep slices
// (see pack.go), for the ISA level active when it was packed.
type PackedB struct {
	ks   *kernelSet
	k, n int
	np   int // column panels
	data []float32
}

// PackB packs op(B), where op(B) is k×n (B is n×k when transB).
func PackB(transB bool, k, n int, b []float32, ldb int) *PackedB {
	checkB(transB, k, n, b, ldb)
	ks := active
	pb := &PackedB{ks: ks, k: k, n: n, np: ceilDiv(n, ks.nr)}
	pb.data = make([]float32, k*pb.np*ks.nr)
	for pc := 0; pc < k; pc += ks.kc {
		packB(ks, pb.block(pc), transB, b, ldb, 0, n, pc, min(ks.kc, k-pc))
	}
	return pb
}

// K is the inner dimension of op(B).
func (pb *PackedB) K() int { return pb.k }

// N is the number of columns of op(B).
func (pb *PackedB) N() int { return pb.n }

// block is the packed slice of depth starting at pc (a multiple of kc).
func (pb *PackedB) block(pc int) []float32 { return pb.data[pc*pb.np*pb.ks.nr:] }

// SgemmPackedB is Sgemm with op(B) taken from pb: C (m×pb.N()) =
// alpha·op(A)·op(B) + beta·C, then ep.
func (ctx *Ctx) SgemmPackedB(transA bool, m int, alpha float32, a []float32, lda int, pb *PackedB, beta float32, c []float32, ldc int, ep *Epilogue) {
	checkA(transA, m, pb.k, a, lda)
	ctx.run(call{ks: pb.ks, transA: transA, m: m, n: pb.n, k: pb.k, alpha: alpha,
		a: a, lda: lda, pb: pb, beta: beta, c: c, ldc: ldc, ep: ep})
}

// PackedA is op(A) (m×k) packed once for repeated products, typically
// convolution weights: row panels of the kernel height, kc-deep slices
// (see pack.go), for the ISA level active when it was packed.
type PackedA struct {
	ks   *kernelSet
	m, k int
	data []float32
}

// PackA packs op(A), where op(A) is m×k (A is k×m when transA).
func PackA(transA bool, m, k int, a []float32, lda int) *PackedA {
	checkA(transA, m, k, a, lda)
	pa := &PackedA{ks: active, m: m, k: k, data: make([]float32, m*k)}
	packAll(pa.data, pa.ks, transA, a, lda, m, k)
	return pa
}

// M is the number of rows of op(A).
func (pa *PackedA) M() int { return pa.m }

// K is the inner dimension of op(A).
func (pa *PackedA) K() int { return pa.k }

// block is the packed slice of depth starting at pc (a multiple of kc).
func (pa *PackedA) block(pc int) []float32 { return pa.data[pc*pa.m:] }

// SgemmPackedA is Sgemm with op(A) taken from pa: C (pa.M()×n) =
// alpha·op(A)·op(B) + beta·C, then ep.
func (ctx *Ctx) SgemmPackedA(pa *PackedA, transB bool, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int, ep *Epilogue) {
	checkB(transB, pa.k, n, b, ldb)
	ctx.run(call{ks: pa.ks, m: pa.m, n: n, k: pa.k, alpha: alpha,
		pa: pa, transB: transB, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, ep: ep})
}
