package runtime

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// Test-only ops in their own domain, so these tests do not depend on the
// real op families.
const dom = "dlc.runtimetest"

func init() {
	one := func(name string, attrs ...ir.AttrDef) *ir.OpDef {
		return &ir.OpDef{Name: name, Domain: dom, MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Attrs: attrs, Infer: ir.InferSameAs(0), Doc: "test op"}
	}
	ir.Register(
		one("AddF"),
		one("Call", ir.ReqAttr("body", ir.AttrGraph)),
		one("Boom"),
		one("Huge"),
	)
	ref.Register(ir.OpKey(dom, "AddF"), func(_ ref.Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		a, b := ref.Tensor(in, 0), ref.Tensor(in, 1)
		out := ir.Zeros(ir.Float32, a.Shape)
		for i := range out.Data.([]float32) {
			out.Data.([]float32)[i] = a.Data.([]float32)[i] + b.Data.([]float32)[i]
		}
		return ref.Outs(out), nil
	})
	ref.Register(ir.OpKey(dom, "Call"), func(ctx ref.Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		return ctx.RunGraph(n.GraphAttr("body"), in[:1])
	})
	ref.Register(ir.OpKey(dom, "Boom"), func(ref.Ctx, *ir.Node, []ir.Data) ([]ir.Data, error) {
		var s []int
		_ = s[3] // a kernel bug
		return nil, nil
	})
	ref.Register(ir.OpKey(dom, "Huge"), func(ref.Ctx, *ir.Node, []ir.Data) ([]ir.Data, error) {
		return ref.Outs(ir.Zeros(ir.Float32, []int{1 << 20, 1 << 20})), nil
	})
}

func f32(shape []int, v ...float32) *ir.Tensor { return ir.FromSlice(shape, v) }

