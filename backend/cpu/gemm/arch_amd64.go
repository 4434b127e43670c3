//go:build amd64 && gc && !noasm

package gemm

// archKernelSets returns the assembly levels the CPU and OS support, in
// increasing order.
func archKernelSets() []*kernelSet {
	avx2, avx512 := detect()
	var sets []*kernelSet
	if avx2 {
		// The epilogue's additions are memory-bound: AVX2 serves both levels.
		defer func() {
			for _, ks := range sets {
				ks.addVec, ks.addScalar = addvec_avx2, addscalar_avx2
			}
		}()
		sets = append(sets, &kernelSet{
			level: "avx2", mr: 6, nr: 16, kc: 256, mc: 120, nc: 2048, smallM: 48,
			kern: []microKernel{kern_avx2_1, kern_avx2_2, kern_avx2_3, kern_avx2_4, kern_avx2_5, kern_avx2_6},
			gemv: gemv_avx2, gemvN: 64,
			gatherA: packgather_avx2_6, copyA: packcopy_avx2_6, copyB: packcopy_avx2_16, gatherB: packgather_avx2_16,
		})
	}
	if avx512 {
		packSegs = packsegs
		sets = append(sets, &kernelSet{
			level: "avx512", mr: 14, nr: 32, masked: true, kc: 384, mc: 168, nc: 2048, smallM: 70,
			kern: []microKernel{kern_avx512_1, kern_avx512_2, kern_avx512_3, kern_avx512_4, kern_avx512_5,
				kern_avx512_6, kern_avx512_7, kern_avx512_8, kern_avx512_9, kern_avx512_10,
				kern_avx512_11, kern_avx512_12, kern_avx512_13, kern_avx512_14},
			gemv: gemv_avx512, gemvN: 128,
			epKern: []epMicroKernel{kernep_avx512_1, kernep_avx512_2, kernep_avx512_3, kernep_avx512_4, kernep_avx512_5,
				kernep_avx512_6, kernep_avx512_7, kernep_avx512_8, kernep_avx512_9, kernep_avx512_10,
				kernep_avx512_11, kernep_avx512_12, kernep_avx512_13, kernep_avx512_14},
			gatherA: packgather_14, copyA: packcopy_14, copyB: packcopy_32, gatherB: packgather_32,
			gatherMasked: packgather_masked,
			kernRow: []rowMicroKernel{kernrow_avx512_1, kernrow_avx512_2, kernrow_avx512_3, kernrow_avx512_4, kernrow_avx512_5,
				kernrow_avx512_6, kernrow_avx512_7, kernrow_avx512_8, kernrow_avx512_9, kernrow_avx512_10,
				kernrow_avx512_11, kernrow_avx512_12, kernrow_avx512_13, kernrow_avx512_14},
			epKernCol: []epMicroKernel{kernepc_avx512_1, kernepc_avx512_2, kernepc_avx512_3, kernepc_avx512_4, kernepc_avx512_5,
				kernepc_avx512_6, kernepc_avx512_7, kernepc_avx512_8, kernepc_avx512_9, kernepc_avx512_10,
				kernepc_avx512_11, kernepc_avx512_12, kernepc_avx512_13, kernepc_avx512_14},
			epKernRowCol: []rowEpMicroKernel{kernrowepc_avx512_1, kernrowepc_avx512_2, kernrowepc_avx512_3, kernrowepc_avx512_4, kernrowepc_avx512_5,
				kernrowepc_avx512_6, kernrowepc_avx512_7, kernrowepc_avx512_8, kernrowepc_avx512_9, kernrowepc_avx512_10,
				kernrowepc_avx512_11, kernrowepc_avx512_12, kernrowepc_avx512_13, kernrowepc_avx512_14},
		})
	}
	return sets
}

// detect reports AVX2+FMA and AVX-512 (F and DQ) support, including the
// OS saving the wider registers (XCR0).
func detect() (avx2, avx512 bool) {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false, false
	}
	_, _, c1, _ := cpuid(1, 0)
	fma, osxsave, avx := c1&(1<<12) != 0, c1&(1<<27) != 0, c1&(1<<28) != 0
	if !osxsave || !avx || !fma {
		return false, false
	}
	xcr0, _ := xgetbv()
	_, b7, _, _ := cpuid(7, 0)
	avx2 = b7&(1<<5) != 0 && xcr0&0x6 == 0x6
	avx512 = avx2 && b7&(1<<16) != 0 && b7&(1<<17) != 0 && xcr0&0xe6 == 0xe6
	return avx2, avx512
}

// fmaLoop runs n iterations of the best level's FMA probe and returns the
// flops done.
func fmaLoop(n int) float64 {
	switch active.level {
	case "avx512":
		fmapeak_avx512(n)
		return float64(n) * 12 * 16 * 2
	case "avx2":
		fmapeak_avx2(n)
		return float64(n) * 12 * 8 * 2
	}
	return fmaLoopGeneric(n)
}
