package realmodels

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
	"github.com/dlc-go/dlc/runtime"
)

// TestRealModelsPipeline runs each model through the whole optimization
// pipeline (input shapes fixed to the test inputs', then passes.Optimize
// at level 2 with VerifyEach) on the reference interpreter and compares
// with PyTorch's outputs, as TestRealModels does for the dlc command. It
// logs the node count before and after and the ops that changed, so the
// fusions that fired are visible with -v.
func TestRealModelsPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("real models are slow; skipped in -short mode")
	}
	dir := cacheDir(t)
	for _, name := range models {
		t.Run(name, func(t *testing.T) {
			checkPipeline(t, filepath.Join(dir, name), true)
		})
		// Without fixed input shapes the passes see the declared
		// (possibly symbolic) shapes, as for a model run at many shapes.
		// The convnets are exported with static shapes, so their graphs
		// come out the same, and the reference Conv is slow: skip them.
		if strings.HasPrefix(name, "resnet") || strings.HasPrefix(name, "mobilenet") {
			continue
		}
		t.Run(name+"/declared-shapes", func(t *testing.T) {
			checkPipeline(t, filepath.Join(dir, name), false)
		})
	}
}

func checkPipeline(t *testing.T, dir string, specialize bool) {
	m, err := onnx.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	set := filepath.Join(dir, "test_data_set_0")
	inputPaths, _ := filepath.Glob(filepath.Join(set, "input_*.pb"))
	var free []*ir.Value
	for _, v := range m.Graph.Inputs {
		if v.Init == nil {
			free = append(free, v)
		}
	}
	inputs := map[string]ir.Data{}
	shapes := map[string][]int{}
	for k, p := range inputPaths {
		x, name, err := onnx.ReadTensorFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if name == "" {
			name = free[k].Name
		}
		inputs[name], shapes[name] = x, x.Shape
	}

	before := opCounts(m.Graph)
	c := ir.CloneModel(m)
	start := time.Now()
	if specialize {
		if err := passes.FixInputShapes(c.Graph, shapes); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := passes.Optimize(c, passes.Options{Level: 2, VerifyEach: true})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	after := opCounts(c.Graph)
	var changed []string
	for _, p := range rep.Passes {
		if p.Changed {
			changed = append(changed, p.Name)
		}
		for r, k := range p.Rewrites {
			changed = append(changed, fmt.Sprintf("%s/%s×%d", p.Name, r, k))
		}
	}
	sort.Strings(changed)
	t.Logf("nodes %d -> %d in %v (passes and rules that fired: %s)", len(m.Graph.Nodes), len(c.Graph.Nodes),
		elapsed.Round(time.Microsecond), strings.Join(changed, ", "))
	t.Logf("ops before: %s", formatCounts(before))
	t.Logf("ops after:  %s", formatCounts(after))

	s, err := runtime.New(c, runtime.Options{CheckTypes: true, Reference: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(inputs)
	if err != nil {
		t.Fatal(err)
	}
	for k := range got {
		want, _, err := onnx.ReadTensorFile(filepath.Join(set, fmt.Sprintf("output_%d.pb", k)))
		if err != nil {
			t.Fatal(err)
		}
		gt, ok := got[k].(*ir.Tensor)
		if !ok {
			t.Fatalf("output %d is %T", k, got[k])
		}
		maxRel, err := compare(gt, want)
		if err != nil {
			t.Errorf("output %d: %v", k, err)
			continue
		}
		t.Logf("output %d %s: max relative error %.3g", k, want, maxRel)
	}
	if names := outputNames(c.Graph); !slices.Equal(names, outputNames(m.Graph)) {
		t.Errorf("output names %v, want %v", names, outputNames(m.Graph))
	}
}

func opCounts(g *ir.Graph) map[string]int {
	out := map[string]int{}
	for _, n := range g.Nodes {
		out[ir.OpKey(n.Domain, n.Op)]++
	}
	return out
}

func formatCounts(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, c[k])
	}
	return strings.Join(parts, " ")
}

func outputNames(g *ir.Graph) []string {
	out := make([]string, len(g.Outputs))
	for i, v := range g.Outputs {
		out[i] = v.Name
	}
	return out
}

// BenchmarkImportOptimize times what preparing a model costs before any
// kernel runs: import, clone, input shapes fixed to the declared ones
// (symbolic dims as 1), and the level-2 pipeline. DLC_BENCH_MODEL names
// the model (default: the cached resnet18_op13).
func BenchmarkImportOptimize(b *testing.B) {
	path := os.Getenv("DLC_BENCH_MODEL")
	if path == "" {
		path = filepath.Join(repoRoot, ".cache", "models", "resnet18_op13", "model.onnx")
	}
	if _, err := os.Stat(path); err != nil {
		b.Skip(err)
	}
	var load, opt time.Duration
	for b.Loop() {
		t0 := time.Now()
		m, err := onnx.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		c := ir.CloneModel(m)
		shapes := map[string][]int{}
		for _, v := range c.Graph.Inputs {
			if v.Init != nil || !v.Type.Shape.Ranked {
				continue
			}
			dims := make([]int, len(v.Type.Shape.Dims))
			for i, d := range v.Type.Shape.Dims {
				dims[i] = max(int(d.Size), 1)
			}
			shapes[v.Name] = dims
		}
		if err := passes.FixInputShapes(c.Graph, shapes); err != nil {
			b.Fatal(err)
		}
		if _, err := passes.Optimize(c, passes.Options{Level: 2}); err != nil {
			b.Fatal(err)
		}
		load += t1.Sub(t0)
		opt += time.Since(t1)
	}
	b.ReportMetric(float64(load.Microseconds())/float64(b.N)/1000, "import-ms/op")
	b.ReportMetric(float64(opt.Microseconds())/float64(b.N)/1000, "optimize-ms/op")
}

// TestPipelineOnModel (DLC_PIPELINE_MODEL=path) checks the level-2
// pipeline on any model with tensor inputs against the same model run
// unoptimized, both on the reference interpreter, on one random input
// (symbolic dims as 1). It is how models without PyTorch reference data
// (ResNet-50 exported with its BatchNormalization nodes) are checked.
func TestPipelineOnModel(t *testing.T) {
	path := os.Getenv("DLC_PIPELINE_MODEL")
	if path == "" {
		t.Skip("set DLC_PIPELINE_MODEL")
	}
	m, err := onnx.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]ir.Data{}
	shapes := map[string][]int{}
	r := rand.New(rand.NewPCG(1, 1))
	for _, v := range m.Graph.Inputs {
		if v.Init != nil {
			continue
		}
		dims := make([]int, len(v.Type.Shape.Dims))
		for i, d := range v.Type.Shape.Dims {
			dims[i] = int(d.Size)
			if !d.Known() {
				dims[i] = 2
			}
		}
		n, _ := ir.NumElements(dims)
		x := ir.Zeros(v.Type.DType, dims)
		for i := range n {
			// Small non-negative integers serve as token ids too.
			if v.Type.DType.IsFloat() {
				x.SetFloat64At(i, r.NormFloat64())
			} else {
				x.SetInt64At(i, int64(r.IntN(8)))
			}
		}
		inputs[v.Name], shapes[v.Name] = x, dims
	}
	c := ir.CloneModel(m)
	if os.Getenv("DLC_PIPELINE_SPECIALIZE") != "0" {
		if err := passes.FixInputShapes(c.Graph, shapes); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := passes.Optimize(c, passes.Options{Level: 2, VerifyEach: true}); err != nil {
		t.Fatal(err)
	}
	t.Logf("nodes %d -> %d", len(m.Graph.Nodes), len(c.Graph.Nodes))
	t.Logf("ops before: %s", formatCounts(opCounts(m.Graph)))
	t.Logf("ops after:  %s", formatCounts(opCounts(c.Graph)))
	var outs [2][]ir.Data
	for i, model := range []*ir.Model{m, c} {
		s, err := runtime.New(model, runtime.Options{CheckTypes: true, Reference: true})
		if err != nil {
			t.Fatal(err)
		}
		if outs[i], err = s.Run(inputs); err != nil {
			t.Fatal(err)
		}
	}
	for k := range outs[0] {
		maxRel, err := compare(outs[1][k].(*ir.Tensor), outs[0][k].(*ir.Tensor))
		if err != nil {
			t.Errorf("output %d: %v", k, err)
		}
		t.Logf("output %d: max relative error %.3g", k, maxRel)
	}
}
