//go:build !amd64 || !gc || noasm

package gemm

// archPrecision: no assembly here, precision_generic.go's Go forms run.
func archPrecision() archPrecisionKernels { return archPrecisionKernels{} }
