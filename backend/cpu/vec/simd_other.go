//go:build !amd64 || noasm || !gc

package vec

// simdTables adds nothing: this build has only the generic level.
func simdTables(*[numLevels]*kernels) {}
