package aot

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dlc-go/dlc/frontend/npy"
	"github.com/dlc-go/dlc/ir"
)

const usage = `usage:
  %[1]s run [MODEL.onnx] -i INPUT [-i INPUT ...] [-o OUTDIR] [--threads N] [-q]
  %[1]s bench [-i INPUT ...] [--runs N] [--warmup N] [--threads N] [--json]
  %[1]s info

run reads inputs like dlc run — ONNX TensorProto (.pb) or NumPy (.npy)
files, in input order or as name=path — and writes OUTDIR/output_N.pb. The
model is compiled in; a MODEL argument is accepted and ignored, so scripts
written for dlc run work unchanged.
`

// Main is the command a package generated with dlc compile --main runs:
// it returns the process exit status, printing one line on error.
func Main(args []string, spec *Spec, weights string) int {
	return mainTo(os.Stdout, os.Stderr, args, spec, weights)
}

func mainTo(stdout, stderr io.Writer, args []string, spec *Spec, weights string) int {
	prog := filepath.Base(os.Args[0])
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(stderr, usage, prog)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	f, err := parseFlags(args[1:])
	if err == nil {
		switch args[0] {
		case "run":
			err = runCommand(stdout, spec, weights, f)
		case "bench":
			err = benchCommand(stdout, spec, weights, f)
		case "info":
			err = infoCommand(stdout, spec, weights)
		default:
			err = fmt.Errorf("unknown command %q (run, bench, info)", args[0])
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	return 0
}

type flags struct {
	inputs               []string
	out                  string
	threads, runs, warm  int
	quiet, json, runsSet bool
	positional           []string
}

// parseFlags reads flags anywhere among the arguments, as dlc's do.
func parseFlags(args []string) (*flags, error) {
	f := &flags{out: ".", runs: 10, warm: 3}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			f.positional = append(f.positional, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		next := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag %s needs a value", a)
			}
			i++
			return args[i], nil
		}
		num := func(dst *int) error {
			s, err := next()
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return fmt.Errorf("flag %s: %q is not a count", a, s)
			}
			*dst = n
			return nil
		}
		var err error
		switch name {
		case "i", "input":
			var s string
			s, err = next()
			f.inputs = append(f.inputs, s)
		case "o", "out":
			f.out, err = next()
		case "threads":
			err = num(&f.threads)
		case "runs":
			err, f.runsSet = num(&f.runs), true
		case "warmup":
			err = num(&f.warm)
		case "q", "quiet":
			f.quiet = true
		case "json":
			f.json = true
		default:
			return nil, fmt.Errorf("unknown flag %s", a)
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

func runCommand(w io.Writer, spec *Spec, weights string, f *flags) error {
	if len(f.positional) > 1 || (len(f.positional) == 1 && !strings.HasSuffix(f.positional[0], ".onnx")) {
		return fmt.Errorf("unexpected argument %q (inputs go after -i)", f.positional[len(f.positional)-1])
	}
	// One inference and exit: the packed weights and the arena are all the
	// heap there is, so collecting while they are made only delays the
	// answer (several collections for a ResNet, about a third of start-up).
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	p, err := New(spec, weights, Options{Threads: f.threads})
	if err != nil {
		return err
	}
	ins, err := p.readInputs(f.inputs)
	if err != nil {
		return err
	}
	outs, err := p.RunTensors(ins)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	for i, t := range outs {
		name := p.Output(i).Name
		path := filepath.Join(f.out, fmt.Sprintf("output_%d.pb", i))
		if err := WriteTensorFile(path, t, name); err != nil {
			return fmt.Errorf("output %q: %w", name, err)
		}
		if !f.quiet {
			fmt.Fprintf(w, "%s: %s = %s\n", path, name, ir.TensorSummary(t, 10))
		}
	}
	return nil
}

// readInputs maps -i arguments to inputs: name=path names one, anything
// else takes the next input not named.
func (p *Program) readInputs(args []string) ([]*ir.Tensor, error) {
	names := p.InputNames()
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
	}
	target := make([]int, len(args))
	paths := make([]string, len(args))
	named := map[int]bool{}
	for i, a := range args {
		target[i], paths[i] = -1, a
		if name, path, ok := strings.Cut(a, "="); ok {
			if k, ok := index[name]; ok {
				if named[k] {
					return nil, fmt.Errorf("input %q is given twice", name)
				}
				target[i], paths[i], named[k] = k, path, true
			}
		}
	}
	next := 0
	for i := range args {
		if target[i] >= 0 {
			continue
		}
		for next < len(names) && named[next] {
			next++
		}
		if next >= len(names) {
			return nil, fmt.Errorf("input %q: the model takes only %d input(s)", args[i], len(names))
		}
		target[i], named[next] = next, true
	}
	ins := make([]*ir.Tensor, len(names))
	for i, k := range target {
		t, err := readTensor(paths[i])
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", names[k], err)
		}
		ins[k] = t
	}
	for k, t := range ins {
		if t == nil {
			return nil, fmt.Errorf("missing input %q (%s %v)", names[k], p.Input(k).DType, p.Input(k).Shape)
		}
	}
	return ins, nil
}

