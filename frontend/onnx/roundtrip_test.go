package onnx

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// tbDataRoot is where the ONNX backend-test cases live.
func tbDataRoot() string {
	if d := os.Getenv("DLC_ONNX_TESTDATA"); d != "" {
		return d
	}
	return "/usr/share/libonnx-testdata/data"
}

var tbSuites = []string{"node", "simple", "pytorch-operator", "pytorch-converted"}

// TestRoundTripBackendCases imports every backend-test model dlc can read,
// exports it, imports the export and checks that both imports print the
// same graph and compute bitwise-identical outputs on test_data_set_0.
func TestRoundTripBackendCases(t *testing.T) {
	root := tbDataRoot()
	if _, err := os.Stat(root); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ONNX test data not found at %s", root)
		}
		t.Skipf("ONNX test data not found at %s", root)
	}
	var dirs []string
	for _, s := range tbSuites {
		entries, _ := os.ReadDir(filepath.Join(root, s))
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(root, s, e.Name()))
			}
		}
	}
	var mu sync.Mutex
	counts := map[string]int{}
	var skipped []string
	t.Run("cases", func(t *testing.T) {
		for _, dir := range dirs {
			name := filepath.Base(filepath.Dir(dir)) + "/" + filepath.Base(dir)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				what := tbRoundTripCase(t, dir)
				mu.Lock()
				defer mu.Unlock()
				counts[what]++
				if what == "import-failed" {
					skipped = append(skipped, name)
				}
			})
		}
	})
	sort.Strings(skipped)
	if len(skipped) > 0 {
		t.Logf("not imported, so not round-tripped: %s", strings.Join(skipped, " "))
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	sort.Strings(keys)
	t.Logf("%d cases: %s", len(dirs), strings.Join(keys, " "))
	if counts["ran"]+counts["text-only"] == 0 && len(dirs) > 0 && counts["import-failed"] < len(dirs) {
		t.Errorf("no case was checked")
	}
}

// tbRoundTripCase checks one case folder and says how far it got:
// "import-failed" (skipped), "text-only" (no kernel or no data to run),
// "nondeterministic" (outputs differ between two runs of the same model),
// or "ran".
func tbRoundTripCase(t *testing.T, dir string) string {
	m1, err := Load(filepath.Join(dir, "model.onnx"))
	if errors.Is(err, errInternal) {
		t.Fatalf("import hit a bug: %v", err)
	}
	if err != nil {
		return "import-failed"
	}
	b, err := Encode(m1)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	m2, err := Decode(b, dir)
	if err != nil {
		t.Fatalf("re-import of the export: %v", err)
	}
	if t1, t2 := m1.Graph.Text(), m2.Graph.Text(); t1 != t2 {
		t.Fatalf("graph text differs after the round trip:\n%s", tbFirstDiff(t1, t2))
	}
	s1, err := runtime.New(m1, runtime.Options{})
	if err != nil {
		return "text-only"
	}
	s2, err := runtime.New(m2, runtime.Options{})
	if err != nil {
		t.Fatalf("the original runs but its round trip does not: %v", err)
	}
	set := filepath.Join(dir, "test_data_set_0")
	in1, err := tbReadInputs(s1, set)
	if err != nil {
		return "text-only"
	}
	in2, err := tbReadInputs(s2, set)
	if err != nil {
		t.Fatalf("inputs fit the original but not its round trip: %v", err)
	}
	out1, err1 := s1.Run(in1)
	out2, err2 := s2.Run(in2)
	if err1 != nil || err2 != nil {
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("run: original %v, round trip %v", err1, err2)
		}
		return "text-only"
	}
	if err := tbSameOutputs(out1, out2); err != nil {
		// Random ops without a seed differ from run to run; a few more
		// runs of the original tell them apart from a real difference.
		for range 8 {
			again, err3 := s1.Run(in1)
			if err3 == nil && tbSameOutputs(out1, again) != nil {
				return "nondeterministic"
			}
		}
		t.Fatalf("outputs differ after the round trip: %v", err)
	}
	return "ran"
}

