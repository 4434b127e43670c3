// Command benchcmp is `make bench`: it times dlc against ONNX Runtime on the
// models scripts/export_bench_models.py writes into .cache/bench, in the
// same run, and checks that both engines compute the same outputs.
//
//	go run ./internal/cmd/benchcmp [--models mlp,resnet18] [--threads 1,2] [--json]
//
// # Measurement
//
// For each model and thread count, one long-lived ONNX Runtime process
// (scripts/ort_bench.js on onnxruntime-node, default graph optimizations,
// intraOpNumThreads N, interOpNumThreads 1) holds the session, while dlc
// runs through its CLI (`dlc bench MODEL --threads N --runs K --json`).
// Both first get a short probe that sizes their run counts so a round
// lasts about --round-time; then the rounds alternate dlc, ORT, dlc, ORT
// (--rounds of each), so drift in the machine (frequency, other load) hits
// both engines alike. A row reports the median over rounds of each round's
// median, p10 and p90 run time, batch size 1, fed the exported test input.
//
// Memory is reported as each engine can measure it, and the two are not
// the same quantity: dlc's peak_bytes (from dlc bench) versus ORT's process
// RSS high-water mark (VmHWM, reset before the session is created, so it is
// the node process's baseline plus everything the session touched; the
// increase over the baseline is shown beside it).
//
// The check column compares dlc's outputs (`dlc run`, default options)
// with ORT's for the same input: every float element must satisfy
// |dlc − ort| ≤ 1e-4·max(|ort|, 1% of max|ort|), the tolerance of
// internal/realmodels. ORT's outputs are held to PyTorch's stored ones the
// same way, which checks the export (JSON: ort_vs_torch_max_rel_err).
//
// With --compiled (the default), each model is also built by dlc build
// into a static binary, timed in the same alternating rounds by the
// binary's own bench command, and reported on a second line: its latency
// against dlc's runtime path and ORT, its start-up (cold exec of
// `BINARY run` to outputs written, median of 9), its size beside the
// weights it embeds, and a check of its outputs against dlc run's.
//
// The SGEMM rows time gemm.Ctx.Sgemm (one thread, no transposes, operands
// as plain slices so every call packs them) and ORT's MatMul of two N×N
// graph inputs (one thread; its times include onnxruntime-node's per-call
// overhead, tens of microseconds), in alternating rounds, and relate both
// to one core's FMA peak (gemm.FMAPeak, best of many short bursts).
//
// Timings on a machine doing other work are noisy for both engines; the
// header prints the load average at the start for that reason.
//
// The exit status is 1 when a check fails or an engine errors, after the
// whole table is printed.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// allModels are the models in table order; export_bench_models.py writes
// each into <cache>/<name>.
var allModels = []string{"mlp", "resnet18", "resnet50", "mobilenet_v2", "squeezenet", "bert", "lstm"}

type config struct {
	cache, dlc, node, modules, script string
	models                            []string
	threads, gemmSizes                []int
	rounds, minRuns, maxRuns          int
	roundTime, gemmTime               time.Duration
	json, compiled                    bool
}

func main() {
	var c config
	var models, threads, sizes string
	flag.StringVar(&c.cache, "cache", ".cache/bench", "folder of exported models")
	flag.StringVar(&c.dlc, "dlc", "bin/dlc", "dlc command")
	flag.StringVar(&c.node, "node", "node", "Node.js command")
	flag.StringVar(&c.modules, "node-modules", envOr("DLC_ORT_NODE_MODULES", ".cache/npm/node_modules"), "node_modules folder holding onnxruntime-node")
	flag.StringVar(&c.script, "script", "scripts/ort_bench.js", "the ORT side of the benchmark")
	flag.StringVar(&models, "models", envOr("BENCH_MODELS", strings.Join(allModels, ",")), "comma-separated models (env BENCH_MODELS); \"none\" for SGEMM only")
	flag.StringVar(&threads, "threads", "1,2", "comma-separated thread counts")
	flag.StringVar(&sizes, "gemm", "256,512,1024,2048", "SGEMM sizes (\"none\" to skip)")
	flag.IntVar(&c.rounds, "rounds", 3, "alternating rounds per engine")
	flag.IntVar(&c.minRuns, "min-runs", 3, "fewest timed runs per round")
	flag.IntVar(&c.maxRuns, "max-runs", 2000, "most timed runs per round")
	flag.DurationVar(&c.roundTime, "round-time", 1500*time.Millisecond, "target length of one round's timed runs")
	flag.DurationVar(&c.gemmTime, "gemm-time", 500*time.Millisecond, "target time per SGEMM size and engine")
	flag.BoolVar(&c.json, "json", false, "print rows as JSON lines instead of a table")
	flag.BoolVar(&c.compiled, "compiled", true, "also build each model with dlc build and time the binary")
	flag.Parse()
	if flag.NArg() != 0 || c.rounds < 1 || c.minRuns < 1 || c.maxRuns < c.minRuns {
		flag.Usage()
		os.Exit(2)
	}
	var err error
	if c.models, err = parseModels(models); err == nil {
		if c.threads, err = parseInts("--threads", threads); err == nil {
			c.gemmSizes, err = parseInts("--gemm", sizes)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(2)
	}
	if problems := run(c); problems > 0 {
		fmt.Fprintf(os.Stderr, "benchcmp: %d problem(s), see the rows above\n", problems)
		os.Exit(1)
	}
}

// run benchmarks everything c asks for and returns the number of failed
// checks and engine errors.
func run(c config) int {
	out := newReport(os.Stdout, c.json)
	out.header(describeSetup(c))
	problems := 0
	if len(c.models) > 0 {
		out.modelHeader()
	}
	for _, name := range c.models {
		for _, row := range benchModel(c, name) {
			out.model(row)
			if row.problem() {
				problems++
			}
		}
	}
	if len(c.gemmSizes) > 0 {
		rows, peak, level, err := benchSgemm(c)
		if err != nil {
			problems++
		}
		out.sgemm(rows, peak, level)
	}
	return problems
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func parseModels(s string) ([]string, error) {
	if s == "none" {
		return nil, nil
	}
	var out []string
	for _, m := range strings.Split(s, ",") {
		if m = strings.TrimSpace(m); m == "" {
			continue
		}
		known := false
		for _, k := range allModels {
			known = known || k == m
		}
		if !known {
			return nil, fmt.Errorf("unknown model %q (known: %s)", m, strings.Join(allModels, ","))
		}
		out = append(out, m)
	}
	return out, nil
}

func parseInts(flagName, s string) ([]int, error) {
	if s == "none" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err != nil || n < 1 {
			return nil, fmt.Errorf("%s: %q is not a positive integer", flagName, f)
		}
		out = append(out, n)
	}
	return out, nil
}
