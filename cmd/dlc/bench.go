package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	goruntime "runtime"
	"sort"
	"time"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/spf13/cobra"
)

// benchMinTime is how long the timed loop runs at least, unless --runs is
// given explicitly.
const benchMinTime = time.Second

func benchCmd() *cobra.Command {
	var ef engineFlags
	var inputs, shapes []string
	var runs, warmup, top int
	var asJSON, profile bool
	cmd := &cobra.Command{
		Use:   "bench MODEL.onnx [-i INPUT ...] [--shape name=1x3x224x224 ...]",
		Short: "Time a model's inference",
		Long: `Time inference on a model. Inputs are read like dlc run's -i, or, without any,
made up: random floats in [-1, 1), zero integers, of the declared shapes
(symbolic dims 1 unless --shape sets the input's shape). After --warmup runs,
runs are timed until there are at least --runs of them and a second has
passed; an explicit --runs times exactly that many. Prints the median, 10th
and 90th percentile latency and the arena's peak bytes; --json prints one
JSON line instead.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := ef.options()
			if err != nil {
				return err
			}
			if runs < 1 || warmup < 0 || top < 0 {
				return fmt.Errorf("--runs must be at least 1, --warmup and --top at least 0")
			}
			given, err := parseShapes(shapes)
			if err != nil {
				return err
			}
			if len(inputs) > 0 && len(shapes) > 0 {
				return fmt.Errorf("--shape applies to made-up inputs; the -i files fix the shapes")
			}
			m, err := onnx.Load(args[0])
			if err != nil {
				return err
			}
			opt.Profile = profile
			s, err := runtime.New(m, opt)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			var feeds map[string]ir.Data
			if len(inputs) > 0 {
				feeds, err = readInputs(s, inputs)
			} else {
				feeds, err = randomInputs(s, given)
			}
			if err != nil {
				return err
			}
			r, err := bench(s, feeds, warmup, runs, cmd.Flags().Changed("runs"))
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			r.Model, r.Engine, r.Threads = args[0], "dlc", opt.Threads
			if r.Threads == 0 {
				r.Threads = goruntime.NumCPU()
			}
			w := cmd.OutOrStdout()
			if asJSON {
				b, _ := json.Marshal(r)
				fmt.Fprintf(w, "%s\n", b)
				w = cmd.ErrOrStderr()
			} else {
				printBench(w, r)
			}
			if profile {
				printProfile(w, s.Profile(), r.Runs, top)
			}
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().StringArrayVarP(&inputs, "input", "i", nil, "input file (.pb or .npy), positional or name=path; repeatable")
	cmd.Flags().StringArrayVar(&shapes, "shape", nil, "shape of a made-up input, name=1x3x224x224; repeatable")
	cmd.Flags().IntVar(&runs, "runs", 10, "timed runs (at least; exactly when given)")
	cmd.Flags().IntVar(&warmup, "warmup", 3, "untimed runs first")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON line")
	cmd.Flags().BoolVar(&profile, "profile", false, "print time per op kind and per node")
	cmd.Flags().IntVar(&top, "top", 15, "nodes --profile lists")
	return cmd
}

// benchResult is what --json prints.
type benchResult struct {
	Engine    string  `json:"engine"`
	Model     string  `json:"model"`
	Threads   int     `json:"threads"`
	MedianMS  float64 `json:"median_ms"`
	P10MS     float64 `json:"p10_ms"`
	P90MS     float64 `json:"p90_ms"`
	Runs      int     `json:"runs"`
	PeakBytes int64   `json:"peak_bytes"`
	plan      *runtime.PlanInfo
	warmup    int
}

// bench runs the session: the first run makes the output tensors, later
// ones reuse them through RunInto, so the timings hold no output
// allocation.
func bench(s *runtime.Session, feeds map[string]ir.Data, warmup, runs int, exact bool) (*benchResult, error) {
	outs, err := s.Run(feeds)
	if err != nil {
		return nil, err
	}
	run := func() error { _, err := s.Run(feeds); return err }
	if ins, dst, ok := tensorsFor(s, feeds, outs); ok {
		run = func() error { return s.RunInto(ins, dst) }
	}
	for i := 1; i < warmup; i++ {
		if err := run(); err != nil {
			return nil, err
		}
	}
	var times []time.Duration
	start := time.Now()
	for len(times) < runs || (!exact && time.Since(start) < benchMinTime) {
		t0 := time.Now()
		if err := run(); err != nil {
			return nil, err
		}
		times = append(times, time.Since(t0))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	q := func(f float64) float64 {
		return float64(times[int(f*float64(len(times)-1)+0.5)]) / float64(time.Millisecond)
	}
	r := &benchResult{MedianMS: q(0.5), P10MS: q(0.1), P90MS: q(0.9), Runs: len(times), warmup: warmup}
	shapes := map[string][]int{}
	for name, d := range feeds {
		if t, ok := d.(*ir.Tensor); ok {
			shapes[name] = t.Shape
		}
	}
	if r.plan, err = s.Plan(shapes); err == nil {
		r.PeakBytes = r.plan.ArenaBytes
	}
	return r, nil
}

// tensorsFor returns RunInto's arguments when every input and output is a
// tensor.
func tensorsFor(s *runtime.Session, feeds map[string]ir.Data, outs []ir.Data) (ins, dst []*ir.Tensor, ok bool) {
	for _, v := range s.Inputs() {
		t, ok := feeds[v.Name].(*ir.Tensor)
		if !ok {
			return nil, nil, false
		}
		ins = append(ins, t)
	}
	for name := range feeds {
		if !containsName(s.Inputs(), name) {
			return nil, nil, false // an input with a default is overridden
		}
	}
	for _, d := range outs {
		t, ok := d.(*ir.Tensor)
		if !ok {
			return nil, nil, false
		}
		dst = append(dst, t)
	}
	return ins, dst, true
}

func containsName(vs []*ir.Value, name string) bool {
	for _, v := range vs {
		if v.Name == name {
			return true
		}
	}
	return false
}

// randomInputs makes up every input the caller must give.
func randomInputs(s *runtime.Session, given map[string][]int) (map[string]ir.Data, error) {
	shapes, err := concreteShapes(s.Model.Graph, given)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(1))
	feeds := map[string]ir.Data{}
	for _, v := range s.Inputs() {
		if v.Type.Kind != ir.TensorKind || v.Type.DType == ir.Undefined {
			return nil, fmt.Errorf("input %q has type %s: give it with -i", v.Name, v.Type)
		}
		t, err := ir.NewTensor(v.Type.DType, shapes[v.Name])
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", v.Name, err)
		}
		if v.Type.DType.IsFloat() {
			for i := range t.Len() {
				t.SetFloat64At(i, 2*rng.Float64()-1)
			}
		}
		feeds[v.Name] = t
	}
	return feeds, nil
}

func printBench(w io.Writer, r *benchResult) {
	fmt.Fprintf(w, "model:     %s\n", r.Model)
	engine := fmt.Sprintf("dlc, %d threads", r.Threads)
	if p := r.plan; p != nil && p.Interpreted == "" {
		engine += fmt.Sprintf(", plan of %d steps (%d fast, %d ref, %d views)", p.Steps, p.Fast, p.Ref, p.Views)
	} else if p != nil {
		engine += ", interpreter (" + p.Interpreted + ")"
	}
	fmt.Fprintf(w, "engine:    %s\n", engine)
	fmt.Fprintf(w, "runs:      %d (after %d warm-up)\n", r.Runs, r.warmup)
	fmt.Fprintf(w, "latency:   median %.3f ms, p10 %.3f ms, p90 %.3f ms\n", r.MedianMS, r.P10MS, r.P90MS)
	fmt.Fprintf(w, "arena:     %s peak\n", humanBytes(r.PeakBytes))
}

func printProfile(w io.Writer, p *runtime.Profile, runs, top int) {
	if p.Runs == 0 || p.Total == 0 {
		fmt.Fprintf(w, "profile:   nothing recorded\n")
		return
	}
	per := func(d time.Duration) float64 { return float64(d) / float64(p.Runs) / float64(time.Millisecond) }
	fmt.Fprintf(w, "profile:   %.3f ms per run in nodes, over %d runs\n", per(p.Total), p.Runs)
	fmt.Fprintf(w, "by op:\n")
	for _, o := range p.ByOp {
		fmt.Fprintf(w, "  %-28s %9.3f ms %5.1f%%  %d nodes\n", o.Op, per(o.Time), 100*float64(o.Time)/float64(p.Total), o.Nodes)
	}
	fmt.Fprintf(w, "by node (top %d):\n", min(top, len(p.ByNode)))
	for i, n := range p.ByNode {
		if i == top {
			break
		}
		fmt.Fprintf(w, "  %9.3f ms %5.1f%%  %-6s %s\n", per(n.Time), 100*float64(n.Time)/float64(p.Total), n.Kernel, n.Node)
	}
}
