// Package conformance runs test cases in the ONNX backend-test layout
// (model.onnx beside test_data_set_N/{input,output}_K.pb) through dlc and
// compares outputs the way ONNX's own runner does.
package conformance

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
	"github.com/dlc-go/dlc/runtime"
)

// Default tolerances of ONNX's backend test runner (numpy assert_allclose).
const (
	RTol = 1e-3
	ATol = 1e-7
)

// Mode says how RunCase prepares a model before running it.
type Mode struct {
	// OptLevel > 0 runs passes.Optimize at that level (with VerifyEach)
	// on a private copy of the model.
	OptLevel int
	// Specialize first fixes the graph inputs to the shapes of each data
	// set's inputs (passes.FixInputShapes), as the runtime does per input
	// signature; the model is then optimized once per data set.
	Specialize bool
	// Reference runs sessions on the reference interpreter only
	// (runtime.Options.Reference), so that a failure of the passes is not
	// mixed up with one of the fast kernels.
	Reference bool
}

// RunCase imports the model of one case folder and checks every data set.
func RunCase(dir string) error { return RunCaseMode(dir, Mode{}) }

// RunCaseMode is RunCase with the model prepared as mode says.
func RunCaseMode(dir string, mode Mode) error {
	m, err := onnx.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	s, err := runtime.New(m, runtime.Options{CheckTypes: true, Reference: mode.Reference})
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	sort.Strings(sets)
	if len(sets) == 0 {
		return fmt.Errorf("no test_data_set_* folders")
	}
	var opt *runtime.Session
	if mode.OptLevel > 0 && !mode.Specialize {
		if opt, err = optimized(m, mode, nil); err != nil {
			return err
		}
	}
	for _, set := range sets {
		inputs, err := readInputs(s, set)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(set), err)
		}
		run := s
		switch {
		case mode.OptLevel > 0 && mode.Specialize:
			if run, err = optimized(m, mode, inputs); err != nil {
				return fmt.Errorf("%s: %w", filepath.Base(set), err)
			}
		case opt != nil:
			run = opt
		}
		if err := checkSet(run, set, inputs); err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(set), err)
		}
	}
	return nil
}

// optimized prepares a session on an optimized copy of m, specialized to
// the shapes of inputs when it is not nil.
func optimized(m *ir.Model, mode Mode, inputs map[string]ir.Data) (*runtime.Session, error) {
	c := ir.CloneModel(m)
	if inputs != nil {
		shapes := map[string][]int{}
		for name, d := range inputs {
			if t, ok := d.(*ir.Tensor); ok {
				shapes[name] = t.Shape
			}
		}
		if err := passes.FixInputShapes(c.Graph, shapes); err != nil {
			return nil, fmt.Errorf("specialize: %w", err)
		}
	}
	if _, err := passes.Optimize(c, passes.Options{Level: mode.OptLevel, VerifyEach: true}); err != nil {
		return nil, fmt.Errorf("optimize: %w", err)
	}
	s, err := runtime.New(c, runtime.Options{CheckTypes: true, Reference: mode.Reference})
	if err != nil {
		return nil, fmt.Errorf("prepare optimized: %w", err)
	}
	return s, nil
}

// readInputs reads a data set's inputs, keyed by graph input name.
func readInputs(s *runtime.Session, set string) (map[string]ir.Data, error) {
	inputs := map[string]ir.Data{}
	free := s.Inputs()
	all := s.Model.Graph.Inputs
	for k := 0; ; k++ {
		path := filepath.Join(set, fmt.Sprintf("input_%d.pb", k))
		if _, err := os.Stat(path); err != nil {
			break
		}
		// The file's stored name says which input it is; without one, the
		// k-th input the caller must provide.
		var target *ir.Value
		if k < len(free) {
			target = free[k]
		}
		d, name, err := onnx.ReadDataFile(path, typeOf(target))
		if err != nil {
			return nil, err
		}
		for _, v := range all {
			if name != "" && v.Name == name {
				target = v
			}
		}
		if target == nil {
			return nil, fmt.Errorf("input_%d.pb: the model has no input for it", k)
		}
		if target.Type.Kind != ir.TensorKind {
			if d, _, err = onnx.ReadDataFile(path, target.Type); err != nil {
				return nil, err
			}
		}
		inputs[target.Name] = bfloat16Quirk(d, target.Type.DType)
	}
	return inputs, nil
}

