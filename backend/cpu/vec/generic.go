package vec

import "math"

// The generic level: plain loops, the meaning of every SIMD routine. The
// arithmetic ones match ref bit for bit; the transcendental ones use the
// float32 algorithms of math32.go.

func genericTable() *kernels {
	t := &kernels{
		add: func(d, a, b []float32) {
			for i := range d {
				d[i] = a[i] + b[i]
			}
		},
		sub: func(d, a, b []float32) {
			for i := range d {
				d[i] = a[i] - b[i]
			}
		},
		mul: func(d, a, b []float32) {
			for i := range d {
				d[i] = a[i] * b[i]
			}
		},
		div: func(d, a, b []float32) {
			for i := range d {
				d[i] = a[i] / b[i]
			}
		},
		maximum: func(d, a, b []float32) {
			for i := range d {
				d[i] = max(a[i], b[i])
			}
		},
		addS: func(d, a []float32, s float32) {
			for i := range d {
				d[i] = a[i] + s
			}
		},
		subS: func(d, a []float32, s float32) {
			for i := range d {
				d[i] = a[i] - s
			}
		},
		rsubS: func(d, a []float32, s float32) {
			for i := range d {
				d[i] = s - a[i]
			}
		},
		mulS: func(d, a []float32, s float32) {
			for i := range d {
				d[i] = a[i] * s
			}
		},
		divS: func(d, a []float32, s float32) {
			for i := range d {
				d[i] = a[i] / s
			}
		},
		rdivS: func(d, a []float32, s float32) {
			for i := range d {
				d[i] = s / a[i]
			}
		},
		axpy: func(d, x []float32, alpha float32) {
			for i := range d {
				d[i] += alpha * x[i]
			}
		},
		lnApply: func(d, x, g, b []float32, mean, rstd float32) {
			for i := range d {
				d[i] = (x[i]-mean)*rstd*g[i] + b[i]
			}
		},
		relu:      mapFn(func(x float32) float32 { return max(x, 0) }),
		abs:       mapFn(abs32),
		neg:       mapFn(func(x float32) float32 { return -x }),
		sqrt:      mapFn(func(x float32) float32 { return float32(math.Sqrt(float64(x))) }),
		exp:       mapFn(exp32),
		sigmoid:   mapFn(sigmoid32),
		silu:      mapFn(silu32),
		tanh:      mapFn(tanh32),
		erf:       mapFn(erf32),
		gelu:      mapFn(gelu32),
		geluTanh:  mapFn(geluTanh32),
		hardSwish: mapFn(hardSwish32),
		clip: func(d, x []float32, lo, hi float32) {
			for i := range d {
				d[i] = min(max(x[i], lo), hi)
			}
		},
		leakyRelu: func(d, x []float32, alpha float32) {
			for i := range d {
				v := x[i]
				if v < 0 {
					v *= alpha
				}
				d[i] = v
			}
		},
		hardSigmoid: func(d, x []float32, alpha, beta float32) {
			for i := range d {
				d[i] = max(min(alpha*x[i]+beta, 1), 0)
			}
		},
		sum: func(x []float32) float32 {
			s := float32(0)
			for _, v := range x {
				s += v
			}
			return s
		},
		max: func(x []float32) float32 {
			m := float32(math.Inf(-1))
			for _, v := range x {
				m = max(m, v)
			}
			return m
		},
		sumSq: func(x []float32) float32 {
			s := float32(0)
			for _, v := range x {
				s += v * v
			}
			return s
		},
		dot: func(a, b []float32) float32 {
			s := float32(0)
			for i, v := range a {
				s += v * b[i]
			}
			return s
		},
		sumSqDev: func(x []float32, mean float32) float32 {
			s := float32(0)
			for _, v := range x {
				s += (v - mean) * (v - mean)
			}
			return s
		},
		expSum: func(x []float32, m float32) float32 {
			s := float32(0)
			for _, v := range x {
				s += exp32(v - m)
			}
			return s
		},
		expShiftSum: func(d, x []float32, m float32) float32 {
			s := float32(0)
			for i := range d {
				e := exp32(x[i] - m)
				d[i] = e
				s += e
			}
			return s
		},
		softmaxRows: genericSoftmaxRows, logSoftmaxRows: genericLogSoftmaxRows,
	}
	for c := range numCmps {
		t.sel[c], t.selS[c] = genericSelect(c)
	}
	return t
}

func mapFn(f func(float32) float32) func(d, x []float32) {
	return func(d, x []float32) {
		for i := range d {
			d[i] = f(x[i])
		}
	}
}
