package onnx

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Tests of the export opset rule (exportOpset, nodeVersion, opExtensions).

// TestLegacyConvertersBelowVersion checks that no legacy converter applies
// at an op's Version: an export declares at least that version, so a
// re-import must leave the node as it is. A converter for opsets up to
// Version or later means Version is too old for the IR's form.
func TestLegacyConvertersBelowVersion(t *testing.T) {
	checked := 0
	for op, cs := range converters {
		for _, c := range cs {
			if c.before >= 1<<30 { // converted at every opset: never in the IR
				continue
			}
			d := ir.LookupOp(ir.DefaultDomain, op)
			if d == nil {
				t.Errorf("converter for unknown op %s", op)
				continue
			}
			checked++
			if int64(d.Version) < c.before {
				t.Errorf("%s: Version %d, but a legacy converter rewrites nodes of opsets before %d", op, d.Version, c.before)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d converters checked", checked)
	}
}

// TestExtensionsAfterVersion checks the extension table: every listed op
// exists, and every extension is a version after the op's Version, up to
// MaxOpset (one at or below Version would never apply).
func TestExtensionsAfterVersion(t *testing.T) {
	for op, es := range opExtensions {
		d := ir.LookupOp(ir.DefaultDomain, op)
		if d == nil {
			t.Errorf("extension of unknown op %s", op)
			continue
		}
		for _, e := range es {
			if e.version <= d.Version || e.version > MaxOpset {
				t.Errorf("%s: extension version %d, want in (%d, %d]", op, e.version, d.Version, MaxOpset)
			}
		}
	}
}

// opsetModel builds a one-node model of op on inputs of the given types
// (nil: an omitted slot) with one output of type out.
func opsetModel(t *testing.T, op string, attrs map[string]*ir.Attr, out ir.Type, ins ...*ir.Type) *ir.Model {
	t.Helper()
	g := ir.NewGraph("g")
	var vs []*ir.Value
	for i, typ := range ins {
		if typ == nil {
			vs = append(vs, nil)
			continue
		}
		vs = append(vs, g.AddInput(fmt.Sprintf("x%d", i), *typ))
	}
	n, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: vs, Outputs: []string{"y"}, Attrs: attrs})
	if err != nil {
		t.Fatal(err)
	}
	n.Outputs[0].Type = out
	g.Outputs = []*ir.Value{n.Outputs[0]}
	return &ir.Model{Graph: g, Opsets: map[string]int64{"": 22}}
}

