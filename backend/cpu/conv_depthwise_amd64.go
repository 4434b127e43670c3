//go:build amd64 && !noasm && gc

package cpu

import "github.com/dlc-go/dlc/backend/cpu/vec"

// dwTapsSIMD runs dwTaps' assembly loop for level l and reports whether
// there is one. The caller has checked the lengths and bounds.
func dwTapsSIMD(l vec.Level, out, src []float32, offs []int, w []float32, bias float32) bool {
	switch l {
	case vec.AVX512:
		dwTapsAVX512(&out[0], len(out), &src[0], &offs[0], &w[0], len(offs), bias)
	case vec.AVX2:
		dwTapsAVX2(&out[0], len(out), &src[0], &offs[0], &w[0], len(offs), bias)
	default:
		return false
	}
	return true
}

// dwSplit2SIMD runs split2's assembly loop (even[i], odd[i] = src[2i],
// src[2i+1]; len(src) a multiple of 16) when level l has one.
func dwSplit2SIMD(l vec.Level, even, odd, src []float32) bool {
	if l < vec.AVX2 || len(src) == 0 {
		return false
	}
	_, _ = even[len(src)/2-1], odd[len(src)/2-1]
	dwSplit2AVX2(&even[0], &odd[0], &src[0], len(src))
	return true
}
