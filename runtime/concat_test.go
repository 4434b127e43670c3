package runtime

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// nchw is a small builder of NCHW graphs for the Concat-elimination tests.
type nchw struct {
	t   *testing.T
	g   *ir.Graph
	rng *rand.Rand
	n   int // batch
	x   *ir.Value
}

// newNCHW starts a graph with input x[n,3,8,8].
func newNCHW(t *testing.T, n int) *nchw {
	g := ir.NewGraph("concat")
	return &nchw{t: t, g: g, rng: rand.New(rand.NewSource(int64(n))), n: n,
		x: g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(n, 3, 8, 8)))}
}

// conv is a 3×3 same-padding Conv of v to c channels with random weights.
func (b *nchw) conv(name string, v *ir.Value, c int) *ir.Value {
	d, _ := v.Type.Shape.Static()
	w := ir.Zeros(ir.Float32, []int{c, d[1], 3, 3})
	for i := range w.Data.([]float32) {
		w.Data.([]float32)[i] = float32(b.rng.NormFloat64())
	}
	wv := b.g.AddInit(name+"_w", w)
	return onnxNode(b.t, b.g, "Conv", name, map[string]*ir.Attr{"pads": ir.IntsAttr(1, 1, 1, 1)}, v, wv)
}

func (b *nchw) op(op, name string, in ...*ir.Value) *ir.Value {
	return onnxNode(b.t, b.g, op, name, nil, in...)
}

func (b *nchw) concat(name string, axis int, in ...*ir.Value) *ir.Value {
	return onnxNode(b.t, b.g, "Concat", name, map[string]*ir.Attr{"axis": ir.IntAttr(int64(axis))}, in...)
}

// run plans the model, checks the plan's invariants, runs it twice
// against the reference interpreter and returns the plan.
func (b *nchw) run(outs ...*ir.Value) *plan {
	t := b.t
	t.Helper()
	b.g.Outputs = outs
	m := &ir.Model{Graph: b.g}
	s, err := New(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.static == nil {
		t.Fatalf("not planned: %v", s.noPlan)
	}
	checkPlanInvariants(t, s.static)
	oracle, err := New(m, Options{Reference: true})
	if err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		x := ir.Zeros(ir.Float32, []int{b.n, 3, 8, 8})
		for i := range x.Data.([]float32) {
			x.Data.([]float32)[i] = float32(b.rng.NormFloat64())
		}
		feeds := map[string]ir.Data{"x": x}
		got, err := s.Run(feeds)
		if err != nil {
			t.Fatal(err)
		}
		want, err := oracle.Run(feeds)
		if err != nil {
			t.Fatal(err)
		}
		for k := range want {
			compareClose(t, fmt.Sprintf("run %d output %d (%s)", run, k, outs[k].Name), got[k].(*ir.Tensor), want[k].(*ir.Tensor))
		}
	}
	return s.static
}

func compareClose(t *testing.T, what string, got, want *ir.Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want.Shape)
	}
	g, w := got.Data.([]float32), want.Data.([]float32)
	for i := range w {
		if math.Abs(float64(g[i]-w[i])) > 1e-4*(1+math.Abs(float64(w[i]))) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, g[i], w[i])
		}
	}
}

// stepOf returns the step writing the value named name.
func stepOf(t *testing.T, p *plan, name string) *step {
	t.Helper()
	for i := range p.steps {
		for _, k := range p.steps[i].out {
			if k >= 0 && p.slots[k].v.Name == name {
				return &p.steps[i]
			}
		}
	}
	t.Fatalf("no step writes %q", name)
	return nil
}

