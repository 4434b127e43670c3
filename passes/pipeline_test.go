package passes

import (
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestPipelineOrderConstraints(t *testing.T) {
	names := Names()
	for _, c := range orderConstraints {
		i, j := slices.Index(names, c.before), slices.Index(names, c.after)
		if i < 0 || j < 0 {
			t.Errorf("constraint %s before %s names a pass not in the pipeline", c.before, c.after)
			continue
		}
		if i >= j {
			t.Errorf("%s must run before %s: %s", c.before, c.after, c.why)
		}
	}
}

func TestPipelineNamesAndLevels(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range pipeline {
		if seen[p.Name] {
			t.Errorf("pass %s listed twice", p.Name)
		}
		seen[p.Name] = true
		if p.Level < 1 || p.Level > 2 || p.Run == nil {
			t.Errorf("pass %s: level %d, run %v", p.Name, p.Level, p.Run != nil)
		}
	}
	for _, want := range []string{"infer", "fold", "dce", "cse", "simplify", "fuse-bn", "fuse-conv", "fuse-gemm", "fuse-patterns", "fuse-elementwise"} {
		if !seen[want] {
			t.Errorf("pass %s missing", want)
		}
	}
}

func convReluModel(b *builder) *ir.Model {
	x := b.in("x", 1, 2, 5, 5)
	y := b.op("Conv", nil, x, b.rnd(3, 2, 3, 3), b.rnd(3))
	id := b.op("Identity", nil, y)
	return b.out(b.op("Relu", nil, id))
}

func TestOptimizeLevelsAndDisable(t *testing.T) {
	b := newBuilder(t)
	m := convReluModel(b)
	for _, c := range []struct {
		opt  Options
		want string
	}{
		{Options{Level: 0}, "Conv:1 Identity:1 Relu:1"},
		{Options{Level: 1}, "Conv:1 Relu:1"},
		{Options{Level: 2}, "dlc.FusedConv:1"},
		{Options{Level: 2, Disable: []string{"fuse-conv"}}, "Conv:1 Relu:1"},
	} {
		cm := ir.CloneModel(m)
		var dumped []string
		c.opt.VerifyEach = true
		c.opt.Dump = func(pass string, g *ir.Graph) { dumped = append(dumped, pass) }
		rep, err := Optimize(cm, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if got := ops(cm.Graph); got != c.want {
			t.Errorf("%+v: ops %s, want %s", c.opt, got, c.want)
		}
		for _, p := range rep.Passes {
			if slices.Contains(c.opt.Disable, p.Name) {
				t.Errorf("disabled pass %s ran", p.Name)
			}
			if p.Changed != slices.Contains(dumped, p.Name) {
				t.Errorf("pass %s changed=%v but dumped=%v", p.Name, p.Changed, slices.Contains(dumped, p.Name))
			}
		}
	}
}

// Rewrites replace output values; Optimize gives outputs their names back.
func TestOutputNamesKept(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2, 3)
	r := b.op("Relu", nil, x)
	m := b.out(b.op("Identity", nil, r), b.op("Identity", nil, x), r)
	names := []string{m.Graph.Outputs[0].Name, m.Graph.Outputs[1].Name, m.Graph.Outputs[2].Name}
	c := checkPass(t, b, m, nil, "Identity:2 Relu:1")
	for i, v := range c.Graph.Outputs {
		if v.Name != names[i] {
			t.Errorf("output %d named %q, want %q", i, v.Name, names[i])
		}
	}
}

// VerifyEach names the pass that broke the graph.
func TestVerifyEachNamesThePass(t *testing.T) {
	saved := pipeline
	defer func() { pipeline = saved }()
	pipeline = append(append([]Pass(nil), saved...), Pass{Name: "breaker", Level: 1, Run: func(g *ir.Graph) (bool, error) {
		g.Nodes[0].Inputs[0] = g.Nodes[len(g.Nodes)-1].Outputs[0] // a cycle: use before definition
		return true, nil
	}})
	b := newBuilder(t)
	x := b.in("x", 2)
	m := b.out(b.op("Neg", nil, b.op("Relu", nil, x)))
	_, err := Optimize(m, Options{Level: 1, VerifyEach: true})
	if err == nil || !strings.Contains(err.Error(), "after pass breaker") {
		t.Errorf("error %v, want one naming the pass", err)
	}
}

// MaxRewrites stops the rules after that many firings, for bisection.
func TestMaxRewrites(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2)
	v := x
	for range 5 {
		v = b.op("Identity", nil, v)
	}
	m := b.out(b.op("Relu", nil, v))
	for limit, want := range map[int]string{0: "Relu:1", 2: "Identity:3 Relu:1", 5: "Relu:1"} {
		c := ir.CloneModel(m)
		if _, err := Optimize(c, Options{Level: 1, MaxRewrites: limit, Disable: []string{"fold", "cse"}}); err != nil {
			t.Fatal(err)
		}
		if got := ops(c.Graph); got != want {
			t.Errorf("MaxRewrites %d: ops %s, want %s", limit, got, want)
		}
	}
}

// Passes reach into subgraphs: an If branch reading an outer value gets
// its Conv+Relu fused and its Identity removed, and the model verifies.
func TestPassesReachSubgraphs(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 1, 2, 4, 4)
	cond := b.g.AddInput("cond", ir.TensorType(ir.Bool, ir.ShapeOf()))
	w := b.rnd(3, 2, 3, 3)
	branch := func(name string, act string) *ir.Graph {
		sg := b.g.NewSubgraph(name)
		conv, err := sg.AddNode(ir.NodeSpec{Op: "Conv", Inputs: []*ir.Value{x, w}, Outputs: []string{name + "_c"}})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := sg.AddNode(ir.NodeSpec{Op: "Identity", Inputs: []*ir.Value{conv.Outputs[0]}, Outputs: []string{name + "_i"}})
		a, _ := sg.AddNode(ir.NodeSpec{Op: act, Inputs: []*ir.Value{id.Outputs[0]}, Outputs: []string{name + "_a"}})
		sg.Outputs = []*ir.Value{a.Outputs[0]}
		return sg
	}
	n, err := b.g.AddNode(ir.NodeSpec{Op: "If", Inputs: []*ir.Value{cond}, Outputs: []string{"y"},
		Attrs: map[string]*ir.Attr{"then_branch": ir.GraphAttr(branch("then", "Relu")), "else_branch": ir.GraphAttr(branch("else", "Sigmoid"))}})
	if err != nil {
		t.Fatal(err)
	}
	m := b.out(n.Outputs[0])
	if _, err := Optimize(m, Options{Level: 2, VerifyEach: true}); err != nil {
		t.Fatal(err)
	}
	for _, sg := range n.Subgraphs() {
		if got := ops(sg); got != "dlc.FusedConv:1" {
			t.Errorf("branch %s: ops %s", sg.Name, got)
		}
	}
}
