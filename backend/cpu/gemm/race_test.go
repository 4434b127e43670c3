//go:build race

package gemm

// raceEnabled: the race detector makes sync.Pool drop items, so the
// worker pool allocates; allocation tests are skipped.
const raceEnabled = true