func readTensor(path string) (*ir.Tensor, error) {
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		return npy.ReadFile(path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, _, err := decodeTensor(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// benchResult is what bench --json prints: dlc bench's fields, plus how
// long New took and the first run after it.
type benchResult struct {
	Engine    string  `json:"engine"`
	Model     string  `json:"model"`
	Threads   int     `json:"threads"`
	MedianMS  float64 `json:"median_ms"`
	P10MS     float64 `json:"p10_ms"`
	P90MS     float64 `json:"p90_ms"`
	Runs      int     `json:"runs"`
	PeakBytes int64   `json:"peak_bytes"`
	NewMS     float64 `json:"new_ms"`
	FirstMS   float64 `json:"first_run_ms"`
}

func benchCommand(w io.Writer, spec *Spec, weights string, f *flags) error {
	if len(f.positional) > 0 {
		return fmt.Errorf("unexpected argument %q", f.positional[0])
	}
	t0 := time.Now()
	p, err := New(spec, weights, Options{Threads: f.threads})
	if err != nil {
		return err
	}
	r := benchResult{Engine: "dlc-compiled", Model: spec.Model, Threads: f.threads, PeakBytes: spec.ArenaBytes,
		NewMS: ms(time.Since(t0))}
	if r.Threads == 0 {
		r.Threads = p.env.Pool.Threads()
	}
	var ins []*ir.Tensor
	if len(f.inputs) > 0 {
		if ins, err = p.readInputs(f.inputs); err != nil {
			return err
		}
	} else {
		ins = p.randomInputs()
	}
	outs := make([]*ir.Tensor, len(spec.Outputs))
	for i := range outs {
		outs[i] = ir.Zeros(p.Output(i).DType, p.Output(i).Shape)
	}
	t1 := time.Now()
	if err := p.Run(ins, outs); err != nil {
		return err
	}
	r.FirstMS = ms(time.Since(t1))
	for range max(0, f.warm-1) {
		if err := p.Run(ins, outs); err != nil {
			return err
		}
	}
	var times []time.Duration
	start := time.Now()
	for len(times) < max(1, f.runs) || (!f.runsSet && time.Since(start) < time.Second) {
		t := time.Now()
		if err := p.Run(ins, outs); err != nil {
			return err
		}
		times = append(times, time.Since(t))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	q := func(f float64) float64 { return ms(times[int(f*float64(len(times)-1)+0.5)]) }
	r.MedianMS, r.P10MS, r.P90MS, r.Runs = q(0.5), q(0.1), q(0.9), len(times)
	if f.json {
		b, _ := json.Marshal(r)
		fmt.Fprintf(w, "%s\n", b)
		return nil
	}
	fmt.Fprintf(w, "model:     %s (compiled)\nthreads:   %d\n", r.Model, r.Threads)
	fmt.Fprintf(w, "start:     New %.3f ms, first run %.3f ms\n", r.NewMS, r.FirstMS)
	fmt.Fprintf(w, "runs:      %d (after %d warm-up)\n", r.Runs, f.warm)
	fmt.Fprintf(w, "latency:   median %.3f ms, p10 %.3f ms, p90 %.3f ms\n", r.MedianMS, r.P10MS, r.P90MS)
	fmt.Fprintf(w, "arena:     %d bytes\n", r.PeakBytes)
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// randomInputs makes inputs like dlc bench does: floats uniform in
// [-1, 1), zero integers.
func (p *Program) randomInputs() []*ir.Tensor {
	r := rand.New(rand.NewPCG(1, 2))
	ins := make([]*ir.Tensor, len(p.spec.Inputs))
	for i := range ins {
		v := p.Input(i)
		t := ir.Zeros(v.DType, v.Shape)
		if v.DType.IsFloat() {
			for j := range t.Len() {
				t.SetFloat64At(j, 2*r.Float64()-1)
			}
		}
		ins[i] = t
	}
	return ins
}

func infoCommand(w io.Writer, spec *Spec, weights string) error {
	fmt.Fprintf(w, "model:   %s (compiled by dlc)\n", spec.Model)
	for _, k := range spec.Inputs {
		v := spec.Values[k]
		fmt.Fprintf(w, "input:   %s %s %v\n", v.Name, v.DType, v.Shape)
	}
	for _, k := range spec.Outputs {
		v := spec.Values[k]
		fmt.Fprintf(w, "output:  %s %s %v\n", v.Name, v.DType, v.Shape)
	}
	fast := 0
	for _, st := range spec.Steps {
		if st.Kind == Fast {
			fast++
		}
	}
	fmt.Fprintf(w, "steps:   %d (%d on fast kernels)\nweights: %d bytes\narena:   %d bytes\n", len(spec.Steps), fast, len(weights), spec.ArenaBytes)
	return nil
}
