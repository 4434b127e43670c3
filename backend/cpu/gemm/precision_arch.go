package gemm

// archPrecisionKernels are the assembly forms of precision_generic.go's
// functions; nil fields: not available on this machine.
type archPrecisionKernels struct {
	pairKern []microKernel // pairKern[r-1]: r rows × 32 columns, masked (AVX512_BF16)
	// pairEpKernCol[r-1]: pairKern[r-1] storing with a per-column bias
	// epilogue (epKernCol's meaning).
	pairEpKernCol []epMicroKernel
	pairConvert   func(kb int, src *float32, w int, dst *float32)
	roundBF16     func(x *float32, n int)
	roundFP16     func(x *float32, n int)
	// Fused packers of one full panel straight into the pair layout (the
	// float32 panel packers followed by pairConvert, in one pass), with
	// panelPacker's arguments: kb depth steps from src, rows ld apart.
	// pairCopyB: B not transposed (kb rows of 32 columns); pairGatherB: B
	// transposed (32 rows of kb); pairGatherA: A not transposed (14 rows
	// of kb); pairCopyA: A transposed (kb rows of 14).
	pairCopyB, pairGatherB, pairGatherA, pairCopyA panelPacker
}
