package main

import (
	"time"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
)

// The FMA probe runs in peakBursts short bursts and keeps the fastest: a
// peak is a maximum, and on a shared machine any one burst may lose the
// core to another process for part of its time.
const (
	peakBursts = 100
	peakBurst  = 2 * time.Millisecond
)

// fmaPeak is one core's float32 FMA throughput in GFLOP/s at the GEMM
// kernels' active ISA level, and that level's name.
func fmaPeak() (float64, string) {
	best := 0.0
	for range peakBursts {
		best = max(best, gemm.FMAPeak(peakBurst))
	}
	return best, gemm.Level()
}
