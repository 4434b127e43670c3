package runtime_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// loadCase reads a testdata/onnx model with its first data set.
func loadCase(t *testing.T, name string) (*ir.Model, *ir.Tensor, *ir.Tensor) {
	t.Helper()
	dir := filepath.Join("..", "testdata", "onnx", name)
	m, err := onnx.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	in, _, err := onnx.ReadTensorFile(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := onnx.ReadTensorFile(filepath.Join(dir, "test_data_set_0", "output_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	return m, in, want
}

func closeTo(t *testing.T, what string, got, want *ir.Tensor) {
	t.Helper()
	g, w := got.Data.([]float32), want.Data.([]float32)
	if len(g) != len(w) {
		t.Fatalf("%s: %d elements, want %d", what, len(g), len(w))
	}
	for i := range w {
		if d := math.Abs(float64(g[i] - w[i])); !(d <= 1e-4+1e-4*math.Abs(float64(w[i]))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, g[i], w[i])
		}
	}
}

// TestModelsZeroAllocs runs the small models on every engine setting and
// checks that RunInto allocates nothing once every step has a fast kernel.
func TestModelsZeroAllocs(t *testing.T) {
	for _, name := range []string{"mlp", "cnn"} {
		t.Run(name, func(t *testing.T) {
			m, in, want := loadCase(t, name)
			for k, opt := range []runtime.Options{{Reference: true}, {}, {OptLevel: 1}, {OptLevel: 2, Threads: 1}, runtime.DefaultOptions()} {
				s, err := runtime.New(m, opt)
				if err != nil {
					t.Fatal(err)
				}
				name := s.Inputs()[0].Name
				out, err := s.Run(map[string]ir.Data{name: in})
				if err != nil {
					t.Fatal(err)
				}
				closeTo(t, "Run", out[0].(*ir.Tensor), want)
				dst := []*ir.Tensor{ir.Zeros(want.DType, want.Shape)}
				if err := s.RunInto([]*ir.Tensor{in}, dst); err != nil {
					t.Fatal(err)
				}
				closeTo(t, "RunInto", dst[0], want)
				if k != 4 { // the zero-allocation check: default options only
					continue
				}
				info, err := s.Plan(map[string][]int{name: in.Shape})
				if err != nil {
					t.Fatal(err)
				}
				if info.Interpreted != "" {
					t.Fatalf("default options run %s on the interpreter: %s", name, info.Interpreted)
				}
				if info.Ref > 0 {
					var ops []string
					for _, st := range info.StepList {
						if st.Kernel == "ref" {
							ops = append(ops, st.Op)
						}
					}
					t.Fatalf("steps on reference kernels (which allocate): %v", ops)
				}
				allocs := testing.AllocsPerRun(50, func() {
					if err := s.RunInto([]*ir.Tensor{in}, dst); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 && !runtime.RaceEnabled {
					t.Errorf("RunInto allocates %v times per run, want 0", allocs)
				}
			}
		})
	}
}

// TestCallerModelUntouched checks that optimizing and specializing work on
// copies.
func TestCallerModelUntouched(t *testing.T) {
	m, in, _ := loadCase(t, "mlp")
	before := m.Graph.Text()
	s, err := runtime.New(m, runtime.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, batch := range []int{1, 3, 1} {
		x := ir.Zeros(ir.Float32, []int{batch, in.Shape[1]})
		if _, err := s.Run(map[string]ir.Data{s.Inputs()[0].Name: x}); err != nil {
			t.Fatal(err)
		}
	}
	if after := m.Graph.Text(); after != before {
		t.Errorf("the session changed the caller's model:\n%s\nwas:\n%s", after, before)
	}
}

// BenchmarkRunInto times inference on the test models and, when `make
// models` has exported it, ResNet-18, with the default options.
func BenchmarkRunInto(b *testing.B) {
	for _, dir := range []string{"../testdata/onnx/mlp", "../testdata/onnx/cnn", "../.cache/models/resnet18_op17"} {
		b.Run(filepath.Base(dir), func(b *testing.B) {
			m, err := onnx.Load(filepath.Join(dir, "model.onnx"))
			if err != nil {
				b.Skip(err)
			}
			in, _, err := onnx.ReadTensorFile(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
			if err != nil {
				b.Fatal(err)
			}
			s, err := runtime.New(m, runtime.DefaultOptions())
			if err != nil {
				b.Fatal(err)
			}
			out, err := s.Run(map[string]ir.Data{s.Inputs()[0].Name: in})
			if err != nil {
				b.Fatal(err)
			}
			ins, outs := []*ir.Tensor{in}, []*ir.Tensor{out[0].(*ir.Tensor)}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := s.RunInto(ins, outs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
