package gemm

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
)

// bestGFLOPS runs f reps times and returns the GFLOP/s of the fastest
// run: on a shared, noisy machine the minimum is the stable statistic.
func bestGFLOPS(reps int, flops float64, f func()) float64 {
	best := time.Duration(1 << 62)
	for range reps {
		t := time.Now()
		f()
		best = min(best, time.Since(t))
	}
	return flops / best.Seconds() / 1e9
}

// TestTune prints best-of-N figures for blocking choices; it runs only
// with DLC_GEMM_TUNE=1 (it takes tens of seconds).
func TestTune(t *testing.T) {
	if os.Getenv("DLC_GEMM_TUNE") == "" {
		t.Skip("set DLC_GEMM_TUNE=1")
	}
	peak := 0.0
	for range 20 {
		peak = max(peak, FMAPeak(5*time.Millisecond))
	}
	fmt.Printf("FMAPeak best %.1f GFLOP/s (level %s)\n", peak, Level())
	ks := *active
	defer func(saved *kernelSet) { active = saved }(active)
	active = &ks
	r := rand.New(rand.NewPCG(1, 1))
	ctx := NewCtx(parallel.Serial)
	cfgs := [][3]int{{ks.kc, ks.mc, ks.nc}, {384, 168, 2048}, {512, 112, 2048}, {256, 336, 2048}, {384, 84, 4096}}
	if e := os.Getenv("DLC_GEMM_TUNE_CFG"); e != "" {
		var c [3]int
		fmt.Sscan(e, &c[0], &c[1], &c[2])
		cfgs = [][3]int{c}
	}
	for _, cfg := range cfgs {
		ks.kc, ks.mc, ks.nc = cfg[0], cfg[1], cfg[2]
		line := fmt.Sprintf("kc=%d mc=%d nc=%d:", cfg[0], cfg[1], cfg[2])
		for _, s := range []int{256, 512, 1024, 2048} {
			a, b, c := randSlice(r, s*s), randSlice(r, s*s), make([]float32, s*s)
			reps := max(8, 4e9/(2*s*s*s))
			g := bestGFLOPS(reps, 2*float64(s*s*s), func() { ctx.Sgemm(false, false, s, s, s, 1, a, s, b, s, 0, c, s, nil) })
			line += fmt.Sprintf("  %d: %.1f (%.0f%%)", s, g, 100*g/peak)
		}
		fmt.Println(line)
	}
}

// TestTuneKernel prints the best-of-N micro-kernel rate next to FMAPeak
// (DLC_GEMM_TUNE=1).
func TestTuneKernel(t *testing.T) {
	if os.Getenv("DLC_GEMM_TUNE") == "" {
		t.Skip("set DLC_GEMM_TUNE=1")
	}
	peak := 0.0
	for range 20 {
		peak = max(peak, FMAPeak(5*time.Millisecond))
	}
	r := rand.New(rand.NewPCG(1, 1))
	for _, ks := range levels[1:] {
		const k = 256
		a, b, c := randSlice(r, k*ks.mr), randSlice(r, k*ks.nr), make([]float32, ks.mr*ks.nr)
		kern := ks.kern[ks.mr-1]
		g := bestGFLOPS(20000, float64(2*k*ks.mr*ks.nr), func() { kern(k, &a[0], &b[0], ks.nr, &c[0], ks.nr, 1, 0, colMask(ks.nr)) })
		fmt.Printf("micro-kernel %s %dx%d (avo): %.1f GFLOP/s = %.0f%% of FMAPeak %.1f\n", ks.level, ks.mr, ks.nr, g, 100*g/peak, peak)
	}
	tuneArchsimd(peak)
}
