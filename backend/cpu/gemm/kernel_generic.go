package gemm

import "unsafe"

// Bounds of kernelGeneric's accumulator tile.
const (
	genericMR = 4
	genericNR = 16
)

// genericSet is the portable level: kernel4x4 for full tiles and
// kernelGeneric for short ones. A 4×4 tile is what fits Go's 15 usable
// float registers as separate locals.
func genericSet() *kernelSet {
	ks := &kernelSet{level: "generic", mr: 4, nr: 4, kc: 256, mc: 64, nc: 1024, smallM: 8}
	for r := 1; r < 4; r++ {
		r := r
		ks.kern = append(ks.kern, func(k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, _ uint32) {
			kernelGeneric(r, 4, k, a, b, bstride, c, ldc, alpha, beta)
		})
	}
	ks.kern = append(ks.kern, kernel4x4)
	return ks
}

// kernel4x4 is kernelGeneric for r = 4, nr = 4 with the accumulators in
// locals (registers) instead of an array.
func kernel4x4(k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32, _ uint32) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	if k > 0 {
		as := unsafe.Slice(a, 4*k)
		bs := unsafe.Slice(b, (k-1)*bstride+4)
		for p := 0; p < k; p++ {
			br := bs[p*bstride : p*bstride+4 : p*bstride+4]
			ar := as[4*p : 4*p+4 : 4*p+4]
			b0, b1, b2, b3 := br[0], br[1], br[2], br[3]
			a0, a1, a2, a3 := ar[0], ar[1], ar[2], ar[3]
			c00, c01, c02, c03 = c00+a0*b0, c01+a0*b1, c02+a0*b2, c03+a0*b3
			c10, c11, c12, c13 = c10+a1*b0, c11+a1*b1, c12+a1*b2, c13+a1*b3
			c20, c21, c22, c23 = c20+a2*b0, c21+a2*b1, c22+a2*b2, c23+a2*b3
			c30, c31, c32, c33 = c30+a3*b0, c31+a3*b1, c32+a3*b2, c33+a3*b3
		}
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	rows := [4][4]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	for i := range rows {
		crow := cs[i*ldc : i*ldc+4]
		for j, v := range rows[i] {
			if beta == 0 {
				crow[j] = alpha * v
			} else {
				crow[j] = alpha*v + beta*crow[j]
			}
		}
	}
}

// kernelGeneric is the meaning of every micro-kernel: an r×nr tile of
// alpha·A·B (+ beta·C), with A packed as k steps of r values and B read
// as k rows of nr values bstride elements apart. beta = 0 does not read C.
func kernelGeneric(r, nr, k int, a, b *float32, bstride int, c *float32, ldc int, alpha, beta float32) {
	var acc [genericMR * genericNR]float32
	if k > 0 {
		as := unsafe.Slice(a, k*r)
		bs := unsafe.Slice(b, (k-1)*bstride+nr)
		for p := 0; p < k; p++ {
			brow := bs[p*bstride : p*bstride+nr]
			for i := 0; i < r; i++ {
				av := as[p*r+i]
				row := acc[i*nr : i*nr+nr]
				for j, bv := range brow {
					row[j] += av * bv
				}
			}
		}
	}
	cs := unsafe.Slice(c, (r-1)*ldc+nr)
	for i := 0; i < r; i++ {
		crow := cs[i*ldc : i*ldc+nr]
		row := acc[i*nr : i*nr+nr]
		if beta == 0 {
			for j := range crow {
				crow[j] = alpha * row[j]
			}
		} else {
			for j := range crow {
				crow[j] = alpha*row[j] + beta*crow[j]
			}
		}
	}
}