// tbFirstDiff shows the first differing line of two texts.
func tbFirstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  first:  %s\n  second: %s", i+1, x, y)
		}
	}
	return "(equal)"
}

// tbReadInputs reads input_K.pb files of a data-set folder the way the
// conformance runner does: a file's stored name picks the input, else the
// K-th input the caller must provide.
func tbReadInputs(s *runtime.Session, set string) (map[string]ir.Data, error) {
	inputs := map[string]ir.Data{}
	free := s.Inputs()
	for k := 0; ; k++ {
		path := filepath.Join(set, fmt.Sprintf("input_%d.pb", k))
		if _, err := os.Stat(path); err != nil {
			if k == 0 && len(free) > 0 {
				return nil, err
			}
			return inputs, nil
		}
		var target *ir.Value
		if k < len(free) {
			target = free[k]
		}
		typ := ir.Type{}
		if target != nil {
			typ = target.Type
		}
		d, name, err := ReadDataFile(path, typ)
		if err != nil {
			return nil, err
		}
		for _, v := range s.Model.Graph.Inputs {
			if name != "" && v.Name == name {
				target = v
			}
		}
		if target == nil {
			return nil, fmt.Errorf("input_%d.pb: the model has no input for it", k)
		}
		if target.Type.Kind != ir.TensorKind {
			if d, _, err = ReadDataFile(path, target.Type); err != nil {
				return nil, err
			}
		}
		inputs[target.Name] = d
	}
}

// tbSameOutputs compares two output lists bit for bit (NaNs with equal bits
// match, 0 and -0 do not).
func tbSameOutputs(a, b []ir.Data) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d outputs vs %d", len(a), len(b))
	}
	for i := range a {
		if err := tbSameData(a[i], b[i]); err != nil {
			return fmt.Errorf("output %d: %w", i, err)
		}
	}
	return nil
}

func tbSameData(a, b ir.Data) error {
	switch x := a.(type) {
	case *ir.Tensor:
		y, ok := b.(*ir.Tensor)
		if !ok {
			return fmt.Errorf("tensor vs %T", b)
		}
		return tbSameTensor(x, y)
	case *ir.Sequence:
		y, ok := b.(*ir.Sequence)
		if !ok {
			return fmt.Errorf("sequence vs %T", b)
		}
		if len(x.Items) != len(y.Items) {
			return fmt.Errorf("sequence of %d vs %d items", len(x.Items), len(y.Items))
		}
		for i := range x.Items {
			if err := tbSameTensor(x.Items[i], y.Items[i]); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		return nil
	case *ir.Optional:
		y, ok := b.(*ir.Optional)
		if !ok {
			return fmt.Errorf("optional vs %T", b)
		}
		if (x.Value == nil) != (y.Value == nil) {
			return fmt.Errorf("optional emptiness differs")
		}
		if x.Value == nil {
			return nil
		}
		return tbSameData(x.Value, y.Value)
	case nil:
		if b != nil {
			return fmt.Errorf("nil vs %T", b)
		}
		return nil
	}
	return fmt.Errorf("cannot compare %T", a)
}

func tbSameTensor(a, b *ir.Tensor) error {
	if a.DType != b.DType || fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) {
		return fmt.Errorf("%s vs %s", a, b)
	}
	n := a.Len()
	for i := 0; i < n; i++ {
		if !tbSameElem(a, b, i) {
			return fmt.Errorf("element %d differs: %s vs %s", i, tbElemText(a, i), tbElemText(b, i))
		}
	}
	return nil
}

func tbSameElem(a, b *ir.Tensor, i int) bool {
	switch x := a.Data.(type) {
	case []float32:
		return math.Float32bits(x[i]) == math.Float32bits(b.Data.([]float32)[i])
	case []float64:
		return math.Float64bits(x[i]) == math.Float64bits(b.Data.([]float64)[i])
	case []uint16:
		return x[i] == b.Data.([]uint16)[i]
	case []string:
		return x[i] == b.Data.([]string)[i]
	case []bool:
		return x[i] == b.Data.([]bool)[i]
	}
	return a.Int64At(i) == b.Int64At(i)
}