// wantConcat checks whether the Concat writing name was eliminated and,
// if so, that its inputs' bytes lie in order inside its buffer.
func wantConcat(t *testing.T, p *plan, name string, elided bool) {
	t.Helper()
	st := stepOf(t, p, name)
	if (st.kind == stepConcat) != elided {
		t.Fatalf("Concat %s: kind %s, want eliminated %v", name, st.kind, elided)
	}
	if !elided {
		return
	}
	out := &p.slots[st.out[0]]
	var off int64
	for _, k := range st.in {
		in := &p.slots[k]
		if in.root != out.root || in.within != out.within+off {
			t.Errorf("Concat %s: input %s in buffer %d at %d, want %d at %d", name, in.v.Name, in.root, in.within, out.root, out.within+off)
		}
		off += in.bytes
	}
}

// Conv outputs concatenated on the channel axis with batch 1 are written
// into the Concat's output; with batch 2, or on a later axis, they are
// not contiguous blocks of it and the Concat runs.
func TestConcatEliminatedOnChannelsAtBatch1(t *testing.T) {
	for _, c := range []struct {
		batch, axis int
		elided      bool
	}{{1, 1, true}, {1, -3, true}, {1, 0, true}, {2, 1, false}, {1, 2, false}, {1, 3, false}, {2, 0, true}} {
		t.Run(fmt.Sprintf("batch%d_axis%d", c.batch, c.axis), func(t *testing.T) {
			b := newNCHW(t, c.batch)
			a := b.conv("a", b.x, 16)
			channels := 16 // the other axes need equal channels
			if c.axis == 1 || c.axis == -3 {
				channels = 8
			}
			r := b.op("Relu", "r", b.conv("bc", b.x, channels))
			cat := b.concat("cat", c.axis, a, r)
			p := b.run(b.op("Relu", "y", cat))
			wantConcat(t, p, "cat", c.elided)
			// The Concat output dies at the Relu with both inputs, so the
			// Relu may write over it either way.
			if st := stepOf(t, p, "y"); st.inPlace != 0 {
				t.Errorf("Relu over the Concat output does not run in place")
			}
			if c.elided && (p.mem.Concats != 1 || p.mem.Buffers != 1) {
				t.Errorf("mem = %+v, want the Concat eliminated into one buffer", p.mem)
			}
		})
	}
}

// An input read after the Concat keeps its bytes: neither its in-place
// consumer nor the output's may write over them while the other is still
// read, in either order.
func TestConcatInputReadAfterConcat(t *testing.T) {
	for _, inputFirst := range []bool{true, false} {
		b := newNCHW(t, 1)
		a := b.conv("a", b.x, 16)
		c := b.conv("c", b.x, 16)
		cat := b.concat("cat", 1, a, c)
		var outs []*ir.Value
		if inputFirst {
			za := b.op("Relu", "za", a)
			outs = []*ir.Value{b.op("Neg", "zc", cat), za}
		} else {
			zc := b.op("Neg", "zc", cat)
			outs = []*ir.Value{zc, b.op("Relu", "za", a)}
		}
		p := b.run(outs...)
		wantConcat(t, p, "cat", true)
		first, second := stepOf(t, p, "zc"), stepOf(t, p, "za")
		if inputFirst {
			first, second = second, first
		}
		if first.inPlace >= 0 {
			t.Errorf("inputFirst=%v: %s writes over bytes read later", inputFirst, first.node)
		}
		if second.inPlace < 0 {
			t.Errorf("inputFirst=%v: %s, the last reader of the Concat buffer, does not run in place", inputFirst, second.node)
		}
	}
}

// An input that is also a graph output stays intact until it is copied
// out, though the Concat output dies before.
func TestConcatInputIsGraphOutput(t *testing.T) {
	b := newNCHW(t, 1)
	a := b.conv("a", b.x, 16)
	cat := b.concat("cat", 1, a, b.conv("c", b.x, 16))
	p := b.run(b.op("Relu", "y", cat), a, b.op("Neg", "n", a))
	wantConcat(t, p, "cat", true)
	if st := stepOf(t, p, "y"); st.inPlace >= 0 {
		t.Error("Relu writes over the Concat output, which holds a graph output")
	}
	// The Concat output itself may be a graph output too.
	b = newNCHW(t, 1)
	a = b.conv("a", b.x, 16)
	cat = b.concat("cat", 1, a, b.conv("c", b.x, 16))
	p = b.run(cat, b.op("Relu", "y", a))
	wantConcat(t, p, "cat", true)
	if st := stepOf(t, p, "y"); st.inPlace >= 0 {
		t.Error("Relu writes over an input of a Concat that is a graph output")
	}
}

