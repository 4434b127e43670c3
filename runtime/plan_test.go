package runtime

import (
	"fmt"
	"math/rand"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/dlc-go/dlc/backend/cpu"
	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// More test ops: Take{n} gives f32[n] with out[i] = in[i mod len(in)] + 1
// (a fast kernel and a reference one); Neg1 negates (reference only). The
// fast AddF runs in place.
func init() {
	ir.Register(
		&ir.OpDef{Name: "Take", Domain: dom, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []ir.AttrDef{ir.ReqAttr("n", ir.AttrInt)}, Doc: "test op",
			Infer: func(n *ir.Node) error {
				n.Outputs[0].Type = ir.TensorType(ir.Float32, ir.ShapeOf(int(n.Int("n"))))
				return nil
			}},
		&ir.OpDef{Name: "Neg1", Domain: dom, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: ir.InferSameAs(0), Doc: "test op"},
	)
	take := func(in, out []float32) {
		for i := range out {
			out[i] = in[i%len(in)] + 1
		}
	}
	ref.Register(ir.OpKey(dom, "Take"), func(_ ref.Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		out := ir.Zeros(ir.Float32, []int{int(n.Int("n"))})
		take(ref.Tensor(in, 0).Data.([]float32), out.Data.([]float32))
		return ref.Outs(out), nil
	})
	ref.Register(ir.OpKey(dom, "Neg1"), func(_ ref.Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		a := ref.Tensor(in, 0)
		out := ir.Zeros(ir.Float32, a.Shape)
		for i, x := range a.Data.([]float32) {
			out.Data.([]float32)[i] = -x
		}
		return ref.Outs(out), nil
	})
	cpu.Register(ir.OpKey(dom, "Take"), func(n *ir.Node, _ *cpu.Env) cpu.Kernel {
		return kernelFunc(func(in, out []*ir.Tensor) { take(in[0].Data.([]float32), out[0].Data.([]float32)) })
	})
	cpu.Register(ir.OpKey(dom, "AddF"), func(n *ir.Node, _ *cpu.Env) cpu.Kernel {
		return inPlaceAdd{}
	})
}

type kernelFunc func(in, out []*ir.Tensor)

func (f kernelFunc) Run(in, out []*ir.Tensor) { f(in, out) }

type inPlaceAdd struct{}

func (inPlaceAdd) Run(in, out []*ir.Tensor) {
	a, b, c := in[0].Data.([]float32), in[1].Data.([]float32), out[0].Data.([]float32)
	for i := range c {
		c[i] = a[i] + b[i]
	}
}

func (inPlaceAdd) InPlace() (out, in int) { return 0, 0 }

// chainModel: x[64] → AddF(x,x) → a; Take{64}(a) → b; AddF(b, a) → c (in
// place over b); Reshape(c, [8,8]) → d (a view); Neg1(d) → y; also outputs
// c.
func chainModel(t *testing.T) *ir.Model {
	g := ir.NewGraph("chain")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(64)))
	a := add(t, g, "AddF", "a", nil, x, x)
	b := add(t, g, "Take", "b", map[string]*ir.Attr{"n": ir.IntAttr(64)}, a)
	c := add(t, g, "AddF", "c", nil, b, a)
	shape := g.AddInit("shape", ir.FromSlice([]int{2}, []int64{8, 8}))
	n, err := g.AddNode(ir.NodeSpec{Op: "Reshape", Inputs: []*ir.Value{c, shape}, Outputs: []string{"d"}})
	if err != nil {
		t.Fatal(err)
	}
	y := add(t, g, "Neg1", "y", nil, n.Outputs[0])
	g.Outputs = []*ir.Value{y, c}
	return &ir.Model{Graph: g}
}

func ramp(n int, base float32) *ir.Tensor {
	v := make([]float32, n)
	for i := range v {
		v[i] = base + float32(i)
	}
	return f32([]int{n}, v...)
}

