package gemm

// sgemmNaive is the meaning of Sgemm: a triple loop in float32 with a
// float32 accumulator, then the epilogue.
func sgemmNaive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep *Epilogue) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var x, y float32
				if transA {
					x = a[p*lda+i]
				} else {
					x = a[i*lda+p]
				}
				if transB {
					y = b[j*ldb+p]
				} else {
					y = b[p*ldb+j]
				}
				s += x * y
			}
			v := alpha * s
			if beta != 0 {
				v += beta * row[j]
			}
			row[j] = v
		}
		applyEpilogue(levels[0], ep, i, row, 0)
	}
}

// applyEpilogue finishes columns [j0, j0+len(row)) of row i of C, with
// ks's vector additions where it has them.
func applyEpilogue(ks *kernelSet, ep *Epilogue, i int, row []float32, j0 int) {
	if ep == nil {
		return
	}
	if ep.Bias != nil {
		if ep.BiasPerRow {
			addScalar(ks, row, ep.Bias[i])
		} else {
			addVec(ks, row, ep.Bias[j0:j0+len(row)])
		}
	}
	if ep.Residual != nil {
		addVec(ks, row, ep.Residual[i*ep.LDR+j0:i*ep.LDR+j0+len(row)])
	}
	ep.Act.Apply(row)
}

// addVec is dst[i] += src[i] for len(dst) ≤ len(src).
func addVec(ks *kernelSet, dst, src []float32) {
	if n := len(dst) &^ 31; n > 0 && ks.addVec != nil {
		ks.addVec(&dst[0], &src[0], n)
		dst, src = dst[n:], src[n:]
	}
	src = src[:len(dst)]
	for j := range dst {
		dst[j] += src[j]
	}
}

// addScalar is dst[i] += s.
func addScalar(ks *kernelSet, dst []float32, s float32) {
	if n := len(dst) &^ 31; n > 0 && ks.addScalar != nil {
		ks.addScalar(&dst[0], s, n)
		dst = dst[n:]
	}
	for j := range dst {
		dst[j] += s
	}
}