// Inputs that cannot be placed inside the output leave the Concat as it
// is: a value listed twice, a graph input, a constant, an input of
// another eliminated Concat, sizes off the arena alignment.
func TestConcatNotEliminated(t *testing.T) {
	b := newNCHW(t, 1)
	a := b.conv("a", b.x, 16)
	p := b.run(b.concat("twice", 1, a, a))
	wantConcat(t, p, "twice", false)

	b = newNCHW(t, 1)
	p = b.run(b.concat("graphin", 1, b.conv("a", b.x, 16), b.x))
	wantConcat(t, p, "graphin", false)

	b = newNCHW(t, 1)
	k := b.g.AddInit("k", ir.Zeros(ir.Float32, []int{1, 16, 8, 8}))
	p = b.run(b.concat("const", 1, k, b.conv("a", b.x, 16)))
	wantConcat(t, p, "const", false)

	// The same buffer under two names: a and a view of it.
	b = newNCHW(t, 1)
	a = b.conv("a", b.x, 16)
	p = b.run(b.concat("viewtwice", 1, a, b.op("Identity", "ia", a)))
	wantConcat(t, p, "viewtwice", false)

	b = newNCHW(t, 1)
	a, c := b.conv("a", b.x, 16), b.conv("c", b.x, 16)
	first := b.concat("first", 1, a, c)
	second := b.concat("second", 1, c, b.conv("d", b.x, 16))
	p = b.run(b.op("Relu", "y", first), second)
	wantConcat(t, p, "first", true)
	wantConcat(t, p, "second", false)

	// 3 channels of 1×1: 12 bytes, so the second input would start off
	// the 64-byte alignment.
	g := ir.NewGraph("small")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(1, 3, 1, 1)))
	u, v := onnxNode(t, g, "Relu", "u", nil, x), onnxNode(t, g, "Neg", "v", nil, x)
	g.Outputs = []*ir.Value{onnxNode(t, g, "Concat", "cat", map[string]*ir.Attr{"axis": ir.IntAttr(1)}, u, v)}
	s, err := New(&ir.Model{Graph: g}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantConcat(t, s.static, "cat", false)
}

// Views and in-place results of an input share its buffer, which moves
// into the output whole; a Concat output that is an input of another
// Concat moves with its own inputs (nested elimination).
func TestConcatOfAliasesAndNested(t *testing.T) {
	b := newNCHW(t, 1)
	a := b.conv("a", b.x, 16)
	ra := b.op("Relu", "ra", a) // in place over a
	shape := b.g.AddInit("shape", ir.FromSlice([]int{4}, []int64{1, 8, 8, 8}))
	c := onnxNode(t, b.g, "Reshape", "c", nil, b.op("Relu", "rc", b.conv("cc", b.x, 8)), shape) // a view
	inner := b.concat("inner", 1, ra, b.conv("d", b.x, 8))
	outer := b.concat("outer", 1, inner, c)
	p := b.run(b.op("Relu", "y", outer))
	if st := stepOf(t, p, "ra"); st.inPlace != 0 {
		t.Fatal("Relu(a) does not run in place")
	}
	wantConcat(t, p, "inner", true)
	wantConcat(t, p, "outer", true)
	if p.mem.Buffers != 1 || p.mem.Concats != 2 {
		t.Errorf("mem = %+v, want one buffer", p.mem)
	}
	if a := p.slots[stepOf(t, p, "a").out[0]]; a.root != p.slots[stepOf(t, p, "outer").out[0]].root || a.within != 0 {
		t.Errorf("a is not at the start of outer's buffer")
	}
}

