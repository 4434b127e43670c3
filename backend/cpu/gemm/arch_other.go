//go:build !amd64 || !gc || noasm

package gemm

// archKernelSets is empty without assembly: only the generic level.
func archKernelSets() []*kernelSet { return nil }

// fmaLoop runs n iterations of the portable FMA probe.
func fmaLoop(n int) float64 { return fmaLoopGeneric(n) }