func TestPlanChain(t *testing.T) {
	s, err := New(chainModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := s.static
	if p == nil {
		t.Fatalf("no plan: %v", s.noPlan)
	}
	kinds := ""
	for _, st := range p.steps {
		kinds += st.kind.String() + " "
	}
	if kinds != "fast fast fast view ref " {
		t.Errorf("step kinds = %q", kinds)
	}
	if p.steps[2].inPlace != 0 {
		t.Errorf("AddF(b, a) does not run in place over b")
	}
	// a, b, y are buffers (c is b's, d is c's); at most two live at once
	// (a and b at step 2, b and y at step 4).
	if p.mem.Buffers != 3 || p.mem.LowerBound != 2*256 || p.mem.Arena != 2*256 || p.mem.Naive != 5*256 {
		t.Errorf("mem = %+v", p.mem)
	}
	out, err := s.Run(map[string]ir.Data{"x": ramp(64, 0)})
	if err != nil {
		t.Fatal(err)
	}
	// a = 2i, b = 2i+1, c = 4i+1, y = -(4i+1).
	y, c := out[0].(*ir.Tensor), out[1].(*ir.Tensor)
	if !slices.Equal(y.Shape, []int{8, 8}) || y.Data.([]float32)[5] != -21 || c.Data.([]float32)[5] != 21 {
		t.Errorf("y = %v %v, c[5] = %v", y.Shape, y.Data.([]float32)[:6], c.Data.([]float32)[5])
	}
	// Outputs belong to the caller: a second run does not change them.
	if _, err := s.Run(map[string]ir.Data{"x": ramp(64, 100)}); err != nil {
		t.Fatal(err)
	}
	if c.Data.([]float32)[5] != 21 {
		t.Errorf("a later run changed an earlier output: c[5] = %v", c.Data.([]float32)[5])
	}
}

func TestRunIntoDoesNotAllocate(t *testing.T) {
	g := ir.NewGraph("fast")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(64)))
	a := add(t, g, "AddF", "a", nil, x, x)
	b := add(t, g, "Take", "b", map[string]*ir.Attr{"n": ir.IntAttr(32)}, a)
	n, err := g.AddNode(ir.NodeSpec{Op: "Identity", Inputs: []*ir.Value{b}, Outputs: []string{"c"}})
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []*ir.Value{add(t, g, "AddF", "y", nil, n.Outputs[0], b)}
	s, err := New(&ir.Model{Graph: g}, Options{Profile: true})
	if err != nil {
		t.Fatal(err)
	}
	in := []*ir.Tensor{ramp(64, 0)}
	out := []*ir.Tensor{ir.Zeros(ir.Float32, []int{32})}
	allocs := testing.AllocsPerRun(100, func() {
		if err := s.RunInto(in, out); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 && !raceEnabled {
		t.Errorf("RunInto: %v allocations per run, want 0", allocs)
	}
	if got := out[0].Data.([]float32)[3]; got != 14 {
		t.Errorf("y[3] = %v, want 14", got)
	}
	prof := s.Profile()
	if prof.Runs != 101 || len(prof.ByNode) != 4 || len(prof.ByOp) != 3 || prof.Total <= 0 {
		t.Errorf("profile = %+v", prof)
	}
	if err := s.RunInto(in, []*ir.Tensor{ir.Zeros(ir.Float32, []int{31})}); err == nil {
		t.Error("RunInto accepted an output of the wrong shape")
	}
	if err := s.RunInto([]*ir.Tensor{ramp(63, 0)}, out); err == nil {
		t.Error("RunInto accepted an input of the wrong shape")
	}
}

// randomModel builds a random DAG of the test ops, Reshape and Identity
// over f32 vectors of assorted sizes, with some values as outputs.
func randomModel(t *testing.T, rng *rand.Rand, nodes int) *ir.Model {
	g := ir.NewGraph("random")
	vals := []*ir.Value{g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(37)))}
	size := func(v *ir.Value) int { d, _ := v.Type.Shape.Static(); n, _ := ir.NumElements(d); return n }
	for i := 0; i < nodes; i++ {
		v := vals[rng.Intn(len(vals))]
		name := fmt.Sprintf("v%d", i)
		var out *ir.Value
		switch rng.Intn(5) {
		case 0, 1:
			out = add(t, g, "Take", name, map[string]*ir.Attr{"n": ir.IntAttr(int64(1 + rng.Intn(300)))}, v)
		case 2:
			w := v
			for _, u := range vals {
				if size(u) == size(v) && ir.ShapeOf(size(v)).Equal(u.Type.Shape) && rng.Intn(2) == 0 {
					w = u
				}
			}
			if !w.Type.Shape.Equal(v.Type.Shape) {
				w = v
			}
			out = add(t, g, "AddF", name, nil, v, w)
		case 3:
			out = add(t, g, "Neg1", name, nil, v)
		case 4:
			op, ins := "Identity", []*ir.Value{v}
			if rng.Intn(2) == 0 {
				op = "Reshape"
				ins = append(ins, g.AddInit(name+"_shape", ir.FromSlice([]int{2}, []int64{1, int64(size(v))})))
			}
			n, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: ins, Outputs: []string{name}})
			if err != nil {
				t.Fatal(err)
			}
			out = n.Outputs[0]
		}
		vals = append(vals, out)
	}
	for _, v := range vals[1:] {
		if rng.Intn(6) == 0 {
			g.Outputs = append(g.Outputs, v)
		}
	}
	g.Outputs = append(g.Outputs, vals[len(vals)-1])
	return &ir.Model{Graph: g}
}

