package main

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
)

// sgemmRow is one SGEMM size: GFLOP/s of dlc's Sgemm and of ORT's MatMul,
// both on one thread, and as fractions of the FMA peak.
type sgemmRow struct {
	Kind      string  `json:"kind"` // "sgemm"
	Size      int     `json:"size"`
	DLCGFlops float64 `json:"dlc_gflops"`
	ORTGFlops float64 `json:"ort_gflops"`
	// PeakGFlops is one core's FMA peak; the fractions are 0 without it.
	PeakGFlops float64 `json:"peak_gflops"`
	DLCFrac    float64 `json:"dlc_peak_frac"`
	ORTFrac    float64 `json:"ort_peak_frac"`
	Level      string  `json:"level"`
	Error      string  `json:"error,omitempty"`
}

// benchSgemm measures the FMA peak, then each size of c.gemmSizes in
// c.rounds alternating rounds of dlc and ORT, and reports the median of
// the round medians. Without ORT the rows hold dlc's rates alone.
func benchSgemm(c config) (rows []*sgemmRow, peak float64, level string, firstErr error) {
	peak, level = fmaPeak()
	ort, ortErr := startORT(c)
	if ortErr == nil {
		defer ort.quit()
	}
	for _, n := range c.gemmSizes {
		row := &sgemmRow{Kind: "sgemm", Size: n, PeakGFlops: peak, Level: level}
		gflops := func(ms float64) float64 { return 2 * float64(n) * float64(n) * float64(n) / (ms / 1e3) / 1e9 }
		d := newDLCSgemm(n)
		err := ortErr
		var ortRuns int
		if err == nil {
			ortRuns, err = loadORTSgemm(c, ort, n)
		}
		var dlcMS, ortMS []float64
		for range c.rounds {
			dlcMS = append(dlcMS, d.round(c.gemmTime))
			if err == nil {
				var r Result
				if r, err = ort.run(ortRuns, 1, ""); err == nil {
					ortMS = append(ortMS, r.MedianMS)
				}
			}
		}
		row.DLCGFlops = gflops(median(dlcMS))
		if err != nil {
			row.Error = err.Error()
			firstErr = cmp.Or(firstErr, err)
		} else {
			row.ORTGFlops = gflops(median(ortMS))
		}
		if peak > 0 {
			row.DLCFrac, row.ORTFrac = row.DLCGFlops/peak, row.ORTGFlops/peak
		}
		rows = append(rows, row)
	}
	return rows, peak, level, firstErr
}

// dlcSgemm times C = A·B for n×n random matrices with gemm.Ctx.Sgemm on
// one thread. The operands are plain slices, so every call packs them, as
// ORT's MatMul of two graph inputs does.
type dlcSgemm struct {
	n       int
	ctx     *gemm.Ctx
	a, b, c []float32
	warm    bool
}

func newDLCSgemm(n int) *dlcSgemm {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	mat := func() []float32 {
		m := make([]float32, n*n)
		for i := range m {
			m[i] = 2*r.Float32() - 1
		}
		return m
	}
	return &dlcSgemm{n: n, ctx: gemm.NewCtx(parallel.New(1)), a: mat(), b: mat(), c: mat()}
}

func (d *dlcSgemm) call() float64 {
	t0 := time.Now()
	d.ctx.Sgemm(false, false, d.n, d.n, d.n, 1, d.a, d.n, d.b, d.n, 0, d.c, d.n, nil)
	return float64(time.Since(t0)) / float64(time.Millisecond)
}

// round returns the median milliseconds of as many calls as fit in
// budget (at least one), after one untimed call that is skipped when a
// single call outlasts the budget.
func (d *dlcSgemm) round(budget time.Duration) float64 {
	var samples []float64
	if !d.warm {
		if first := d.call(); first >= float64(budget)/float64(time.Millisecond) {
			samples = append(samples, first)
		}
		d.warm = true
	}
	for start := time.Now(); len(samples) == 0 || (time.Since(start) < budget && len(samples) < 1000); {
		samples = append(samples, d.call())
	}
	return median(samples)
}

// loadORTSgemm loads the matmul_<n> model on one thread, fed random
// matrices, and returns the runs that fill c.gemmTime.
func loadORTSgemm(c config, ort *ortProc, n int) (int, error) {
	seedA, seedB := 1, 2
	dims := []int64{int64(n), int64(n)}
	ins := []ortInput{
		{Name: "A", DType: "float32", Dims: dims, Random: &seedA},
		{Name: "B", DType: "float32", Dims: dims, Random: &seedB},
	}
	model := filepath.Join(c.cache, fmt.Sprintf("matmul_%d", n), "model.onnx")
	if err := ort.load(model, fmt.Sprintf("matmul_%d", n), 1, ins); err != nil {
		return 0, err
	}
	probe, err := ort.run(1, 1, "")
	if err != nil {
		return 0, err
	}
	return max(1, min(1000, int(float64(c.gemmTime)/(probe.MedianMS*float64(time.Millisecond))))), nil
}