func add(t *testing.T, g *ir.Graph, op, out string, attrs map[string]*ir.Attr, in ...*ir.Value) *ir.Value {
	t.Helper()
	n, err := g.AddNode(ir.NodeSpec{Op: op, Domain: dom, Inputs: in, Outputs: []string{out}, Attrs: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return n.Outputs[0]
}

// model: y = Call{body: z = AddF(p, w)}(AddF(x, x)), where the body reads w
// from the outer graph.
func captureModel(t *testing.T) *ir.Model {
	g := ir.NewGraph("main")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	w := g.AddInit("w", f32([]int{2}, 10, 20))
	h := add(t, g, "AddF", "h", nil, x, x)
	body := g.NewSubgraph("body")
	p := body.AddInput("p", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	body.Outputs = []*ir.Value{add(t, body, "AddF", "z", nil, p, w)}
	y := add(t, g, "Call", "y", map[string]*ir.Attr{"body": ir.GraphAttr(body)}, h)
	g.Outputs = []*ir.Value{y}
	return &ir.Model{Graph: g}
}

func TestRunWithCapturedValue(t *testing.T) {
	s, err := New(captureModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Run(map[string]ir.Data{"x": f32([]int{2}, 1, 2)})
	if err != nil {
		t.Fatal(err)
	}
	got := out[0].(*ir.Tensor).Data.([]float32)
	if got[0] != 12 || got[1] != 24 {
		t.Errorf("y = %v, want [12 24]", got)
	}
}

func TestIntermediatesAreReleased(t *testing.T) {
	s, err := New(captureModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := s.interp.plans[s.Model.Graph]
	// h is last read by the Call node (index 1) and must die there.
	if len(p.dead[1]) != 1 || p.dead[1][0].Name != "h" {
		t.Errorf("dead after node 1 = %v, want [h]", p.dead[1])
	}
	// x is read only by node 0; w is an initializer and lives on.
	if len(p.dead[0]) != 1 || p.dead[0][0].Name != "x" {
		t.Errorf("dead after node 0 = %v, want [x]", p.dead[0])
	}
}

func TestRunInputErrors(t *testing.T) {
	s, err := New(captureModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]map[string]ir.Data{
		`missing input "x"`:            {},
		`unknown input "q"`:            {"x": f32([]int{2}, 1, 2), "q": f32([]int{2}, 1, 2)},
		`input "x": dtype i64`:         {"x": ir.FromSlice([]int{2}, []int64{1, 2})},
		`input "x": shape [3]`:         {"x": f32([]int{3}, 1, 2, 3)},
		`holds 2 elements but data`:    {"x": f32([]int{2}, 1)},
		`needs data of type []float32`: {"x": &ir.Tensor{DType: ir.Float32, Shape: []int{2}, Data: []int64{1, 2}}},
	}
	for want, feeds := range cases {
		_, err := s.Run(feeds)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

func single(t *testing.T, op string) *Session {
	g := ir.NewGraph("g")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(1)))
	g.Outputs = []*ir.Value{add(t, g, op, "y", nil, x)}
	s, err := New(&ir.Model{Graph: g}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKernelPanicBecomesError(t *testing.T) {
	_, err := single(t, "Boom").Run(map[string]ir.Data{"x": f32([]int{1}, 1)})
	if err == nil || !strings.Contains(err.Error(), "Boom") || !strings.Contains(err.Error(), "kernel failed") {
		t.Errorf("err = %v", err)
	}
}

func TestOversizedTensorBecomesError(t *testing.T) {
	_, err := single(t, "Huge").Run(map[string]ir.Data{"x": f32([]int{1}, 1)})
	if err == nil || !strings.Contains(err.Error(), "Huge") || !strings.Contains(err.Error(), "limit") {
		t.Errorf("err = %v", err)
	}
}

func TestConcurrentRuns(t *testing.T) {
	s, err := New(captureModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, err := s.Run(map[string]ir.Data{"x": f32([]int{2}, float32(i), 0)})
			if err != nil {
				errs <- err
				return
			}
			if got := out[0].(*ir.Tensor).Data.([]float32)[0]; got != float32(2*i+10) {
				errs <- fmt.Errorf("run %d: got %v", i, got)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMissingKernel(t *testing.T) {
	ir.Register(&ir.OpDef{Name: "NoKernel", Domain: dom, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1})
	g := ir.NewGraph("g")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(1)))
	g.Outputs = []*ir.Value{add(t, g, "NoKernel", "y", nil, x)}
	if _, err := New(&ir.Model{Graph: g}, Options{}); err == nil || !strings.Contains(err.Error(), "no kernel") {
		t.Errorf("err = %v", err)
	}
}

func TestCheckTypesCatchesWrongInference(t *testing.T) {
	ir.Register(&ir.OpDef{Name: "LiesAboutType", Domain: dom, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Infer: ir.InferFixed(ir.Int64), Doc: "test op"})
	ref.Register(ir.OpKey(dom, "LiesAboutType"), func(_ ref.Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
		return in, nil
	})
	g := ir.NewGraph("g")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(1)))
	g.Outputs = []*ir.Value{add(t, g, "LiesAboutType", "y", nil, x)}
	feeds := map[string]ir.Data{"x": f32([]int{1}, 1)}
	for _, check := range []bool{false, true} {
		s, err := New(&ir.Model{Graph: g}, Options{CheckTypes: check})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Run(feeds)
		if check && (err == nil || !strings.Contains(err.Error(), "inferred i64")) {
			t.Errorf("CheckTypes on: err = %v", err)
		}
		if !check && err != nil {
			t.Errorf("CheckTypes off: err = %v", err)
		}
	}
}

func TestOutputsNeverAliasWeights(t *testing.T) {
	g := ir.NewGraph("g")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(2)))
	w := g.AddInit("w", f32([]int{2}, 1, 2))
	g.Outputs = []*ir.Value{w, add(t, g, "AddF", "y", nil, x, w)}
	s, err := New(&ir.Model{Graph: g}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	feeds := map[string]ir.Data{"x": f32([]int{2}, 0, 0)}
	out, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	out[0].(*ir.Tensor).Data.([]float32)[0] = 999 // the caller scribbles on it
	again, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	if got := again[1].(*ir.Tensor).Data.([]float32)[0]; got != 1 {
		t.Errorf("y[0] = %v after the caller wrote to an output: the output aliased the weight", got)
	}
}

func TestNilInputsAreErrors(t *testing.T) {
	s, err := New(captureModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Run(map[string]ir.Data{"x": (*ir.Tensor)(nil)})
	if err == nil || !strings.Contains(err.Error(), `input "x": nil tensor`) {
		t.Errorf("err = %v", err)
	}
}
