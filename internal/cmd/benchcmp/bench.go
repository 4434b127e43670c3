package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// modelRow is one line of the table: a model at one thread count.
type modelRow struct {
	Kind    string  `json:"kind"` // "model"
	Model   string  `json:"model"`
	Threads int     `json:"threads"`
	DLC     *Result `json:"dlc,omitempty"`
	ORT     *Result `json:"ort,omitempty"`
	// Ratio is DLC.MedianMS / ORT.MedianMS (0 when either is missing).
	Ratio float64 `json:"ratio,omitempty"`
	// Check is "ok" or "FAIL" for dlc's outputs against ORT's, or "n/a"
	// when either engine could not produce them.
	Check     string  `json:"check"`
	MaxRelErr float64 `json:"max_rel_err"`
	// TorchRelErr is ORT's largest relative error against PyTorch's stored
	// outputs, a check of the export itself (failing it is an error).
	TorchRelErr float64 `json:"ort_vs_torch_max_rel_err"`
	// Compiled is the `dlc build` binary's timing (compiled.go), with its
	// start-up to first inference, its size and its weights' share.
	Compiled      *Result `json:"compiled,omitempty"`
	StartMS       float64 `json:"compiled_start_ms,omitempty"`
	BinaryBytes   int64   `json:"compiled_binary_bytes,omitempty"`
	WeightBytes   int64   `json:"compiled_weight_bytes,omitempty"`
	CompiledCheck string  `json:"compiled_check,omitempty"`
	CompiledVsDLC float64 `json:"compiled_vs_dlc_max_rel_err"`
	// CompiledRatio is Compiled.MedianMS / DLC.MedianMS.
	CompiledRatio float64  `json:"compiled_vs_dlc,omitempty"`
	Errors        []string `json:"errors,omitempty"`
}

func (r *modelRow) problem() bool {
	return r.Check != "ok" || len(r.Errors) > 0 || (r.CompiledCheck != "" && r.CompiledCheck != "ok")
}

func (r *modelRow) fail(format string, args ...any) {
	r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
}

// benchModel measures one model at every thread count of c. The output
// check runs once, at the first thread count, and is reported on every
// row.
func benchModel(c config, name string) []*modelRow {
	dir := filepath.Join(c.cache, name)
	model := filepath.Join(dir, "model.onnx")
	rows := make([]*modelRow, len(c.threads))
	for i, t := range c.threads {
		rows[i] = &modelRow{Kind: "model", Model: name, Threads: t, Check: "n/a"}
	}
	failAll := func(format string, args ...any) []*modelRow {
		for _, r := range rows {
			r.fail(format, args...)
		}
		return rows
	}
	if _, err := os.Stat(model); err != nil {
		return failAll("%s missing: run /usr/bin/python3 scripts/export_bench_models.py %s", model, c.cache)
	}
	work, err := os.MkdirTemp("", "benchcmp-"+name+"-")
	if err != nil {
		return failAll("%v", err)
	}
	defer os.RemoveAll(work)
	ins, err := testInputs(dir, work)
	if err != nil {
		return failAll("%v", err)
	}
	ortIns := make([]ortInput, len(ins))
	for i, in := range ins {
		ortIns[i] = in.ort
	}
	var cm *compiledModel
	if c.compiled {
		if cm, err = buildCompiled(c, model, work); err != nil {
			for _, r := range rows {
				r.fail("dlc build: %v", err)
			}
		}
	}
	for i, row := range rows {
		outDir := ""
		if i == 0 {
			outDir = filepath.Join(work, "ort_out")
		}
		measure(c, row, model, ins, ortIns, outDir, cm)
		if i == 0 {
			check(c, row, model, ins, outDir, filepath.Join(work, "dlc_out"))
		} else {
			row.Check, row.MaxRelErr, row.TorchRelErr = rows[0].Check, rows[0].MaxRelErr, rows[0].TorchRelErr
		}
		if cm != nil {
			row.BinaryBytes, row.WeightBytes = cm.binaryBytes, cm.weightBytes
			out := filepath.Join(work, fmt.Sprintf("compiled_out_%d", row.Threads))
			if row.StartMS, err = startup(cm, ins, row.Threads, out); err != nil {
				row.fail("%v", err)
			} else {
				checkCompiled(row, out, filepath.Join(work, "dlc_out"))
			}
		}
	}
	return rows
}

