// Command benchtrain is `make bench-train`: dlc's trainer against PyTorch
// (scripts/bench_train_torch.py, Debian's python3-torch with OpenBLAS) on
// Fashion-MNIST, the same models, batch size 64, Adam at 1e-3 with a
// constant rate, the same thread count, in the same run.
//
//	go run ./internal/cmd/benchtrain [--models mlp,cnn] [--threads 1,2] [--batches 200] [--epochs 1] [--rounds 2]
//
// Throughput: each engine trains --batches batches (after PyTorch's
// warm-up of 5 batches; dlc's plan is built before its epoch starts), in
// alternating rounds (dlc, PyTorch, dlc, PyTorch …); a row gives the best
// round of each, in samples per second, and their ratio (> 1: dlc
// faster). Accuracy: both train --epochs full epochs on all 60,000
// training images at 2 threads and report the test accuracy.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

type config struct {
	dlc, python, script, specs string
	models, precisions         []string
	threads                    []int
	batches, epochs, rounds    int
}

// result is the part of either engine's JSON line the table uses.
type result struct {
	SamplesPerSec float64  `json:"samples_per_sec"`
	TestAccuracy  *float64 `json:"test_accuracy"`
	Epochs        int      `json:"epochs"`
}

func main() {
	var c config
	var models, threads, precisions string
	flag.StringVar(&c.dlc, "dlc", "bin/dlc", "dlc command")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "Python with torch")
	flag.StringVar(&c.script, "script", "scripts/bench_train_torch.py", "the PyTorch side")
	flag.StringVar(&c.specs, "specs", "examples/train", "folder of fashion-mlp.yaml and fashion-cnn.yaml")
	flag.StringVar(&models, "models", "mlp,cnn,lstm,transformer", "models (examples/train/fashion-NAME.yaml and the PyTorch script's --model)")
	flag.StringVar(&threads, "threads", "1,2", "thread counts")
	flag.IntVar(&c.batches, "batches", 200, "batches timed per throughput round")
	flag.IntVar(&c.epochs, "epochs", 1, "epochs of the accuracy runs (0: skip them)")
	flag.IntVar(&c.rounds, "rounds", 3, "alternating throughput rounds per engine")
	flag.StringVar(&precisions, "precisions", "float32,bf16", "precisions of the throughput rows (bf16: dlc's precision: bf16 against torch.autocast bfloat16)")
	flag.Parse()
	c.models = strings.Split(models, ",")
	c.precisions = strings.Split(precisions, ",")
	for _, t := range strings.Split(threads, ",") {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "benchtrain: --threads %q\n", threads)
			os.Exit(2)
		}
		c.threads = append(c.threads, n)
	}
	if !run(c) {
		os.Exit(1)
	}
}

func run(c config) bool {
	ok := true
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("Fashion-MNIST training, batch 64, Adam 1e-3; load average %s\n", strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Printf("throughput: best of %d alternating rounds of %d batches each\n\n", c.rounds, c.batches)
	fmt.Printf("%-5s %3s %-7s %14s %14s %9s %10s %10s\n", "model", "thr", "prec", "dlc samples/s", "torch samp/s", "dlc/torch", "dlc gain", "torch gain")
	for _, m := range c.models {
		for _, t := range c.threads {
			base := [2]float64{}
			for _, prec := range c.precisions {
				var best [2]float64
				var errs []string
				for range c.rounds {
					if r, err := dlcTrain(c, m, t, c.batches*64, 1, "--precision", prec); err != nil {
						errs = append(errs, err.Error())
					} else {
						best[0] = max(best[0], r.SamplesPerSec)
					}
					if r, err := torch(c, m, t, "--throughput-only", "--max-batches", strconv.Itoa(c.batches), "--precision", prec); err != nil {
						errs = append(errs, err.Error())
					} else {
						best[1] = max(best[1], r.SamplesPerSec)
					}
				}
				if prec == "float32" {
					base = best
				}
				fmt.Printf("%-5s %3d %-7s %14.0f %14.0f %9s %10s %10s\n", m, t, prec, best[0], best[1],
					ratio(best[0], best[1]), ratio(best[0], base[0]), ratio(best[1], base[1]))
				for _, e := range errs {
					fmt.Printf("    ! %s\n", e)
					ok = false
				}
			}
		}
	}
	if c.epochs == 0 {
		return ok
	}
	fmt.Printf("\naccuracy after %d epoch(s) on the full training set, 2 threads\n", c.epochs)
	fmt.Printf("%-5s %14s %14s\n", "model", "dlc test acc", "torch test acc")
	for _, m := range c.models {
		d, errD := dlcTrain(c, m, 2, 0, c.epochs)
		p, errP := torch(c, m, 2, "--epochs", strconv.Itoa(c.epochs))
		fmt.Printf("%-5s %14s %14s\n", m, acc(d, errD), acc(p, errP))
		for _, err := range []error{errD, errP} {
			if err != nil {
				fmt.Printf("    ! %v\n", err)
				ok = false
			}
		}
	}
	return ok
}

// ratio is a/b as "1.23x", or "-" when either is missing.
func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func acc(r result, err error) string {
	if err != nil || r.TestAccuracy == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *r.TestAccuracy)
}

// dlcTrain runs the example spec set up as the PyTorch script trains:
// no validation split, a constant rate, no early stopping, no export;
// limit > 0 trains on that many images only.
func dlcTrain(c config, model string, threads, limit, epochs int, extra ...string) (result, error) {
	out, err := os.MkdirTemp("", "benchtrain-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(out)
	args := []string{"train", filepath.Join(c.specs, "fashion-"+model+".yaml"), "--json", "--out", out,
		"--threads", strconv.Itoa(threads), "--epochs", strconv.Itoa(epochs),
		"--set", "data.validation_split=0", "--set", "schedule.type=none", "--set", "early_stopping.patience=0",
		"--set", "export=", "--set", "checkpoint.every=0", "--set", "checkpoint.keep=1"}
	if limit > 0 {
		args = append(args, "--set", "data.limit="+strconv.Itoa(limit), "--set", "data.test_limit=64")
	}
	args = append(args, extra...)
	return jsonLine(exec.Command(c.dlc, args...))
}

func torch(c config, model string, threads int, extra ...string) (result, error) {
	args := append([]string{c.script, "--model", model, "--threads", strconv.Itoa(threads), "--json"}, extra...)
	return jsonLine(exec.Command(c.python, args...))
}

// jsonLine runs cmd and decodes the last line of its stdout.
func jsonLine(cmd *exec.Cmd) (result, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return result{}, fmt.Errorf("%s: %v: %s", filepath.Base(cmd.Path), err, msg)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var r result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return r, fmt.Errorf("%s printed %q", filepath.Base(cmd.Path), stdout.String())
	}
	return r, nil
}
