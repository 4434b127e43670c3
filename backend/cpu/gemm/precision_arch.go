package gemm

// archPrecisionKernels are the assembly forms of precision_generic.go's
// functions; nil fields: not available on this machine.
type archPrecisionKernels struct {
	pairKern    []microKernel // pairKern[r-1]: r rows × 32 columns, masked (AVX512_BF16)
	pairConvert func(kb int, src *float32, w int, dst *float32)
	roundBF16   func(x *float32, n int)
	roundFP16   func(x *float32, n int)
}
