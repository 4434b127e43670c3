package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dlcTimeout bounds one dlc command: generous, since before the fast
// kernels a ResNet-50 run takes seconds.
const dlcTimeout = 20 * time.Minute

// dlcCommand runs the dlc CLI and returns its stdout; an error carries the
// last line dlc printed on stderr.
func dlcCommand(c config, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dlcTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.dlc, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if ctx.Err() != nil {
			msg = fmt.Sprintf("timed out after %v", dlcTimeout)
		}
		if msg == "" {
			return nil, fmt.Errorf("dlc %s: %v", args[0], err)
		}
		return nil, fmt.Errorf("dlc %s: %v: %s", args[0], err, msg)
	}
	return stdout.Bytes(), nil
}

var (
	benchHelpOnce sync.Once
	benchHelp     string
)

// dlcBenchHas reports whether `dlc bench` documents flag (as "--name"), so
// the harness passes test inputs and warmup counts only to a dlc that
// takes them.
func dlcBenchHas(c config, flag string) bool {
	benchHelpOnce.Do(func() {
		out, _ := exec.Command(c.dlc, "bench", "--help").CombinedOutput()
		benchHelp = string(out)
	})
	return strings.Contains(benchHelp, flag)
}

// inputArgs are the -i name=file arguments that feed the exported inputs.
func inputArgs(ins []testInput) []string {
	var args []string
	for _, in := range ins {
		args = append(args, "-i", in.name+"="+in.pbFile)
	}
	return args
}

// benchDLC runs `dlc bench --json` once: warmup untimed runs (where dlc
// takes --warmup), then runs timed ones.
func benchDLC(c config, model string, ins []testInput, threads, runs, warmup int) (Result, error) {
	args := []string{"bench", model, "--threads", strconv.Itoa(threads), "--runs", strconv.Itoa(runs), "--json"}
	if dlcBenchHas(c, "--warmup") {
		args = append(args, "--warmup", strconv.Itoa(warmup))
	}
	if dlcBenchHas(c, "--input") {
		args = append(args, inputArgs(ins)...)
	}
	out, err := dlcCommand(c, args...)
	if err != nil {
		return Result{}, err
	}
	// The JSON line is the last one that looks like an object; dlc may
	// print other lines before it.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "{") {
			var r Result
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				return Result{}, fmt.Errorf("dlc bench --json: %w", err)
			}
			if r.Runs < 1 || r.MedianMS <= 0 {
				return Result{}, fmt.Errorf("dlc bench --json: no timings in %s", l)
			}
			return r, nil
		}
	}
	return Result{}, fmt.Errorf("dlc bench --json printed no JSON line")
}

// runDLC runs the model once with `dlc run`, writing output_K.pb into dir.
func runDLC(c config, model string, ins []testInput, dir string) error {
	args := append([]string{"run", model}, inputArgs(ins)...)
	_, err := dlcCommand(c, append(args, "-o", dir, "-q")...)
	return err
}