// TestRandomPlansMatchInterpreter checks random graphs against the
// interpreter and the memory plan's invariants: buffers live at the same
// time never overlap, offsets are aligned, and the arena lies between the
// lower bound and the aligned naive sum.
func TestRandomPlansMatchInterpreter(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for iter := 0; iter < 60; iter++ {
		m := randomModel(t, rng, 1+rng.Intn(30))
		s, err := New(m, Options{})
		if err != nil {
			t.Fatal(err)
		}
		oracle, err := New(m, Options{Reference: true})
		if err != nil {
			t.Fatal(err)
		}
		p := s.static
		checkPlanInvariants(t, p)
		for run := 0; run < 2; run++ {
			feeds := map[string]ir.Data{"x": ramp(37, float32(run*7))}
			got, err := s.Run(feeds)
			if err != nil {
				t.Fatal(err)
			}
			want, err := oracle.Run(feeds)
			if err != nil {
				t.Fatal(err)
			}
			for k := range want {
				a, b := got[k].(*ir.Tensor), want[k].(*ir.Tensor)
				if !slices.Equal(a.Shape, b.Shape) || fmt.Sprint(a.Data) != fmt.Sprint(b.Data) {
					t.Fatalf("graph %d run %d output %d: got %v, want %v\n%s", iter, run, k, a.Data, b.Data, m.Graph.Text())
				}
			}
		}
	}
}

func checkPlanInvariants(t *testing.T, p *plan) {
	t.Helper()
	var bufs []*slot
	var aligned int64
	for k := range p.slots {
		sl := &p.slots[k]
		if sl.kind == slotArena && sl.bytes > 0 {
			bufs = append(bufs, sl)
			aligned += alignUp(sl.bytes)
			if sl.offset%arenaAlign != 0 || sl.offset+sl.bytes > p.mem.Arena {
				t.Errorf("%s: offset %d, %d bytes, arena %d", sl.v.Name, sl.offset, sl.bytes, p.mem.Arena)
			}
		}
	}
	for k := range p.slots {
		sl := &p.slots[k]
		root := &p.slots[sl.root]
		if sl.within != 0 && (root.kind != slotArena || sl.within%arenaAlign != 0 || sl.within < 0 || sl.within+sl.bytes > root.bytes) {
			t.Errorf("%s: %d bytes at %d inside %s (%d bytes)", sl.v.Name, sl.bytes, sl.within, root.v.Name, root.bytes)
		}
		if sl.kind == slotAlias && root.kind == slotArena && (sl.def < root.def || sl.last > root.last) {
			t.Errorf("%s [%d,%d] outlives its buffer %s [%d,%d]", sl.v.Name, sl.def, sl.last, root.v.Name, root.def, root.last)
		}
	}
	for i, a := range bufs {
		for _, b := range bufs[i+1:] {
			if a.def <= b.last && b.def <= a.last && a.offset < b.offset+b.bytes && b.offset < a.offset+a.bytes {
				t.Errorf("%s [%d,%d]@%d+%d overlaps %s [%d,%d]@%d+%d", a.v.Name, a.def, a.last, a.offset, a.bytes,
					b.v.Name, b.def, b.last, b.offset, b.bytes)
			}
		}
	}
	if p.mem.Arena < p.mem.LowerBound || p.mem.Arena > aligned {
		t.Errorf("arena %d outside [lower bound %d, aligned sum %d]", p.mem.Arena, p.mem.LowerBound, aligned)
	}
}

