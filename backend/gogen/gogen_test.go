package gogen

import (
	"bytes"
	"fmt"
	"go/format"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dlc-go/dlc/backend/gogen/aot"
	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// compiled is a model lowered for the compiled path, beside the session
// that planned it.
type compiled struct {
	s    *runtime.Session
	prog *runtime.Program
	spec *aot.Spec
	blob []byte
}

func lower(t *testing.T, path string, shapes map[string][]int) *compiled {
	t.Helper()
	m, err := onnx.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := runtime.New(m, runtime.Options{OptLevel: 2, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if shapes == nil {
		shapes = map[string][]int{}
		for _, v := range s.Inputs() {
			var dims []int
			for _, d := range v.Type.Shape.Dims {
				dims = append(dims, max(1, int(d.Size)))
			}
			shapes[v.Name] = dims
		}
	}
	prog, err := s.Program(shapes)
	if err != nil {
		t.Fatal(err)
	}
	spec, blob, err := Lower(prog, filepath.Base(path), map[string][]string{"x": {"batch", "", "", ""}})
	if err != nil {
		t.Fatal(err)
	}
	return &compiled{s, prog, spec, blob}
}

// randomInputs makes inputs of the spec's input shapes.
func randomInputs(spec *aot.Spec, seed uint64) []*ir.Tensor {
	r := rand.New(rand.NewPCG(seed, 1))
	var ins []*ir.Tensor
	for _, k := range spec.Inputs {
		v := spec.Values[k]
		x := ir.Zeros(v.DType, v.Shape)
		for i := range x.Len() {
			x.SetFloat64At(i, 2*r.Float64()-1)
		}
		ins = append(ins, x)
	}
	return ins
}

func sessionRun(t *testing.T, c *compiled, ins []*ir.Tensor) []*ir.Tensor {
	t.Helper()
	feeds := map[string]ir.Data{}
	for i, k := range c.spec.Inputs {
		feeds[c.spec.Values[k].Name] = ins[i]
	}
	outs, err := c.s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	var ts []*ir.Tensor
	for _, d := range outs {
		ts = append(ts, d.(*ir.Tensor))
	}
	return ts
}

func sameBits(a, b *ir.Tensor) bool {
	if a.DType != b.DType || !slices.Equal(a.Shape, b.Shape) {
		return false
	}
	for i := range a.Len() {
		x, y := a.Float64At(i), b.Float64At(i)
		if x != y && !(x != x && y != y) {
			return false
		}
	}
	return true
}

// testModels are the models the in-process tests compile: the project's
// own, and the PyTorch exports when make models has made them.
func testModels(t *testing.T) []string {
	paths := []string{"../../testdata/onnx/mlp/model.onnx", "../../testdata/onnx/cnn/model.onnx"}
	for _, m := range []string{"resnet18_op17", "tiny_bert_op17", "lstm_classifier_op17", "mobilenet_v2_op13"} {
		p := filepath.Join("../../.cache/models", m, "model.onnx")
		if _, err := os.Stat(p); err == nil {
			paths = append(paths, p)
		}
	}
	return paths
}

// TestLoweredMatchesSession runs each model's lowered program (the tables
// a compiled package carries, the weights as they are embedded) and the
// session it came from on the same inputs: same kernels, same order, so
// the outputs are bitwise equal.
func TestLoweredMatchesSession(t *testing.T) {
	for _, path := range testModels(t) {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			c := lower(t, path, nil)
			p, err := aot.New(c.spec, string(c.blob), aot.Options{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			for seed := range uint64(2) {
				ins := randomInputs(c.spec, seed)
				got, err := p.RunTensors(ins)
				if err != nil {
					t.Fatal(err)
				}
				want := sessionRun(t, c, ins)
				for i := range want {
					if !sameBits(got[i], want[i]) {
						t.Fatalf("output %d differs from the session's", i)
					}
				}
			}
		})
	}
}

// TestConcurrentRuns runs one program from several goroutines: each run
// takes its own context, so every result equals the serial one.
func TestConcurrentRuns(t *testing.T) {
	c := lower(t, "../../testdata/onnx/cnn/model.onnx", nil)
	p, err := aot.New(c.spec, string(c.blob), aot.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	const workers, runs = 8, 20
	inputs := make([][]*ir.Tensor, workers)
	want := make([][]*ir.Tensor, workers)
	for w := range workers {
		inputs[w] = randomInputs(c.spec, uint64(w))
		if want[w], err = p.RunTensors(inputs[w]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range runs {
				got, err := p.RunTensors(inputs[w])
				if err != nil {
					errs <- err
					return
				}
				if !sameBits(got[0], want[w][0]) {
					errs <- fmt.Errorf("worker %d: a concurrent run differs from the serial one", w)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestShapeMismatchNamesTheDim checks the run-time error for an input of
// another shape than compiled: it names the input, the symbolic dim and
// the --shape that would compile for it.
func TestShapeMismatchNamesTheDim(t *testing.T) {
	c := lower(t, "../../testdata/onnx/cnn/model.onnx", nil)
	p, err := aot.New(c.spec, string(c.blob), aot.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	in := c.spec.Values[c.spec.Inputs[0]]
	shape := slices.Clone(in.Shape)
	shape[0] = 4
	_, err = p.RunTensors([]*ir.Tensor{ir.Zeros(in.DType, shape)})
	if err == nil || !strings.Contains(err.Error(), `dim 0 ("batch") is 4, the model was compiled for 1 (dlc compile --shape x=4x1x8x8)`) {
		t.Fatalf("error %v does not name the dim", err)
	}
	_, err = p.RunTensors([]*ir.Tensor{ir.Zeros(ir.Float64, in.Shape)})
	if err == nil || !strings.Contains(err.Error(), `input "x": dtype f64`) {
		t.Fatalf("error %v does not name the dtype", err)
	}
	if _, err = p.RunTensors(nil); err == nil || !strings.Contains(err.Error(), "got 0 inputs, the model takes 1 (x)") {
		t.Fatalf("error %v does not count the inputs", err)
	}
}

// TestGeneratedSource checks the Go file: it is gofmt-stable, names every
// node of the plan in a comment, calls one kernel per step that runs one,
// and lays the weights out aligned.
func TestGeneratedSource(t *testing.T) {
	c := lower(t, "../../testdata/onnx/mlp/model.onnx", nil)
	res, err := Generate(c.prog, Options{Package: "mlp", Source: "mlp.onnx", DimNames: map[string][]string{"x": {"batch", ""}}})
	if err != nil {
		t.Fatal(err)
	}
	src := res.Files[res.Source]
	if again, err := format.Source(src); err != nil || !bytes.Equal(again, src) {
		t.Fatalf("generated source is not gofmt-clean (%v)", err)
	}
	for _, want := range []string{
		"// Code generated by dlc compile from mlp.onnx; DO NOT EDIT.",
		"package mlp",
		"//go:embed weights.bin",
		"func (m *Model) Run(x []float32) (probs []float32, err error)",
		`Dims: []string{"batch", ""}`,
		"// fc2: Gemm(relu1_1 [1 32], fc2.weight [10 32], fc2.bias [10]) -> fc2 [1 10] @",
		"// probs: Softmax(fc2 [1 10]) -> probs [1 10] @",
	} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("generated source lacks %q", want)
		}
	}
	calls := regexp.MustCompile(`(?m)^\tc\.Fast\((\d+)\)$`).FindAllSubmatch(src, -1)
	if len(calls) != res.Fast || res.Fast != len(c.spec.Steps) {
		t.Errorf("%d c.Fast calls for %d fast steps of %d", len(calls), res.Fast, len(c.spec.Steps))
	}
	for i, m := range calls {
		if string(m[1]) != fmt.Sprint(i) {
			t.Errorf("call %d runs step %s: steps out of order", i, m[1])
		}
	}
	for _, v := range c.spec.Values {
		if v.Kind == aot.Const && v.Offset%64 != 0 {
			t.Errorf("constant %q at offset %d, not 64-aligned", v.Name, v.Offset)
		}
	}
	if !bytes.Equal(res.Files["weights.bin"], c.blob) {
		t.Error("the written weights are not the lowered blob")
	}
}

func TestGenerateRejectsBadNames(t *testing.T) {
	c := lower(t, "../../testdata/onnx/mlp/model.onnx", nil)
	for _, opt := range []Options{{Package: "Mlp"}, {Package: "func"}, {Package: "ok", Weights: "../w.bin"}} {
		if _, err := Generate(c.prog, opt); err == nil {
			t.Errorf("Generate(%+v) accepted", opt)
		}
	}
}

// TestSetupFailureFailsTheRun: the first context is set up while New has
// returned; a step that cannot be set up as compiled (here: planned in
// place, which its kernel does not do) fails the first run, naming it,
// and a context built afterwards fails at once.
func TestSetupFailureFailsTheRun(t *testing.T) {
	c := lower(t, "../../testdata/onnx/mlp/model.onnx", nil)
	c.spec.Steps[0].InPlace = []int{0, 0}
	p, err := aot.New(c.spec, string(c.blob), aot.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	ins := randomInputs(c.spec, 1)
	for range 2 {
		if _, err := p.RunTensors(ins); err == nil || !strings.Contains(err.Error(), "does not run in place as planned") {
			t.Fatalf("run: %v", err)
		}
	}
}
