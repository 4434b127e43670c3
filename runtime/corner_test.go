package runtime

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dlc-go/dlc/backend/cpu"
	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// PoolBoom is a test op whose fast kernel panics on a pool worker.
func init() {
	ir.Register(&ir.OpDef{Name: "PoolBoom", Domain: dom, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Infer: ir.InferSameAs(0), Doc: "test op"})
	ref.Register(ir.OpKey(dom, "PoolBoom"), func(_ ref.Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		return ref.Outs(ref.Tensor(in, 0).Clone()), nil
	})
	cpu.Register(ir.OpKey(dom, "PoolBoom"), func(n *ir.Node, env *cpu.Env) cpu.Kernel {
		return kernelFunc(func(in, out []*ir.Tensor) {
			x, y := in[0].Data.([]float32), out[0].Data.([]float32)
			env.Pool.For(len(y), func(i int) {
				if x[i] < 0 {
					panic(fmt.Sprintf("negative input at %d", i))
				}
				y[i] = x[i]
			})
		})
	})
}

// gate, when set, holds the fast-kernel builder of Gate nodes over f32[gateSize]
// until it is closed: a slow specialization.
var (
	gate     chan struct{}
	gateSize = 7
)

func init() {
	ir.Register(&ir.OpDef{Name: "Gate", Domain: dom, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Infer: ir.InferSameAs(0), Doc: "test op"})
	ref.Register(ir.OpKey(dom, "Gate"), func(_ ref.Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		return ref.Outs(ref.Tensor(in, 0).Clone()), nil
	})
	cpu.Register(ir.OpKey(dom, "Gate"), func(n *ir.Node, env *cpu.Env) cpu.Kernel {
		if d, _ := n.In(0).Type.Shape.Static(); len(d) == 1 && d[0] == gateSize && gate != nil {
			<-gate
		}
		return nil
	})
}

// While one input-shape signature is being specialized, runs with shapes
// already planned do not wait for it.
func TestSpecializationDoesNotBlockOtherShapes(t *testing.T) {
	g := ir.NewGraph("sym")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("n")}}))
	g.Outputs = []*ir.Value{add(t, g, "Gate", "y", nil, x)}
	s, err := New(&ir.Model{Graph: g}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(map[string]ir.Data{"x": ramp(3, 0)}); err != nil {
		t.Fatal(err)
	}
	gate = make(chan struct{})
	defer func() { gate = nil }()
	slow := make(chan error)
	go func() {
		_, err := s.Run(map[string]ir.Data{"x": ramp(gateSize, 0)})
		slow <- err
	}()
	fast := make(chan error)
	go func() {
		// Give the slow run time to take the signature first.
		time.Sleep(20 * time.Millisecond)
		_, err := s.Run(map[string]ir.Data{"x": ramp(3, 0)})
		fast <- err
	}()
	select {
	case err := <-fast:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(3 * time.Second):
		t.Error("a run with planned shapes waited for another signature's specialization")
		close(gate)
		<-fast
		gate = nil
	}
	if gate != nil {
		close(gate)
	}
	if err := <-slow; err != nil {
		t.Error(err)
	}
}

func onnxNode(t *testing.T, g *ir.Graph, op, out string, attrs map[string]*ir.Attr, in ...*ir.Value) *ir.Value {
	t.Helper()
	n, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{out}, Attrs: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return n.Outputs[0]
}

// aliasModel's outputs alias each other, an input and a constant: x
// itself, Identity(x), a Reshape of x, a Reshape of a constant, and y
// twice.
func aliasModel(t *testing.T) *ir.Model {
	g := ir.NewGraph("alias")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(2, 3)))
	w := g.AddInit("w", f32([]int{6}, 1, 2, 3, 4, 5, 6))
	shape := g.AddInit("shape", ir.FromSlice([]int{1}, []int64{6}))
	id := onnxNode(t, g, "Identity", "id", nil, x)
	rx := onnxNode(t, g, "Reshape", "rx", nil, x, shape)
	rw := onnxNode(t, g, "Reshape", "rw", nil, w, shape)
	y := onnxNode(t, g, "Relu", "y", nil, x)
	g.Outputs = []*ir.Value{x, id, rx, rw, y, y}
	return &ir.Model{Graph: g}
}