func TestConcurrentPlannedRuns(t *testing.T) {
	s, err := New(chainModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for r := 0; r < 50; r++ {
				base := float32(i*1000 + r)
				out, err := s.Run(map[string]ir.Data{"x": ramp(64, base)})
				if err != nil {
					errs <- err
					return
				}
				// c[1] = 4(base+1)+1
				if got := out[1].(*ir.Tensor).Data.([]float32)[1]; got != 4*(base+1)+1 {
					errs <- fmt.Errorf("goroutine %d run %d: c[1] = %v", i, r, got)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s.static.contexts < 1 {
		t.Errorf("contexts = %d", s.static.contexts)
	}
}

func TestReferenceOptionUsesInterpreter(t *testing.T) {
	s, err := New(chainModel(t), Options{Reference: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.static != nil {
		t.Error("Reference: true built a plan")
	}
	out, err := s.Run(map[string]ir.Data{"x": ramp(64, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if got := out[1].(*ir.Tensor).Data.([]float32)[5]; got != 21 {
		t.Errorf("c[5] = %v", got)
	}
}

func TestSymbolicInputsSpecialize(t *testing.T) {
	g := ir.NewGraph("sym")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("n")}}))
	a := add(t, g, "AddF", "a", nil, x, x)
	g.Outputs = []*ir.Value{add(t, g, "AddF", "y", nil, a, x)}
	s, err := New(&ir.Model{Graph: g}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.static != nil || !s.symbolic {
		t.Fatalf("static %v, symbolic %v, noPlan %v", s.static != nil, s.symbolic, s.noPlan)
	}
	for _, n := range []int{4, 7, 4} {
		out, err := s.Run(map[string]ir.Data{"x": ramp(n, 1)})
		if err != nil {
			t.Fatal(err)
		}
		y := out[0].(*ir.Tensor)
		if !slices.Equal(y.Shape, []int{n}) || y.Data.([]float32)[n-1] != 3*float32(n) {
			t.Errorf("n=%d: y = %v %v", n, y.Shape, y.Data)
		}
	}
	if len(s.byShape) != 2 {
		t.Errorf("%d plans, want one per signature (2)", len(s.byShape))
	}
	info, err := s.Plan(map[string][]int{"x": {7}})
	if err != nil || info.Interpreted != "" || info.Fast != 2 || info.InPlace != 1 {
		t.Errorf("Plan = %+v, %v", info, err)
	}
	in, out := []*ir.Tensor{ramp(7, 0)}, []*ir.Tensor{ir.Zeros(ir.Float32, []int{7})}
	if allocs := testing.AllocsPerRun(20, func() { _ = s.RunInto(in, out) }); allocs != 0 && !raceEnabled {
		t.Errorf("RunInto on a specialized plan: %v allocations per run", allocs)
	}
	if _, err := s.Plan(map[string][]int{}); err == nil {
		t.Error("Plan accepted a symbolic input without a shape")
	}
}

func TestProfileOnInterpreter(t *testing.T) {
	s, err := New(captureModel(t), Options{Profile: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := s.Run(map[string]ir.Data{"x": f32([]int{2}, 1, 2)}); err != nil {
			t.Fatal(err)
		}
	}
	p := s.Profile()
	if p.Runs != 3 || len(p.ByNode) != 2 || p.ByNode[0].Kernel != "interp" || len(p.ByOp) != 2 {
		t.Errorf("profile = %+v", p)
	}
	if q := single(t, "AddF").Profile(); q.Runs != 0 || len(q.ByNode) != 0 {
		t.Errorf("profile without Options.Profile = %+v", q)
	}
}

func TestSignatureCacheIsBounded(t *testing.T) {
	g := ir.NewGraph("sym")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("n")}}))
	g.Outputs = []*ir.Value{add(t, g, "Neg1", "y", nil, x)}
	s, err := New(&ir.Model{Graph: g}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= maxSignatures+3; n++ {
		out, err := s.Run(map[string]ir.Data{"x": ramp(n, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if got := out[0].(*ir.Tensor).Data.([]float32)[n-1]; got != -float32(n) {
			t.Fatalf("n=%d: y[n-1] = %v", n, got)
		}
	}
	if len(s.byShape) != maxSignatures {
		t.Errorf("%d plans cached, want the cap %d", len(s.byShape), maxSignatures)
	}
}

func TestContextsAreSeparate(t *testing.T) {
	s, err := New(chainModel(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := s.static
	c1, err := p.getCtx()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := p.getCtx() // the free list is empty: a new context
	if err != nil {
		t.Fatal(err)
	}
	if c1 == c2 || &c1.arena[0] == &c2.arena[0] || c1.kernels[0] == nil || p.contexts != 2 {
		t.Fatalf("contexts share state or were not built (contexts=%d)", p.contexts)
	}
	if uintptr(unsafe.Pointer(&c2.arena[0]))%arenaAlign != 0 {
		t.Errorf("arena not %d-byte aligned", arenaAlign)
	}
	p.putCtx(c1)
	p.putCtx(c2)
	// Both contexts compute the same thing.
	for i := 0; i < 2; i++ {
		out, err := s.Run(map[string]ir.Data{"x": ramp(64, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if got := out[1].(*ir.Tensor).Data.([]float32)[5]; got != 21 {
			t.Errorf("run %d: c[5] = %v", i, got)
		}
	}
}