// A plan with eliminated Concats still runs without allocating.
func TestConcatEliminatedDoesNotAllocate(t *testing.T) {
	b := newNCHW(t, 1)
	cat := b.concat("cat", 1, b.conv("a", b.x, 16), b.op("Relu", "r", b.conv("c", b.x, 8)))
	b.g.Outputs = []*ir.Value{b.op("Relu", "y", cat)}
	s, err := New(&ir.Model{Graph: b.g}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Plan(nil)
	if err != nil || info.Concats != 1 || info.Views != 1 || info.StepList[3].Kernel != "concat" || info.StepList[3].Offset != info.StepList[0].Offset {
		t.Fatalf("Plan = %+v, %v", info, err)
	}
	in := []*ir.Tensor{ir.Zeros(ir.Float32, []int{1, 3, 8, 8})}
	out := []*ir.Tensor{ir.Zeros(ir.Float32, []int{1, 24, 8, 8})}
	if allocs := testing.AllocsPerRun(50, func() { _ = s.RunInto(in, out) }); allocs != 0 && !raceEnabled {
		t.Errorf("RunInto: %v allocations per run, want 0", allocs)
	}
}

// randomConcatModel is randomModel with 1-D Concats (always contiguous
// blocks) of assorted values: graph inputs, views, values listed twice,
// inputs of other Concats, sizes on and off the arena alignment.
func randomConcatModel(t *testing.T, rng *rand.Rand, nodes int) *ir.Model {
	g := ir.NewGraph("random")
	vals := []*ir.Value{g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(32)))}
	size := func(v *ir.Value) int { d, _ := v.Type.Shape.Static(); n, _ := ir.NumElements(d); return n }
	pick := func() *ir.Value { return vals[rng.Intn(len(vals))] }
	for i := 0; i < nodes; i++ {
		name := fmt.Sprintf("v%d", i)
		var out *ir.Value
		switch v := pick(); rng.Intn(6) {
		case 0:
			n := 16 * (1 + rng.Intn(4))
			if rng.Intn(4) == 0 {
				n = 1 + rng.Intn(40)
			}
			out = add(t, g, "Take", name, map[string]*ir.Attr{"n": ir.IntAttr(int64(n))}, v)
		case 1:
			out = add(t, g, "AddF", name, nil, v, v) // in place when v dies here
		case 2:
			out = onnxNode(t, g, "Relu", name, nil, v) // in place when v dies here
		case 3:
			out = onnxNode(t, g, "Identity", name, nil, v)
		default:
			ins := []*ir.Value{v}
			for range rng.Intn(3) + 1 {
				ins = append(ins, pick())
			}
			out = onnxNode(t, g, "Concat", name, map[string]*ir.Attr{"axis": ir.IntAttr(0)}, ins...)
		}
		if size(out) > 4096 {
			out = add(t, g, "Take", name+"_t", map[string]*ir.Attr{"n": ir.IntAttr(64)}, out)
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

// TestRandomConcatPlansMatchInterpreter checks random graphs with Concats
// against the interpreter and the plan's invariants.
func TestRandomConcatPlansMatchInterpreter(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	elided := 0
	for iter := 0; iter < 150; iter++ {
		m := randomConcatModel(t, rng, 1+rng.Intn(25))
		s, err := New(m, Options{})
		if err != nil {
			t.Fatal(err)
		}
		oracle, err := New(m, Options{Reference: true})
		if err != nil {
			t.Fatal(err)
		}
		checkPlanInvariants(t, s.static)
		elided += s.static.mem.Concats
		for run := 0; run < 2; run++ {
			feeds := map[string]ir.Data{"x": ramp(32, float32(run*7-10))}
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
	if elided < 50 {
		t.Errorf("only %d Concats eliminated over all graphs: the test exercises too little", elided)
	}
}