// checkSet runs s on inputs and compares with the data set's outputs.
func checkSet(s *runtime.Session, set string, inputs map[string]ir.Data) error {
	got, err := s.Run(inputs)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	for k, v := range s.Outputs() {
		path := filepath.Join(set, fmt.Sprintf("output_%d.pb", k))
		want, _, err := onnx.ReadDataFile(path, v.Type)
		if err != nil {
			return err
		}
		if t, ok := got[k].(*ir.Tensor); ok && t.DType == ir.BFloat16 {
			want = bfloat16Quirk(want, ir.BFloat16)
		}
		if err := Compare(got[k], want, RTol, ATol); err != nil {
			return fmt.Errorf("output %d (%q): %w", k, v.Name, err)
		}
	}
	return nil
}

// bfloat16Quirk serves the test data of onnx 1.12: numpy has no bfloat16,
// so its generator stored bfloat16 tensors as uint16 tensors of the same
// bits. Where dlc expects bfloat16, such a tensor is read as those bits.
func bfloat16Quirk(d ir.Data, want ir.DType) ir.Data {
	t, ok := d.(*ir.Tensor)
	if !ok || want != ir.BFloat16 || t.DType != ir.Uint16 {
		return d
	}
	return ir.FromBits(ir.BFloat16, t.Shape, t.Data.([]uint16))
}

func typeOf(v *ir.Value) ir.Type {
	if v == nil {
		return ir.Type{}
	}
	return v.Type
}

// Compare checks got against want: equal kinds, dtypes and shapes; floats
// within atol + rtol*|want| (NaN matches NaN); everything else exact.
func Compare(got, want ir.Data, rtol, atol float64) error {
	switch w := want.(type) {
	case *ir.Tensor:
		g, ok := got.(*ir.Tensor)
		if !ok {
			return fmt.Errorf("got %T, want a tensor", got)
		}
		return compareTensor(g, w, rtol, atol)
	case *ir.Sequence:
		g, ok := got.(*ir.Sequence)
		if !ok {
			return fmt.Errorf("got %T, want a sequence", got)
		}
		if len(g.Items) != len(w.Items) {
			return fmt.Errorf("sequence has %d items, want %d", len(g.Items), len(w.Items))
		}
		for i := range w.Items {
			if err := compareTensor(g.Items[i], w.Items[i], rtol, atol); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		return nil
	case *ir.Optional:
		g, ok := got.(*ir.Optional)
		if !ok {
			return fmt.Errorf("got %T, want an optional", got)
		}
		if (g.Value == nil) != (w.Value == nil) {
			return fmt.Errorf("optional holds %v, want %v", g.Value != nil, w.Value != nil)
		}
		if w.Value == nil {
			return nil
		}
		return Compare(g.Value, w.Value, rtol, atol)
	}
	return fmt.Errorf("cannot compare %T", want)
}

func compareTensor(g, w *ir.Tensor, rtol, atol float64) error {
	if g.DType != w.DType {
		return fmt.Errorf("dtype %s, want %s", g.DType, w.DType)
	}
	if !slices.Equal(g.Shape, w.Shape) {
		return fmt.Errorf("shape %v, want %v", g.Shape, w.Shape)
	}
	n := w.Len()
	bad, first := 0, -1
	for i := 0; i < n; i++ {
		if !elemClose(g, w, i, rtol, atol) {
			bad++
			if first < 0 {
				first = i
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d values differ; first at %d: got %s, want %s", bad, n, first, elemString(g, first), elemString(w, first))
	}
	return nil
}

func elemClose(g, w *ir.Tensor, i int, rtol, atol float64) bool {
	switch wd := w.Data.(type) {
	case []string:
		return g.Data.([]string)[i] == wd[i]
	case []bool:
		return g.Data.([]bool)[i] == wd[i]
	}
	if !w.DType.IsFloat() {
		return g.Int64At(i) == w.Int64At(i)
	}
	a, b := g.Float64At(i), w.Float64At(i)
	switch {
	case math.IsNaN(b):
		return math.IsNaN(a)
	case math.IsInf(b, 0):
		return a == b
	}
	return math.Abs(a-b) <= atol+rtol*math.Abs(b)
}

func elemString(t *ir.Tensor, i int) string { return "[" + t.ElemString(i) + "]" }
