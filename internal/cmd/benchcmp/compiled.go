package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The compiled rows: each model built once with `dlc build` into a static
// binary, timed by the binary's own bench command in the same alternating
// rounds as dlc and ORT, plus its start-up — the wall time of
// `BINARY run -i ... -o DIR` from exec to the outputs written (median of
// startRuns), which is what a deployed binary costs per cold invocation.

// startRuns is how many cold runs the start-up figure is the median of.
const startRuns = 9

// compiledModel is a model's binary.
type compiledModel struct {
	bin                      string
	binaryBytes, weightBytes int64
}

// buildCompiled runs `dlc build` and `BINARY info` (for the weight bytes).
func buildCompiled(c config, model, work string) (*compiledModel, error) {
	bin := filepath.Join(work, "compiled")
	if _, err := dlcCommand(c, "build", model, "-o", bin); err != nil {
		return nil, err
	}
	st, err := os.Stat(bin)
	if err != nil {
		return nil, err
	}
	cm := &compiledModel{bin: bin, binaryBytes: st.Size()}
	out, err := exec.Command(bin, "info").Output()
	if err != nil {
		return nil, fmt.Errorf("%s info: %v", bin, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "weights:"); ok {
			fmt.Sscan(strings.TrimSpace(rest), &cm.weightBytes)
		}
	}
	return cm, nil
}

// benchCompiled runs `BINARY bench --json` once.
func benchCompiled(cm *compiledModel, ins []testInput, threads, runs, warmup int) (Result, error) {
	args := append([]string{"bench", "--threads", strconv.Itoa(threads), "--runs", strconv.Itoa(runs),
		"--warmup", strconv.Itoa(warmup), "--json"}, inputArgs(ins)...)
	out, err := runBinary(cm.bin, args...)
	if err != nil {
		return Result{}, err
	}
	var r Result
	if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil || r.Runs < 1 {
		return Result{}, fmt.Errorf("compiled bench --json printed %q", out)
	}
	r.Engine = "dlc-compiled"
	return r, nil
}

// startup times cold runs of the binary on the test input, writing its
// outputs into dir; it returns the median wall time in milliseconds.
func startup(cm *compiledModel, ins []testInput, threads int, dir string) (float64, error) {
	args := append([]string{"run", "-q", "--threads", strconv.Itoa(threads), "-o", dir}, inputArgs(ins)...)
	var times []float64
	for range startRuns {
		t0 := time.Now()
		if _, err := runBinary(cm.bin, args...); err != nil {
			return 0, err
		}
		times = append(times, float64(time.Since(t0))/float64(time.Millisecond))
	}
	return median(times), nil
}

func runBinary(bin string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dlcTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("compiled %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// checkCompiled compares the compiled binary's outputs (written by
// startup into dir) with dlc run's: the same kernels, so bitwise equal is
// expected; the row reports the largest relative difference.
func checkCompiled(row *modelRow, dir, dlcOut string) {
	files, _ := filepath.Glob(filepath.Join(dlcOut, "output_*.pb"))
	n := len(files)
	if n == 0 {
		return // dlc failed; check has said why
	}
	got, err := readPBOutputs(dir, n)
	if err != nil {
		row.fail("reading the compiled binary's outputs: %v", err)
		return
	}
	want, err := readPBOutputs(dlcOut, n)
	if err != nil {
		return // dlc failed; check has said why
	}
	row.CompiledVsDLC, err = compareOutputs(got, want)
	row.CompiledCheck = "ok"
	if err != nil {
		row.CompiledCheck = "FAIL"
		row.fail("compiled against dlc run: %v", err)
	}
}