func TestExportOpsetRule(t *testing.T) {
	f32 := ir.TensorType(ir.Float32, ir.UnrankedShape)
	bf16 := ir.TensorType(ir.BFloat16, ir.UnrankedShape)
	i8 := ir.TensorType(ir.Int8, ir.UnrankedShape)
	i64 := ir.TensorType(ir.Int64, ir.UnrankedShape)
	unknown := ir.TensorType(ir.Undefined, ir.UnrankedShape)
	seq := ir.SequenceOf(f32)
	cases := []struct {
		name  string
		m     *ir.Model
		opset int64
	}{
		{"float Conv", opsetModel(t, "Conv", nil, f32, &f32, &f32), 11},
		{"bfloat16 Conv", opsetModel(t, "Conv", nil, bf16, &bf16, &bf16), 22},
		{"float Add", opsetModel(t, "Add", nil, f32, &f32, &f32), 7},
		{"bfloat16 Add", opsetModel(t, "Add", nil, bf16, &bf16, &bf16), 13},
		{"int8 Add", opsetModel(t, "Add", nil, i8, &i8, &i8), 14},
		{"Add of unknown type", opsetModel(t, "Add", nil, unknown, &unknown, &unknown), 14},
		{"RoiAlign", opsetModel(t, "RoiAlign", nil, f32, &f32, &f32, &i64), 16},
		{"ReduceMean (axes input)", opsetModel(t, "ReduceMean", nil, f32, &f32), 18},
		{"Pad", opsetModel(t, "Pad", nil, f32, &f32, &i64), 11},
		{"Pad with axes", opsetModel(t, "Pad", nil, f32, &f32, &i64, nil, &i64), 18},
		{"Pad wrap", opsetModel(t, "Pad", map[string]*ir.Attr{"mode": ir.StringAttr("wrap")}, f32, &f32, &i64), 19},
		{"Cast", opsetModel(t, "Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Int64))}, i64, &f32), 6},
		{"Cast saturate", opsetModel(t, "Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Int64)), "saturate": ir.IntAttr(1)}, i64, &f32), 19},
		{"Identity of a sequence", opsetModel(t, "Identity", nil, seq, &seq), 14},
		{"Split (num_outputs form)", opsetModel(t, "Split", map[string]*ir.Attr{"num_outputs": ir.IntAttr(1)}, f32, &f32), 18},
	}
	for _, c := range cases {
		if got := exportOpset(c.m); got != c.opset {
			t.Errorf("%s: export opset %d, want %d", c.name, got, c.opset)
		}
	}

	// No default-domain node: the imported opset, or 1.
	empty := &ir.Model{Graph: ir.NewGraph("g"), Opsets: map[string]int64{"": 9}}
	if got := exportOpset(empty); got != 9 {
		t.Errorf("empty graph imported at 9: export opset %d", got)
	}
	empty.Opsets = nil
	if got := exportOpset(empty); got != 1 {
		t.Errorf("empty graph, no opset: export opset %d, want 1", got)
	}

	// A node inside a subgraph counts: If (11) with a bfloat16 Conv body.
	body := opsetModel(t, "Conv", nil, bf16, &bf16, &bf16).Graph
	g := ir.NewGraph("outer")
	cond := g.AddInput("c", ir.TensorType(ir.Bool, ir.Shape{Ranked: true}))
	n, err := g.AddNode(ir.NodeSpec{Op: "If", Inputs: []*ir.Value{cond}, Outputs: []string{"y"},
		Attrs: map[string]*ir.Attr{"then_branch": ir.GraphAttr(body), "else_branch": ir.GraphAttr(body)}})
	if err != nil {
		t.Fatal(err)
	}
	n.Outputs[0].Type = bf16
	g.Outputs = n.Outputs
	if got := exportOpset(&ir.Model{Graph: g}); got != 22 {
		t.Errorf("If with a bfloat16 Conv inside: export opset %d, want 22", got)
	}

	// The IR version follows the opset.
	for _, c := range []struct{ opset, ir int64 }{{7, 4}, {11, 6}, {13, 7}, {17, 8}, {18, 8}, {19, 9}, {22, 10}} {
		if got := irVersionOf(c.opset); max(got, 4) != c.ir {
			t.Errorf("IR version for opset %d: %d, want %d", c.opset, max(got, 4), c.ir)
		}
	}
}

// TestExportOpsetDistribution exports every backend-test model dlc
// imports and logs how many declare each opset (run with -v). Every
// export must declare an opset in [1, MaxOpset] at least the Since of
// each of its ops, and not above the newest opset dlc's IR needs.
func TestExportOpsetDistribution(t *testing.T) {
	root := tbDataRoot()
	if _, err := os.Stat(root); err != nil {
		t.Skipf("ONNX test data not found at %s", root)
	}
	dist := map[int64]int{}
	var at22 []string
	for _, s := range tbSuites {
		entries, _ := os.ReadDir(filepath.Join(root, s))
		for _, e := range entries {
			m, err := Load(filepath.Join(root, s, e.Name(), "model.onnx"))
			if err != nil {
				continue
			}
			mp, err := ToProto(m)
			if err != nil {
				t.Errorf("%s/%s: %v", s, e.Name(), err)
				continue
			}
			var opset int64
			for _, o := range mp.GetOpsetImport() {
				if o.GetDomain() == "" {
					opset = o.GetVersion()
				}
			}
			dist[opset]++
			if opset == MaxOpset {
				at22 = append(at22, s+"/"+e.Name())
			}
			if opset < MinOpset || opset > MaxOpset {
				t.Errorf("%s/%s: export opset %d", s, e.Name(), opset)
			}
			m.Graph.Walk(func(n *ir.Node) {
				if d := ir.LookupOp(n.Domain, n.Op); n.Domain == "" && d != nil && int64(d.Since) > opset {
					t.Errorf("%s/%s: export opset %d, below %s's Since %d", s, e.Name(), opset, n.Op, d.Since)
				}
			})
		}
	}
	var keys []int64
	for k := range dist {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d:%d", k, dist[k]))
	}
	t.Logf("export opsets (opset:models): %s", strings.Join(parts, " "))
	t.Logf("at opset %d: %s", MaxOpset, strings.Join(at22, " "))
}
