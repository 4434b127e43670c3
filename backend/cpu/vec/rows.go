package vec

// shortRow is the longest row SoftmaxRows and LogSoftmaxRows give to the
// short-row routines, which hold a whole row in registers (4 AVX-512 or
// 8 AVX2 vectors: rowVecs in the generator) and loop over rows in
// assembly; longer rows go one by one to Softmax and LogSoftmax, whose
// loops are unrolled for length.
const shortRow = 64

// SoftmaxRows applies Softmax to every row of n elements of src: len(dst)
// must be a multiple of n, src at least as long; dst may be src. Short
// rows, the attention probabilities of a small model, cost mostly the
// per-row chain of reductions, which one routine over all rows overlaps
// from row to row.
func SoftmaxRows(dst, src []float32, n int) {
	eachRow("SoftmaxRows", dst, src, n, k.softmaxRows, Softmax)
}

// LogSoftmaxRows applies LogSoftmax to every row of n elements of src,
// as SoftmaxRows does Softmax.
func LogSoftmaxRows(dst, src []float32, n int) {
	eachRow("LogSoftmaxRows", dst, src, n, k.logSoftmaxRows, LogSoftmax)
}

// eachRow is SoftmaxRows and LogSoftmaxRows: rows of at most shortRow go
// to the short-row routine in one call, longer ones to row one by one.
func eachRow(name string, dst, src []float32, n int, short func(dst, src []float32, n int), row func(dst, src []float32)) {
	src = src[:len(dst)]
	if n <= 0 || len(dst) == 0 {
		return
	}
	if len(dst)%n != 0 {
		panic("vec: " + name + ": length not a multiple of the row")
	}
	if n <= shortRow {
		short(dst, src, n)
		return
	}
	for r := 0; r < len(dst); r += n {
		row(dst[r:r+n], src[r:r+n])
	}
}

// genericSoftmaxRows is the meaning of the short-row softmax routines:
// per row the max, e^(x-max) and its sum, then one multiply by 1/sum.
func genericSoftmaxRows(dst, src []float32, n int) {
	for r := 0; r < len(dst); r += n {
		d, x := dst[r:r+n], src[r:r+n]
		m := rowMax(x)
		s := float32(0)
		for i, v := range x {
			d[i] = exp32(v - m)
			s += d[i]
		}
		inv := 1 / s
		for i := range d {
			d[i] *= inv
		}
	}
}

// genericLogSoftmaxRows is the meaning of the short-row log-softmax
// routines: x - (max + log32(Σ e^(x-max))), log32 being the float32 log
// the assembly computes.
func genericLogSoftmaxRows(dst, src []float32, n int) {
	for r := 0; r < len(dst); r += n {
		d, x := dst[r:r+n], src[r:r+n]
		m := rowMax(x)
		s := float32(0)
		for _, v := range x {
			s += exp32(v - m)
		}
		c := m + log32(s)
		for i, v := range x {
			d[i] = v - c
		}
	}
}

func rowMax(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	return m
}
