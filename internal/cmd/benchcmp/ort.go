package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// This file is the Go half of scripts/ort_bench.js: one node process per
// session, driven by JSON lines on its stdin.

// Result is one engine's timing of one model: the fields of a
// `dlc bench --json` line, which ort_bench.js prints too.
type Result struct {
	Engine    string  `json:"engine"`
	Model     string  `json:"model"`
	Threads   int     `json:"threads"`
	MedianMS  float64 `json:"median_ms"`
	P10MS     float64 `json:"p10_ms"`
	P90MS     float64 `json:"p90_ms"`
	Runs      int     `json:"runs"`
	PeakBytes int64   `json:"peak_bytes"`
	// BaseRSSBytes is ORT's resident set before its session existed (node
	// and the ORT library); dlc leaves it 0.
	BaseRSSBytes int64 `json:"base_rss_bytes,omitempty"`
}

// ortInput is a feed as ort_bench.js takes it: raw little-endian elements
// in File, or uniform random float32 values from seed Random.
type ortInput struct {
	Name   string  `json:"name"`
	DType  string  `json:"dtype"`
	Dims   []int64 `json:"dims"`
	File   string  `json:"file,omitempty"`
	Random *int    `json:"random,omitempty"`
}

// ortProc is a running ort_bench.js.
type ortProc struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *strings.Builder
}

// startORT starts ort_bench.js; close it with quit.
func startORT(c config) (*ortProc, error) {
	if _, err := os.Stat(filepath.Join(c.modules, "onnxruntime-node", "package.json")); err != nil {
		return nil, fmt.Errorf("onnxruntime-node not found under %s: install it with `npm install --prefix .cache/npm --ignore-scripts onnxruntime-node@1.30.0` or set DLC_ORT_NODE_MODULES", c.modules)
	}
	p := &ortProc{cmd: exec.Command(c.node, c.script, c.modules), stderr: &strings.Builder{}}
	p.cmd.Stderr = p.stderr
	var err error
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.out = bufio.NewReader(stdout)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", c.node, err)
	}
	return p, nil
}

// ortTimeout bounds one command; a session that hangs is killed, which
// the pending read reports as the process dying.
const ortTimeout = 20 * time.Minute

// call sends one command and decodes its answer into reply.
func (p *ortProc) call(cmd map[string]any, reply any) error {
	b, err := json.Marshal(cmd)
	if err != nil {
		return err
	}
	watchdog := time.AfterFunc(ortTimeout, func() { p.cmd.Process.Kill() })
	defer watchdog.Stop()
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		return p.died(err)
	}
	line, err := p.out.ReadBytes('\n')
	if err != nil {
		return p.died(err)
	}
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(line, &e); err != nil {
		return fmt.Errorf("ort_bench.js: bad reply %q: %w", line, err)
	}
	if e.Error != "" {
		return errors.New("ORT: " + e.Error)
	}
	return json.Unmarshal(line, reply)
}

// died explains a broken pipe by the process's exit and last stderr line.
func (p *ortProc) died(err error) error {
	werr := p.cmd.Wait()
	msg := strings.TrimSpace(p.stderr.String())
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	return fmt.Errorf("ort_bench.js died (%v, %v): %s", err, werr, msg)
}

// load creates the session; label names it in results.
func (p *ortProc) load(model, label string, threads int, inputs []ortInput) error {
	var r struct{ OK bool }
	return p.call(map[string]any{"cmd": "load", "model": model, "name": label, "threads": threads, "inputs": inputs}, &r)
}

// run times runs inferences after warmup untimed ones; with outDir set,
// the last run's outputs are written there (see readORTOutputs).
func (p *ortProc) run(runs, warmup int, outDir string) (Result, error) {
	cmd := map[string]any{"cmd": "run", "runs": runs, "warmup": warmup}
	if outDir != "" {
		cmd["outputs_dir"] = outDir
	}
	var r Result
	err := p.call(cmd, &r)
	return r, err
}

// quit ends the process and waits for it.
func (p *ortProc) quit() {
	p.in.Write([]byte(`{"cmd":"quit"}` + "\n"))
	p.in.Close()
	p.cmd.Wait()
}