func tbElemText(t *ir.Tensor, i int) string {
	switch x := t.Data.(type) {
	case []string:
		return fmt.Sprintf("%q", x[i])
	case []bool:
		return fmt.Sprint(x[i])
	}
	if t.DType.IsFloat() {
		return fmt.Sprint(t.Float64At(i))
	}
	return fmt.Sprint(t.Int64At(i))
}

// TestRoundTripHandBuilt exports a small hand-built model that exercises
// metadata, a default-valued input, an omitted name, value_info, int and
// ints attributes, and checks the re-import prints and computes the same.
func TestRoundTripHandBuilt(t *testing.T) {
	g := ir.NewGraph("hand")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("N"), ir.Static(3)}}))
	bias := g.AddInit("bias", ir.FromSlice([]int{2, 3}, []float32{1, 2, 3, 4, 5, float32(math.NaN())}))
	g.Inputs = append(g.Inputs, bias) // an input with a default
	shape := g.AddInit("shape", ir.FromSlice([]int{2}, []int64{3, -1}))
	mustNode := func(spec ir.NodeSpec) *ir.Node {
		t.Helper()
		n, err := g.AddNode(spec)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	cat := mustNode(ir.NodeSpec{Op: "Concat", Name: "cat", Inputs: []*ir.Value{x, bias}, Outputs: []string{"cat"},
		Attrs: map[string]*ir.Attr{"axis": ir.IntAttr(0)}})
	tr := mustNode(ir.NodeSpec{Op: "Transpose", Inputs: []*ir.Value{cat.Outputs[0]}, Outputs: []string{"tr"},
		Attrs: map[string]*ir.Attr{"perm": ir.IntsAttr(1, 0)}})
	// id comes before rs: the importer's topological sort visits nodes
	// breadth first, so this is the order it rebuilds.
	id := mustNode(ir.NodeSpec{Op: "Identity", Name: "id", Inputs: []*ir.Value{cat.Outputs[0]}, Outputs: []string{"z"}})
	rs := mustNode(ir.NodeSpec{Op: "Reshape", Name: "rs", Inputs: []*ir.Value{tr.Outputs[0], shape}, Outputs: []string{"y"}})
	g.Outputs = []*ir.Value{rs.Outputs[0], id.Outputs[0]}
	m := &ir.Model{Graph: g, IRVersion: 8, Opsets: map[string]int64{"": 13}, ProducerName: "dlc-test",
		ProducerVersion: "0.1", Domain: "test.dlc", ModelVersion: 7, Doc: "hand-built",
		Metadata: map[string]string{"author": "me", "k": "v"}}

	mp, err := ToProto(m)
	if err != nil {
		t.Fatal(err)
	}
	// Reshape has its newest form since opset 14 (allowzero); Concat,
	// Transpose and Identity are older.
	const wantOpset = 14
	if got := mp.GetOpsetImport(); len(got) != 1 || got[0].GetDomain() != "" || got[0].GetVersion() != wantOpset {
		t.Errorf("opset_import = %v, want default domain at %d", got, wantOpset)
	}
	if mp.GetIrVersion() != 7 {
		t.Errorf("ir_version = %d, want 7, which goes with opset %d", mp.GetIrVersion(), wantOpset)
	}
	gp := mp.GetGraph()
	if len(gp.Input) != 2 || len(gp.Initializer) != 2 || len(gp.Output) != 2 {
		t.Errorf("graph has %d inputs, %d initializers, %d outputs; want 2, 2, 2", len(gp.Input), len(gp.Initializer), len(gp.Output))
	}
	for _, tp := range gp.Initializer {
		if tp.RawData == nil {
			t.Errorf("initializer %q is not raw_data", tp.GetName())
		}
	}
	vis := map[string]bool{}
	for _, vi := range gp.ValueInfo {
		vis[vi.GetName()] = vi.Type != nil
	}
	if !vis["cat"] || !vis["tr"] || vis["y"] || vis["z"] {
		t.Errorf("value_info = %v, want typed cat and tr only (y and z are outputs)", vis)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "m.onnx")
	if err := Save(m, path); err != nil {
		t.Fatal(err)
	}
	if err := Save(m, path); err != nil { // overwriting works too
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Save left %d files in its folder, want 1", len(entries))
	}
	m2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(m, filepath.Join(dir, "missing", "m.onnx")); err == nil {
		t.Errorf("Save into a missing folder succeeded")
	}
	if err := Save(&ir.Model{}, filepath.Join(dir, "empty.onnx")); err == nil {
		t.Errorf("Save of a model without a graph succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("failed saves left files behind: %d entries", len(entries))
	}
	if a, b := g.Text(), m2.Graph.Text(); a != b {
		t.Fatalf("graph text differs:\n%s", tbFirstDiff(a, b))
	}
	if m2.ProducerName != "dlc-test" || m2.ProducerVersion != "0.1" || m2.Domain != "test.dlc" ||
		m2.ModelVersion != 7 || m2.Doc != "hand-built" || len(m2.Metadata) != 2 || m2.Metadata["author"] != "me" {
		t.Errorf("metadata not kept: %+v", m2)
	}
	if m2.Opsets[""] != wantOpset {
		t.Errorf("re-imported opset %d, want %d", m2.Opsets[""], wantOpset)
	}
	b1, _ := Encode(m)
	b2, _ := Encode(m2)
	if string(b1) != string(b2) {
		t.Errorf("encoding is not stable across a round trip")
	}

	in := map[string]ir.Data{"x": ir.FromSlice([]int{1, 3}, []float32{-1, 0.5, float32(math.Inf(1))})}
	for _, mm := range []*ir.Model{m, m2} {
		s, err := runtime.New(mm, runtime.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		want := []float32{-1, 1, 4, 0.5, 2, 5, float32(math.Inf(1)), 3, float32(math.NaN())}
		if err := tbSameTensor(out[0].(*ir.Tensor), ir.FromSlice([]int{3, 3}, want)); err != nil {
			t.Errorf("y: %v", err)
		}
	}
}

// TestRoundTripCapturedValues round-trips the fuzz seeds: among them an If
// whose branches read an outer value by name, an old-opset Squeeze, a
// model-local function (inlined at import, so exported as plain nodes)
// and a sparse initializer (exported dense).
func TestRoundTripCapturedValues(t *testing.T) {
	for i, mp := range fuzzSeedModels() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			m1, err := tbDecode(t, tbMarshal(t, mp), "")
			if err != nil {
				t.Fatal(err)
			}
			b, err := Encode(m1)
			if err != nil {
				t.Fatal(err)
			}
			m2, err := tbDecode(t, b, "")
			if err != nil {
				t.Fatal(err)
			}
			if a, b := m1.Graph.Text(), m2.Graph.Text(); a != b {
				t.Fatalf("graph text differs:\n%s", tbFirstDiff(a, b))
			}
			for _, mm := range []*ir.Model{m1, m2} {
				if _, err := runtime.New(mm, runtime.Options{}); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestExportEveryAttrKind exports an attribute of every ir.AttrKind and
// imports it back. No single op takes them all, so this works on the
// node and attribute converters directly.
func TestExportEveryAttrKind(t *testing.T) {
	sub := ir.NewGraph("outer")
	sg := sub.NewSubgraph("body")
	si := sg.AddInput("si", ir.TensorType(ir.Int64, ir.ShapeOf(2)))
	n, err := sg.AddNode(ir.NodeSpec{Op: "Identity", Inputs: []*ir.Value{si}, Outputs: []string{"so"}})
	if err != nil {
		t.Fatal(err)
	}
	sg.Outputs = []*ir.Value{n.Outputs[0]}
	f32 := ir.TensorType(ir.Float32, ir.ShapeOf(2, 3))
	attrs := map[string]*ir.Attr{
		"f":  ir.FloatAttr(1.5),
		"i":  ir.IntAttr(-3),
		"s":  ir.StringAttr("hi"),
		"t":  ir.TensorAttr(ir.FromSlice([]int{2}, []int64{4, 5})),
		"g":  ir.GraphAttr(sg),
		"fs": ir.FloatsAttr(0.25, -1),
		"is": ir.IntsAttr(),
		"ss": ir.StringsAttr("a", ""),
		"ts": {Kind: ir.AttrTensors, Tensors: []*ir.Tensor{ir.Scalar(true), ir.FromSlice([]int{1}, []string{"x"})}},
		"gs": {Kind: ir.AttrGraphs, Graphs: []*ir.Graph{sg}},
		"tp": {Kind: ir.AttrType, Type: &f32},
		"tps": {Kind: ir.AttrTypes, Types: []ir.Type{ir.SequenceOf(f32), ir.OptionalOf(ir.TensorType(ir.Bool, ir.UnrankedShape)),
			{Kind: ir.SequenceKind}}},
	}
	np, err := nodeToProto(&ir.Node{Op: "X", Domain: ir.TrainingDomain, Name: "n", Attrs: attrs})
	if err != nil {
		t.Fatal(err)
	}
	if np.GetDomain() != ir.TrainingDomain || np.GetName() != "n" {
		t.Errorf("node lost its domain or name: %v", np)
	}
	if len(np.Attribute) != len(attrs) {
		t.Fatalf("%d attributes exported, want %d", len(np.Attribute), len(attrs))
	}
	for _, ap := range np.Attribute {
		if ap.Type == nil {
			t.Errorf("attribute %q has no type", ap.GetName())
		}
	}
	im := &importer{funcs: map[string]*onnxpb.FunctionProto{}, used: map[string]bool{}}
	sc := &scope{g: sub, names: map[string]*ir.Value{}}
	back := map[string]*ir.Attr{}
	for _, ap := range np.Attribute {
		a, err := im.attrFromProto(ap, sc, map[string]int64{"": MaxOpset})
		if err != nil {
			t.Fatalf("attribute %q: %v", ap.GetName(), err)
		}
		back[ap.GetName()] = a
	}
	for name, a := range attrs {
		b := back[name]
		if b == nil || b.Kind != a.Kind {
			t.Errorf("attribute %q: got %+v, want kind %s", name, b, a.Kind)
			continue
		}
		if got, want := tbAttrText(b), tbAttrText(a); got != want {
			t.Errorf("attribute %q: got %s, want %s", name, got, want)
		}
	}
	if _, err := nodeToProto(&ir.Node{Op: "X", Attrs: map[string]*ir.Attr{"bad": {Kind: ir.AttrUndefined}}}); err == nil ||
		!strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("undefined attribute kind: err = %v, want one naming the attribute", err)
	}
}

// tbAttrText prints an attribute through a throwaway graph's text form.
func tbAttrText(a *ir.Attr) string {
	switch a.Kind {
	case ir.AttrGraph:
		return a.G.Text()
	case ir.AttrGraphs:
		var parts []string
		for _, g := range a.Graphs {
			parts = append(parts, g.Text())
		}
		return strings.Join(parts, ";")
	case ir.AttrTensor:
		return ir.TensorSummary(a.T, 100)
	case ir.AttrTensors:
		var parts []string
		for _, x := range a.Tensors {
			parts = append(parts, ir.TensorSummary(x, 100))
		}
		return strings.Join(parts, ";")
	case ir.AttrType:
		return a.Type.String()
	case ir.AttrTypes:
		var parts []string
		for _, x := range a.Types {
			if x.Elem == nil && x.Kind != ir.TensorKind {
				// An unknown element type exports as an absent one,
				// which imports as an unknown tensor.
				x.Elem = &ir.Type{}
			}
			parts = append(parts, x.String())
		}
		return strings.Join(parts, ";")
	}
	return fmt.Sprintf("%v %v %q %v %v %q", a.F, a.I, a.S, a.Floats, a.Ints, a.Strings)
}