// Every output Run returns is the caller's own: writing to one changes
// neither the caller's input, nor another output, nor the model's
// weights, nor what the next run returns; on every execution path.
func TestOutputsAreFresh(t *testing.T) {
	for _, opt := range []Options{{Reference: true}, {}, {OptLevel: 2}} {
		t.Run(fmt.Sprintf("%+v", opt), func(t *testing.T) {
			s, err := New(aliasModel(t), opt)
			if err != nil {
				t.Fatal(err)
			}
			x := f32([]int{2, 3}, -1, 2, -3, 4, -5, 6)
			want := [][]float32{{-1, 2, -3, 4, -5, 6}, {-1, 2, -3, 4, -5, 6}, {-1, 2, -3, 4, -5, 6},
				{1, 2, 3, 4, 5, 6}, {0, 2, 0, 4, 0, 6}, {0, 2, 0, 4, 0, 6}}
			for run := range 2 {
				out, err := s.Run(map[string]ir.Data{"x": x})
				if err != nil {
					t.Fatal(err)
				}
				for k, d := range out {
					if got := d.(*ir.Tensor).Data.([]float32); !slices.Equal(got, want[k]) {
						t.Fatalf("run %d output %d = %v, want %v", run, k, got, want[k])
					}
				}
				for _, d := range out {
					d.(*ir.Tensor).Data.([]float32)[1] = 99
				}
				if got := x.Data.([]float32)[1]; got != 2 {
					t.Fatalf("writing an output changed the input: x[1] = %v", got)
				}
			}
		})
	}
}