// measure fills row's timings: probes that size the run counts, then
// c.rounds alternating rounds of dlc and ORT. ORT's probe writes its
// outputs into ortOut when that is set.
func measure(c config, row *modelRow, model string, ins []testInput, ortIns []ortInput, ortOut string, cm *compiledModel) {
	ort, err := startORT(c)
	if err != nil {
		row.fail("%v", err)
	} else {
		defer ort.quit()
		if err := ort.load(model, row.Model, row.Threads, ortIns); err != nil {
			row.fail("%v", err)
			ort = nil
		}
	}
	var ortRuns, dlcRuns int
	var ortRes, dlcRes []Result
	if ort != nil {
		if r, err := ort.run(3, 2, ortOut); err != nil {
			row.fail("%v", err)
			ort = nil
		} else {
			ortRuns = c.runsFor(r.MedianMS)
		}
	}
	dlcOK := true
	if r, err := benchDLC(c, model, ins, row.Threads, 3, 1); err != nil {
		row.fail("%v", err)
		dlcOK = false
	} else {
		dlcRuns = c.runsFor(r.MedianMS)
	}
	var cmpRuns int
	var cmpRes []Result
	if cm != nil {
		if r, err := benchCompiled(cm, ins, row.Threads, 3, 1); err != nil {
			row.fail("%v", err)
			cm = nil
		} else {
			cmpRuns = c.runsFor(r.MedianMS)
		}
	}
	for range c.rounds {
		if cm != nil {
			r, err := benchCompiled(cm, ins, row.Threads, cmpRuns, c.warmupFor(cmpRuns))
			if err != nil {
				row.fail("%v", err)
				cm = nil
			} else {
				r.Model = row.Model
				cmpRes = append(cmpRes, r)
			}
		}
		if dlcOK {
			r, err := benchDLC(c, model, ins, row.Threads, dlcRuns, c.warmupFor(dlcRuns))
			if err != nil {
				row.fail("%v", err)
				dlcOK = false
			} else {
				// dlc names the model after its file; the table's name is
				// the folder's.
				r.Engine, r.Model = "dlc", row.Model
				dlcRes = append(dlcRes, r)
			}
		}
		if ort != nil {
			r, err := ort.run(ortRuns, c.warmupFor(ortRuns), "")
			if err != nil {
				row.fail("%v", err)
				ort = nil
			} else {
				ortRes = append(ortRes, r)
			}
		}
	}
	row.DLC, row.ORT, row.Compiled = combine(dlcRes), combine(ortRes), combine(cmpRes)
	if row.DLC != nil && row.ORT != nil {
		row.Ratio = row.DLC.MedianMS / row.ORT.MedianMS
	}
	if row.DLC != nil && row.Compiled != nil {
		row.CompiledRatio = row.Compiled.MedianMS / row.DLC.MedianMS
	}
}

// check compares the outputs ORT wrote into ortOut with PyTorch's (which
// checks the export), then runs dlc once on the test input and compares
// its outputs with ORT's.
func check(c config, row *modelRow, model string, ins []testInput, ortOut, dlcOut string) {
	want, err := readORTOutputs(ortOut)
	if err != nil {
		return // ORT failed; measure has said why
	}
	torch, err := readPBOutputs(filepath.Join(filepath.Dir(model), "test_data_set_0"), len(want))
	if err == nil {
		row.TorchRelErr, err = compareOutputs(want, torch)
	}
	if err != nil {
		row.fail("ORT against PyTorch: %v", err)
	}
	if err := runDLC(c, model, ins, dlcOut); err != nil {
		row.fail("%v", err)
		return
	}
	got, err := readPBOutputs(dlcOut, len(want))
	if err != nil {
		row.fail("reading dlc's outputs: %v", err)
		return
	}
	row.MaxRelErr, err = compareOutputs(got, want)
	row.Check = "ok"
	if err != nil {
		row.Check = "FAIL"
		row.fail("check: %v", err)
	}
}

// runsFor sizes a round of an engine whose probe took ms per run.
func (c config) runsFor(ms float64) int {
	n := int(float64(c.roundTime) / (ms * float64(time.Millisecond)))
	return max(c.minRuns, min(c.maxRuns, n))
}

// warmupFor is the untimed runs before a round of runs timed ones: enough
// to bring caches and page tables back after the other engine ran, without
// doubling a round of slow runs.
func (c config) warmupFor(runs int) int {
	if runs <= c.minRuns {
		return 1
	}
	return 2
}

// combine summarizes rounds: the median of each statistic across rounds,
// the total run count and the largest peak. It returns nil for no rounds.
func combine(rs []Result) *Result {
	if len(rs) == 0 {
		return nil
	}
	pick := func(f func(Result) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		return median(xs)
	}
	out := rs[0]
	out.MedianMS = pick(func(r Result) float64 { return r.MedianMS })
	out.P10MS = pick(func(r Result) float64 { return r.P10MS })
	out.P90MS = pick(func(r Result) float64 { return r.P90MS })
	out.Runs = 0
	for _, r := range rs {
		out.Runs += r.Runs
		out.PeakBytes = max(out.PeakBytes, r.PeakBytes)
	}
	return &out
}

// median of xs (the mean of the middle two for an even count); xs is
// sorted in place.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
