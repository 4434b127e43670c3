package gemm

import "time"

// FMAPeak measures, for about d, the single-thread float32 throughput in
// GFLOP/s of a loop of independent FMAs at the active level: the ceiling
// the micro-kernel is judged against.
func FMAPeak(d time.Duration) float64 {
	const chunk = 1 << 16
	fmaLoop(chunk) // warm up clocks and the vector unit
	var flops float64
	start := time.Now()
	for time.Since(start) < d {
		flops += fmaLoop(chunk)
	}
	return flops / time.Since(start).Seconds() / 1e9
}

// fmaLoopGeneric is the portable probe: eight independent scalar
// multiply-add chains.
func fmaLoopGeneric(n int) float64 {
	x, y := float32(0.999), float32(1e-3)
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for i := 0; i < n; i++ {
		s0 = s0*x + y
		s1 = s1*x + y
		s2 = s2*x + y
		s3 = s3*x + y
		s4 = s4*x + y
		s5 = s5*x + y
		s6 = s6*x + y
		s7 = s7*x + y
	}
	sink = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
	return float64(n) * 8 * 2
}

// sink keeps the generic probe's result alive.
var sink float32
