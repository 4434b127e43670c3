package gemm

// Packed layouts. A block of op(A) covering rows [i0, i0+rows) and depth
// [p0, p0+kb) is stored as row panels of mr rows (the last may be
// narrower): panel q starts at q·mr·kb and holds kb steps of its row count
// r, element (p, i) at p·r+i. A block of op(B) covering columns
// [j0, j0+cols) is stored as column panels of nr columns, zero-padded to
// nr: panel q starts at q·nr·kb, element (p, j) at p·nr+j. The
// micro-kernels read these panels sequentially.

// packA packs a block of op(A) into dst (length ≥ rows·kb).
func packA(ks *kernelSet, dst []float32, transA bool, a []float32, lda, i0, rows, p0, kb int) {
	mr := ks.mr
	for q := 0; q < rows; q += mr {
		r := min(mr, rows-q)
		panel := dst[q*kb : q*kb+r*kb]
		if r == mr && kb > 0 {
			if transA && ks.copyA != nil {
				ks.copyA(kb, &a[p0*lda+i0+q], lda, &panel[0])
				continue
			}
			if !transA && ks.gatherA != nil && gatherOK(lda, mr) {
				ks.gatherA(kb, &a[(i0+q)*lda+p0], lda, &panel[0])
				continue
			}
		}
		if !transA && r < mr && kb > 0 && ks.gatherMasked != nil && gatherOK(lda, 32) {
			ks.gatherMasked(kb, &a[(i0+q)*lda+p0], lda, &panel[0], lanes(r), lanes(r), r)
			continue
		}
		if transA {
			for p := 0; p < kb; p++ {
				src := a[(p0+p)*lda+i0+q:]
				copy(panel[p*r:p*r+r], src[:r])
			}
			continue
		}
		for i := 0; i < r; i++ {
			src := a[(i0+q+i)*lda+p0:]
			src = src[:kb]
			for p, v := range src {
				panel[p*r+i] = v
			}
		}
	}
}

// packB packs a block of op(B) into dst (length ≥ ceil(cols/nr)·nr·kb).
func packB(ks *kernelSet, dst []float32, transB bool, b []float32, ldb, j0, cols, p0, kb int) {
	nr := ks.nr
	for q := 0; q < cols; q += nr {
		packBPanel(ks, dst[q*kb:q*kb+nr*kb], transB, b, ldb, j0+q, min(nr, cols-q), p0, kb)
	}
}

// packBPanel packs one column panel of w ≤ nr columns starting at j,
// zero-padding it to nr.
func packBPanel(ks *kernelSet, panel []float32, transB bool, b []float32, ldb, j, w, p0, kb int) {
	nr := ks.nr
	if w == nr && kb > 0 {
		if !transB && ks.copyB != nil {
			ks.copyB(kb, &b[p0*ldb+j], ldb, &panel[0])
			return
		}
		if transB && ks.gatherB != nil && gatherOK(ldb, nr) {
			ks.gatherB(kb, &b[j*ldb+p0], ldb, &panel[0])
			return
		}
	}
	if transB && w < nr && kb > 0 && nr <= 32 && ks.gatherMasked != nil && gatherOK(ldb, 32) {
		// Lanes past w are gathered as zeros: the padding.
		ks.gatherMasked(kb, &b[j*ldb+p0], ldb, &panel[0], lanes(w), lanes(nr), nr)
		return
	}
	if transB {
		if w < nr {
			clear(panel)
		}
		for jj := 0; jj < w; jj++ {
			src := b[(j+jj)*ldb+p0:]
			src = src[:kb]
			for p, v := range src {
				panel[p*nr+jj] = v
			}
		}
		return
	}
	for p := 0; p < kb; p++ {
		row := panel[p*nr : p*nr+nr]
		copy(row, b[(p0+p)*ldb+j:(p0+p)*ldb+j+w])
		clear(row[w:])
	}
}

// lanes is the mask of the first n ≤ 32 lanes.
func lanes(n int) uint32 { return uint32(1<<n - 1) }

// grow returns buf with length n, reallocating only when it is too small.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// gatherOK reports whether gather indices i·ld for i < w fit in int32.
func gatherOK(ld, w int) bool { return ld < (1<<31-1)/w }