// A panic on a pool worker of a fast kernel is the run's error, naming
// the node; the session keeps working afterwards, from many goroutines.
func TestPoolWorkerPanicBecomesError(t *testing.T) {
	g := ir.NewGraph("boom")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(64)))
	g.Outputs = []*ir.Value{add(t, g, "PoolBoom", "y", nil, x)}
	s, err := New(&ir.Model{Graph: g}, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.static == nil || s.static.steps[0].kind != stepFast {
		t.Fatal("the test op does not run as a planned fast step")
	}
	bad := ramp(64, 0)
	bad.Data.([]float32)[40] = -1
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 20 {
				in := ramp(64, float32(i))
				if r%3 == 0 {
					in = bad
				}
				out, err := s.Run(map[string]ir.Data{"x": in})
				switch {
				case r%3 == 0 && (err == nil || !strings.Contains(err.Error(), "PoolBoom") || !strings.Contains(err.Error(), "negative input at 40")):
					errs <- fmt.Errorf("bad input: err = %v", err)
				case r%3 != 0 && err != nil:
					errs <- err
				case r%3 != 0 && out[0].(*ir.Tensor).Data.([]float32)[63] != float32(i+63):
					errs <- fmt.Errorf("y[63] = %v", out[0].(*ir.Tensor).Data.([]float32)[63])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// A failed run lets go of the caller's input too.
	if _, err := s.Run(map[string]ir.Data{"x": bad}); err == nil {
		t.Fatal("no error")
	}
	for _, c := range s.static.free {
		for _, ks := range c.follow {
			for _, k := range ks {
				if c.hdr[k].Data != nil {
					t.Fatalf("a pooled context still holds a caller's input")
				}
			}
		}
	}
}

// However many runs overlapped, a bounded number of contexts (each with
// its own arena) stays pooled afterwards.
func TestPooledContextsAreBounded(t *testing.T) {
	s, err := New(chainModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := s.static
	var held []*execCtx
	for range 3 * maxFreeContexts() {
		c, err := p.getCtx() // as many runs at once
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		p.putCtx(c)
	}
	if n := len(p.free); n > maxFreeContexts() || n == 0 {
		t.Errorf("%d contexts pooled, want 1..%d", n, maxFreeContexts())
	}
	out := []*ir.Tensor{ir.Zeros(ir.Float32, []int{8, 8}), ir.Zeros(ir.Float32, []int{64})}
	if err := s.RunInto([]*ir.Tensor{ramp(64, 0)}, out); err != nil {
		t.Fatal(err)
	}
	if got := out[1].Data.([]float32)[5]; got != 21 {
		t.Errorf("c[5] = %v", got)
	}
}

// int64 and bool values live in the arena next to float32 ones, and
// zero-size values pass through: the plan computes what the interpreter
// does.
func TestPlanIntBoolAndEmpty(t *testing.T) {
	g := ir.NewGraph("types")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(3, 5)))
	e := g.AddInput("e", ir.TensorType(ir.Float32, ir.ShapeOf(0, 5)))
	cast := func(v *ir.Value, dt ir.DType, name string) *ir.Value {
		return onnxNode(t, g, "Cast", name, map[string]*ir.Attr{"to": ir.IntAttr(int64(dt))}, v)
	}
	i8 := cast(x, ir.Int8, "i8")
	i64 := onnxNode(t, g, "Add", "i64", nil, cast(x, ir.Int64, "xi"), g.AddInit("one", ir.Scalar(int64(1))))
	b := cast(i64, ir.Bool, "b")
	nb := onnxNode(t, g, "Not", "nb", nil, b)
	w := onnxNode(t, g, "Where", "w", nil, nb, x, onnxNode(t, g, "Neg", "nx", nil, x))
	cat := onnxNode(t, g, "Concat", "cat", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, onnxNode(t, g, "Relu", "er", nil, e), w)
	g.Outputs = []*ir.Value{i8, i64, nb, cat, onnxNode(t, g, "Sigmoid", "es", nil, e)}
	m := &ir.Model{Graph: g}
	feeds := map[string]ir.Data{"x": f32([]int{3, 5}, -2.5, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, -3, 7, -7, 0.25),
		"e": ir.Zeros(ir.Float32, []int{0, 5})}
	want := runWith(t, m, Options{Reference: true}, feeds)
	for _, opt := range []Options{{}, {OptLevel: 2}} {
		s, err := New(m, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.static == nil {
			t.Fatalf("%+v: not planned: %v", opt, s.noPlan)
		}
		got, err := s.Run(feeds)
		if err != nil {
			t.Fatal(err)
		}
		for k := range want {
			w, g := want[k].(*ir.Tensor), got[k].(*ir.Tensor)
			if w.DType != g.DType || !slices.Equal(w.Shape, g.Shape) || fmt.Sprint(w.Data) != fmt.Sprint(g.Data) {
				t.Errorf("%+v output %d: %v %v, want %v %v", opt, k, g, g.Data, w, w.Data)
			}
		}
	}
}

func runWith(t *testing.T, m *ir.Model, opt Options, feeds map[string]ir.Data) []ir.Data {
	t.Helper()
	s, err := New(m, opt)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// RunInto rejects inputs and outputs of the wrong shape or dtype, with an
// error naming them, on the planned path.
func TestRunIntoShapeErrors(t *testing.T) {
	s, err := New(chainModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := func() []*ir.Tensor {
		return []*ir.Tensor{ir.Zeros(ir.Float32, []int{8, 8}), ir.Zeros(ir.Float32, []int{64})}
	}
	cases := []struct {
		name    string
		in, out []*ir.Tensor
		want    string
	}{
		{"input shape", []*ir.Tensor{ramp(63, 0)}, good(), "input \"x\""},
		{"input dtype", []*ir.Tensor{ir.Zeros(ir.Int64, []int{64})}, good(), "input \"x\""},
		{"input data", []*ir.Tensor{{DType: ir.Float32, Shape: []int{64}, Data: make([]float32, 3)}}, good(), "input \"x\""},
		{"output shape", []*ir.Tensor{ramp(64, 0)}, []*ir.Tensor{ir.Zeros(ir.Float32, []int{64}), ir.Zeros(ir.Float32, []int{64})}, "output 0"},
		{"output dtype", []*ir.Tensor{ramp(64, 0)}, []*ir.Tensor{ir.Zeros(ir.Float32, []int{8, 8}), ir.Zeros(ir.Float64, []int{64})}, "output 1"},
		{"output data", []*ir.Tensor{ramp(64, 0)}, []*ir.Tensor{ir.Zeros(ir.Float32, []int{8, 8}), {DType: ir.Float32, Shape: []int{64}}}, "output 1"},
		{"output count", []*ir.Tensor{ramp(64, 0)}, good()[:1], "outputs"},
		{"nil output", []*ir.Tensor{ramp(64, 0)}, []*ir.Tensor{nil, ir.Zeros(ir.Float32, []int{64})}, "output 0"},
	}
	for _, c := range cases {
		if err := s.RunInto(c.in, c.out); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %s", c.name, err, c.want)
		}
	}
}
