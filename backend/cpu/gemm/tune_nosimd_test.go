//go:build !(goexperiment.simd && amd64)

package gemm

// tuneArchsimd has nothing to measure without GOEXPERIMENT=simd.
func tuneArchsimd(peak float64) {}
