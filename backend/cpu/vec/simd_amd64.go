//go:build amd64 && !noasm && gc

package vec

// simdTables installs the assembly routines the CPU can run.
func simdTables(t *[numLevels]*kernels) {
	f := detect()
	if f.avx2 && f.fma {
		t[AVX2] = &kernels{
			add: addAVX2, sub: subAVX2, mul: mulAVX2, div: divAVX2, maximum: maximumAVX2,
			addS: addSAVX2, subS: subSAVX2, rsubS: rsubSAVX2, mulS: mulSAVX2, divS: divSAVX2, rdivS: rdivSAVX2,
			axpy: axpyAVX2, lnApply: lnApplyAVX2,
			relu: reluAVX2, abs: absAVX2, neg: negAVX2, sqrt: sqrtAVX2, exp: expAVX2, sigmoid: sigmoidAVX2,
			silu: siluAVX2, tanh: tanhAVX2, erf: erfAVX2, gelu: geluAVX2, geluTanh: geluTanhAVX2,
			hardSwish: hardSwishAVX2, clip: clipAVX2, leakyRelu: leakyReluAVX2, hardSigmoid: hardSigmoidAVX2,
			sum: sumAVX2, max: maxAVX2, sumSq: sumSqAVX2, dot: dotAVX2, sumSqDev: sumSqDevAVX2,
			expShiftSum: expShiftSumAVX2, expSum: expSumAVX2,
			sel:         [numCmps]func(dst, x, c, a, b []float32){selGTAVX2, selGEAVX2, selLTAVX2, selLEAVX2},
			selS:        [numCmps]func(dst, x, a, b []float32, c float32){selSGTAVX2, selSGEAVX2, selSLTAVX2, selSLEAVX2},
			softmaxRows: softmaxRowsAVX2, logSoftmaxRows: logSoftmaxRowsAVX2,
		}
	}
	if f.avx512f && f.avx512dq && t[AVX2] != nil {
		t[AVX512] = &kernels{
			add: addAVX512, sub: subAVX512, mul: mulAVX512, div: divAVX512, maximum: maximumAVX512,
			addS: addSAVX512, subS: subSAVX512, rsubS: rsubSAVX512, mulS: mulSAVX512, divS: divSAVX512, rdivS: rdivSAVX512,
			axpy: axpyAVX512, lnApply: lnApplyAVX512,
			relu: reluAVX512, abs: absAVX512, neg: negAVX512, sqrt: sqrtAVX512, exp: expAVX512, sigmoid: sigmoidAVX512,
			silu: siluAVX512, tanh: tanhAVX512, erf: erfAVX512, gelu: geluAVX512, geluTanh: geluTanhAVX512,
			hardSwish: hardSwishAVX512, clip: clipAVX512, leakyRelu: leakyReluAVX512, hardSigmoid: hardSigmoidAVX512,
			sum: sumAVX512, max: maxAVX512, sumSq: sumSqAVX512, dot: dotAVX512, sumSqDev: sumSqDevAVX512,
			expShiftSum: expShiftSumAVX512, expSum: expSumAVX512,
			sel: [numCmps]func(dst, x, c, a, b []float32){selGTAVX512, selGEAVX512, selLTAVX512, selLEAVX512},
			selS: [numCmps]func(dst, x, a, b []float32, c float32){selSGTAVX512, selSGEAVX512, selSLTAVX512,
				selSLEAVX512},
			softmaxRows: softmaxRowsAVX512, logSoftmaxRows: logSoftmaxRowsAVX512,
		}
	}
}

type features struct{ avx2, fma, avx512f, avx512dq bool }

// detect reads CPUID and checks with XGETBV that the OS saves the vector
// state (YMM for AVX2, opmask and ZMM for AVX-512), as
// golang.org/x/sys/cpu does; that module is not a dependency of dlc.
func detect() features {
	var f features
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return f
	}
	_, _, c1, _ := cpuid(1, 0)
	osxsave := c1&(1<<27) != 0
	if !osxsave || c1&(1<<28) == 0 { // AVX
		return f
	}
	xcr0, _ := xgetbv0()
	if xcr0&6 != 6 { // SSE and YMM state
		return f
	}
	_, b7, _, _ := cpuid(7, 0)
	f.fma = c1&(1<<12) != 0
	f.avx2 = b7&(1<<5) != 0
	if xcr0&0xe0 == 0xe0 { // opmask, ZMM0-15 upper halves, ZMM16-31
		f.avx512f = b7&(1<<16) != 0
		f.avx512dq = b7&(1<<17) != 0
	}
	return f
}
