package onnx

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"google.golang.org/protobuf/proto"
)

// Helpers that build ONNX protos for tests. The pb* ones are shared by the
// other test files of this package (legacy_*_test.go): keep their
// signatures.

// pbInfo declares a tensor value; a negative dim is left unknown.
func pbInfo(name string, dt ir.DType, dims ...int64) *onnxpb.ValueInfoProto {
	tt := &onnxpb.TypeProto_Tensor{ElemType: ptr(int32(dt)), Shape: &onnxpb.TensorShapeProto{}}
	for _, d := range dims {
		dim := &onnxpb.TensorShapeProto_Dimension{}
		if d >= 0 {
			dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}
		}
		tt.Shape.Dim = append(tt.Shape.Dim, dim)
	}
	return &onnxpb.ValueInfoProto{Name: ptr(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: tt}}}
}

func pbNode(op, name string, in, out []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{OpType: ptr(op), Name: ptr(name), Input: in, Output: out, Attribute: attrs}
}

func pbInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: v}
}

func pbInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: ptr(name), Type: onnxpb.AttributeProto_INT.Enum(), I: ptr(v)}
}

// pbFloats is a float32 initializer as raw_data.
func pbFloats(name string, dims []int, v ...float32) *onnxpb.TensorProto {
	return TensorToProto(ir.FromSlice(dims, v), name)
}

// pbModel wraps a graph in a model importing the default domain at opset.
func pbModel(opset int64, g *onnxpb.GraphProto) *onnxpb.ModelProto {
	return &onnxpb.ModelProto{IrVersion: ptr(int64(8)), Graph: g,
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: ptr(""), Version: ptr(opset)}}}
}

// tbIdentityModel is x -> Identity -> y on f32[2,3].
func tbIdentityModel() *onnxpb.ModelProto {
	return pbModel(13, &onnxpb.GraphProto{Name: ptr("g"),
		Input:  []*onnxpb.ValueInfoProto{pbInfo("x", ir.Float32, 2, 3)},
		Output: []*onnxpb.ValueInfoProto{pbInfo("y", ir.Float32, 2, 3)},
		Node:   []*onnxpb.NodeProto{pbNode("Identity", "id", []string{"x"}, []string{"y"})}})
}

// tbConcatModel is y = Concat(x, w) on axis 0 with an f32[2,3] initializer.
func tbConcatModel() *onnxpb.ModelProto {
	return pbModel(13, &onnxpb.GraphProto{Name: ptr("g"),
		Input:       []*onnxpb.ValueInfoProto{pbInfo("x", ir.Float32, -1, 3)},
		Output:      []*onnxpb.ValueInfoProto{pbInfo("y", ir.Float32, -1, 3)},
		Initializer: []*onnxpb.TensorProto{pbFloats("w", []int{2, 3}, 1, 2, 3, 4, 5, 6)},
		Node:        []*onnxpb.NodeProto{pbNode("Concat", "cat", []string{"x", "w"}, []string{"y"}, pbInt("axis", 0))}})
}

func tbMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tbDecode runs Decode, failing the test on a panic or on an internal
// error (a panic that FromProto recovered).
func tbDecode(t *testing.T, b []byte, dir string) (m *ir.Model, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Decode panicked: %v", r)
		}
	}()
	m, err = Decode(b, dir)
	if errors.Is(err, errInternal) {
		t.Fatalf("Decode hit a bug: %v", err)
	}
	return m, err
}

// tbWantErr fails unless err is non-nil and mentions every part.
func tbWantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestDecodeBadBytes(t *testing.T) {
	whole := tbMarshal(t, tbConcatModel())
	t.Run("truncated", func(t *testing.T) {
		_, err := tbDecode(t, whole[:len(whole)/2], "")
		tbWantErr(t, err, "not a valid ONNX model")
	})
	t.Run("truncated-real", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(tbDataRoot(), "node/test_add/model.onnx"))
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal(err)
			}
			t.Skip("test data not found")
		}
		_, err = tbDecode(t, b[:len(b)/2], "")
		tbWantErr(t, err, "not a valid ONNX model")
	})
	t.Run("garbage", func(t *testing.T) {
		_, err := tbDecode(t, []byte("\xff\xff\xff\xff garbage \x00\x01"), "")
		tbWantErr(t, err, "not a valid ONNX model")
	})
	t.Run("no-graph", func(t *testing.T) {
		mp := tbConcatModel()
		mp.Graph = nil
		_, err := tbDecode(t, tbMarshal(t, mp), "")
		tbWantErr(t, err, "no graph")
	})
	t.Run("empty", func(t *testing.T) {
		_, err := tbDecode(t, nil, "")
		tbWantErr(t, err, "no graph")
	})
}

func TestDecodeBadModels(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(mp *onnxpb.ModelProto)
		parts []string
	}{
		{"unknown-op", func(mp *onnxpb.ModelProto) { mp.Graph.Node[0].OpType = ptr("NoSuchOp") },
			[]string{`"cat"`, "NoSuchOp"}},
		{"unknown-ops-listed", func(mp *onnxpb.ModelProto) {
			mp.Graph.Node[0].OpType = ptr("NoSuchOp")
			mp.Graph.Node = append(mp.Graph.Node, pbNode("AlsoMissing", "z", []string{"y"}, []string{"z"}))
		}, []string{`"cat"`, "2 unsupported ops: AlsoMissing, NoSuchOp"}},
		{"unknown-domain", func(mp *onnxpb.ModelProto) {
			mp.Graph.Node[0].Domain = ptr("com.example")
			mp.OpsetImport = append(mp.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: ptr("com.example"), Version: ptr(int64(1))})
		}, []string{`"cat"`, "com.example"}},
		{"domain-not-imported", func(mp *onnxpb.ModelProto) { mp.Graph.Node[0].Domain = ptr("com.example") },
			[]string{`"cat"`, "com.example"}},
		{"opset-23", func(mp *onnxpb.ModelProto) { mp.OpsetImport[0].Version = ptr(int64(23)) },
			[]string{"ai.onnx", "version 23"}},
		{"opset-0", func(mp *onnxpb.ModelProto) { mp.OpsetImport[0].Version = ptr(int64(0)) },
			[]string{"ai.onnx", "version 0"}},
		{"op-newer-than-opset", func(mp *onnxpb.ModelProto) {
			mp.OpsetImport[0].Version = ptr(int64(7))
			mp.Graph.Node[0] = pbNode("Expand", "ex", []string{"x", "w"}, []string{"y"})
		}, []string{`"ex"`, "Expand", "opset 8"}},
		{"undefined-input", func(mp *onnxpb.ModelProto) { mp.Graph.Node[0].Input[1] = "nowhere" },
			[]string{`"cat"`, `"nowhere"`}},
		{"undefined-output", func(mp *onnxpb.ModelProto) { mp.Graph.Output[0].Name = ptr("nothing") },
			[]string{`"nothing"`}},
		{"output-defined-twice", func(mp *onnxpb.ModelProto) {
			mp.Graph.Node = append(mp.Graph.Node, pbNode("Identity", "again", []string{"x"}, []string{"y"}))
		}, []string{`"y"`, "twice"}},
		{"cycle", func(mp *onnxpb.ModelProto) {
			mp.Graph.Node = []*onnxpb.NodeProto{
				pbNode("Identity", "a", []string{"b_out"}, []string{"a_out"}),
				pbNode("Identity", "b", []string{"a_out"}, []string{"b_out"}),
				pbNode("Identity", "c", []string{"a_out"}, []string{"y"}),
			}
		}, []string{"cycle", `"a"`}},
		{"self-loop", func(mp *onnxpb.ModelProto) {
			mp.Graph.Node = []*onnxpb.NodeProto{pbNode("Concat", "self", []string{"x", "y"}, []string{"y"}, pbInt("axis", 0))}
		}, []string{"cycle", `"self"`}},
		{"dims-overflow-int64", func(mp *onnxpb.ModelProto) {
			mp.Graph.Initializer[0] = &onnxpb.TensorProto{Name: ptr("w"), DataType: ptr(int32(ir.Float32)),
				Dims: []int64{1 << 40, 1 << 40}}
		}, []string{`"w"`, "overflow"}},
		{"dims-huge", func(mp *onnxpb.ModelProto) {
			mp.Graph.Initializer[0] = &onnxpb.TensorProto{Name: ptr("w"), DataType: ptr(int32(ir.Float32)),
				Dims: []int64{math.MaxInt64, 2}}
		}, []string{`"w"`}},
		{"dims-negative", func(mp *onnxpb.ModelProto) { mp.Graph.Initializer[0].Dims = []int64{-2, -3} },
			[]string{`"w"`, "negative"}},
		{"raw-data-length", func(mp *onnxpb.ModelProto) { mp.Graph.Initializer[0].RawData = make([]byte, 23) },
			[]string{`"w"`, "23 bytes"}},
		{"typed-data-length", func(mp *onnxpb.ModelProto) {
			mp.Graph.Initializer[0].RawData = nil
			mp.Graph.Initializer[0].FloatData = []float32{1, 2}
		}, []string{`"w"`, "float_data"}},
		{"unsupported-dtype", func(mp *onnxpb.ModelProto) { mp.Graph.Initializer[0].DataType = ptr(int32(14)) },
			[]string{`"w"`, "COMPLEX64"}},
		{"bad-attribute", func(mp *onnxpb.ModelProto) {
			mp.Graph.Node[0].Attribute = append(mp.Graph.Node[0].Attribute, pbInt("bogus", 1))
		}, []string{`"cat"`, `"bogus"`}},
		{"missing-required-attribute", func(mp *onnxpb.ModelProto) {
			mp.Graph.Node[0].Attribute = nil
		}, []string{`"cat"`, `"axis"`}},
		{"initializer-twice", func(mp *onnxpb.ModelProto) {
			mp.Graph.Initializer = append(mp.Graph.Initializer, mp.Graph.Initializer[0])
		}, []string{`"w"`, "twice"}},
		{"external-escapes", func(mp *onnxpb.ModelProto) { tbSetExternal(mp.Graph.Initializer[0], "../x.bin") },
			[]string{`"w"`, "../x.bin", "outside the model folder"}},
		{"external-absolute", func(mp *onnxpb.ModelProto) { tbSetExternal(mp.Graph.Initializer[0], "/etc/passwd") },
			[]string{`"w"`, "/etc/passwd", "outside the model folder"}},
		{"external-missing", func(mp *onnxpb.ModelProto) { tbSetExternal(mp.Graph.Initializer[0], "absent.bin") },
			[]string{`"w"`, "absent.bin"}},
		{"external-no-location", func(mp *onnxpb.ModelProto) { tbSetExternal(mp.Graph.Initializer[0], "") },
			[]string{`"w"`, "location"}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := tbConcatModel()
			c.edit(mp)
			_, err := tbDecode(t, tbMarshal(t, mp), dir)
			tbWantErr(t, err, c.parts...)
		})
	}
}

// tbSetExternal moves a tensor's data to an external location.
func tbSetExternal(tp *onnxpb.TensorProto, loc string, kv ...string) {
	tp.RawData = nil
	tp.DataLocation = onnxpb.TensorProto_EXTERNAL.Enum()
	tp.ExternalData = nil
	if loc != "" {
		tp.ExternalData = append(tp.ExternalData, &onnxpb.StringStringEntryProto{Key: ptr("location"), Value: ptr(loc)})
	}
	for i := 0; i+1 < len(kv); i += 2 {
		tp.ExternalData = append(tp.ExternalData, &onnxpb.StringStringEntryProto{Key: ptr(kv[i]), Value: ptr(kv[i+1])})
	}
}

func TestDecodeBadSparseAndFunctions(t *testing.T) {
	sparse := func(values, indices *onnxpb.TensorProto, dims ...int64) func(mp *onnxpb.ModelProto) {
		return func(mp *onnxpb.ModelProto) {
			mp.Graph.Initializer = nil
			mp.Graph.SparseInitializer = []*onnxpb.SparseTensorProto{{Values: values, Indices: indices, Dims: dims}}
		}
	}
	i64 := func(dims []int, v ...int64) *onnxpb.TensorProto { return TensorToProto(ir.FromSlice(dims, v), "") }
	recursive := func(mp *onnxpb.ModelProto) {
		f := mp.Functions[0]
		f.Node = append(f.Node, &onnxpb.NodeProto{OpType: ptr("MyCat"), Domain: ptr("local"), Name: ptr("again"),
			Input: []string{"p", "q"}, Output: []string{"r2"}})
	}
	mutual := func(mp *onnxpb.ModelProto) {
		g := proto.Clone(mp.Functions[0]).(*onnxpb.FunctionProto)
		g.Name = ptr("Other")
		g.Node = []*onnxpb.NodeProto{{OpType: ptr("MyCat"), Domain: ptr("local"), Input: []string{"p", "q"}, Output: []string{"r"}}}
		f := mp.Functions[0]
		f.Node = []*onnxpb.NodeProto{{OpType: ptr("Other"), Domain: ptr("local"), Input: []string{"p", "q"}, Output: []string{"r"}}}
		mp.Functions = append(mp.Functions, g)
	}
	cases := []struct {
		name  string
		model func() *onnxpb.ModelProto
		edit  func(mp *onnxpb.ModelProto)
		parts []string
	}{
		{"sparse-string-indices", tbConcatModel, sparse(pbFloats("w", []int{1}, 7),
			TensorToProto(ir.FromSlice([]int{1}, []string{"0"}), ""), 2, 3), []string{`"w"`, "indices"}},
		{"sparse-float-indices", tbConcatModel, sparse(pbFloats("w", []int{1}, 7),
			pbFloats("", []int{1}, 0.5), 2, 3), []string{`"w"`, "indices"}},
		{"sparse-few-indices", tbConcatModel, sparse(pbFloats("w", []int{3}, 7, 8, 9), i64([]int{1}, 0), 2, 3),
			[]string{`"w"`, "indices"}},
		{"sparse-few-coordinates", tbConcatModel, sparse(pbFloats("w", []int{3}, 7, 8, 9), i64([]int{1, 2}, 0, 0), 2, 3),
			[]string{`"w"`, "indices"}},
		{"sparse-no-values", tbConcatModel, sparse(nil, i64([]int{1}, 0), 2, 3), []string{"values"}},
		{"sparse-dims-overflow", tbConcatModel, sparse(pbFloats("w", []int{1}, 7), i64([]int{1}, 0), 1<<40, 1<<40),
			[]string{`"w"`}},
		{"sparse-attribute-empty", tbIdentityModel, func(mp *onnxpb.ModelProto) {
			mp.Graph.Node[0] = pbNode("Constant", "k", nil, []string{"y"},
				&onnxpb.AttributeProto{Name: ptr("sparse_value"), Type: onnxpb.AttributeProto_SPARSE_TENSOR.Enum()})
		}, []string{`"k"`, "sparse_value"}},
		{"tensor-attribute-empty", tbIdentityModel, func(mp *onnxpb.ModelProto) {
			mp.Graph.Node[0] = pbNode("Constant", "k", nil, []string{"y"},
				&onnxpb.AttributeProto{Name: ptr("value"), Type: onnxpb.AttributeProto_TENSOR.Enum()})
		}, []string{`"k"`, "value"}},
		{"graph-attribute-empty", tbIdentityModel, func(mp *onnxpb.ModelProto) {
			mp.Graph.Node[0] = pbNode("If", "if", []string{"x"}, []string{"y"},
				&onnxpb.AttributeProto{Name: ptr("then_branch"), Type: onnxpb.AttributeProto_GRAPH.Enum()},
				&onnxpb.AttributeProto{Name: ptr("else_branch"), Type: onnxpb.AttributeProto_GRAPH.Enum()})
		}, []string{`"if"`, "then_branch"}},
		{"untyped-attribute", tbIdentityModel, func(mp *onnxpb.ModelProto) {
			mp.Graph.Node[0].Attribute = []*onnxpb.AttributeProto{{Name: ptr("what")}}
		}, []string{`"id"`, `"what"`}},
		{"function-recursive", tbFunctionModel, recursive, []string{"MyCat", "recursi"}},
		{"function-mutually-recursive", tbFunctionModel, mutual, []string{"MyCat", "Other", "recursi"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := c.model()
			c.edit(mp)
			_, err := tbDecode(t, tbMarshal(t, mp), "")
			tbWantErr(t, err, c.parts...)
		})
	}
	t.Run("FromProto-no-graph", func(t *testing.T) {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("FromProto panicked: %v", r)
			}
		}()
		_, err := FromProto(&onnxpb.ModelProto{}, "")
		tbWantErr(t, err, "no graph")
	})
}

func TestDecodeExternalDataRefused(t *testing.T) {
	root := t.TempDir()
	modelDir := filepath.Join(root, "model")
	if err := os.Mkdir(modelDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A file that exists, outside the model folder: escaping must be
	// refused even though reading would succeed.
	outside := filepath.Join(root, "x.bin")
	if err := os.WriteFile(outside, make([]byte, 24), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(modelDir, "link.bin")); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"../x.bin", outside, "sub/../../x.bin", "link.bin"} {
		mp := tbConcatModel()
		tbSetExternal(mp.Graph.Initializer[0], loc)
		_, err := tbDecode(t, tbMarshal(t, mp), modelDir)
		tbWantErr(t, err, `"w"`, "outside the model folder")
	}
	// With no folder (Decode of bytes), external data is refused.
	mp := tbConcatModel()
	tbSetExternal(mp.Graph.Initializer[0], "x.bin")
	_, err := tbDecode(t, tbMarshal(t, mp), "")
	tbWantErr(t, err, `"w"`, "no folder")
	// Offsets past the end of the file.
	if err := os.WriteFile(filepath.Join(modelDir, "w.bin"), make([]byte, 24), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][]string{{"offset", "8"}, {"offset", "-1"}, {"length", "30"}, {"offset", "zz"}, {"length", "99999999999999999999"}} {
		mp := tbConcatModel()
		tbSetExternal(mp.Graph.Initializer[0], "w.bin", kv...)
		_, err := tbDecode(t, tbMarshal(t, mp), modelDir)
		tbWantErr(t, err, `"w"`)
	}
}

func TestDecodeTensorLimit(t *testing.T) {
	old := ir.TensorLimit()
	defer ir.SetTensorLimit(old)
	ir.SetTensorLimit(16) // the 24-byte initializer no longer fits
	_, err := tbDecode(t, tbMarshal(t, tbConcatModel()), "")
	tbWantErr(t, err, `"w"`, "limit")

	ir.SetTensorLimit(old)
	m, err := tbDecode(t, tbMarshal(t, tbConcatModel()), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := runtime.New(m, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A run whose result exceeds the limit fails naming the node.
	ir.SetTensorLimit(40)
	_, err = s.Run(map[string]ir.Data{"x": ir.FromSlice([]int{2, 3}, make([]float32, 6))})
	tbWantErr(t, err, `"cat"`, "limit")
}

func TestSessionRunBadInputs(t *testing.T) {
	m, err := tbDecode(t, tbMarshal(t, tbConcatModel()), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := runtime.New(m, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := ir.FromSlice([]int{1, 3}, []float32{1, 2, 3})
	if _, err := s.Run(map[string]ir.Data{"x": good}); err != nil {
		t.Fatalf("good input: %v", err)
	}
	cases := []struct {
		name  string
		in    map[string]ir.Data
		parts []string
	}{
		{"missing", map[string]ir.Data{}, []string{"missing", `"x"`}},
		{"extra", map[string]ir.Data{"x": good, "extra": good}, []string{`"extra"`}},
		{"dtype", map[string]ir.Data{"x": ir.FromSlice([]int{1, 3}, []int64{1, 2, 3})}, []string{`"x"`, "i64"}},
		{"rank", map[string]ir.Data{"x": ir.FromSlice([]int{3}, []float32{1, 2, 3})}, []string{`"x"`, "shape"}},
		{"dim", map[string]ir.Data{"x": ir.FromSlice([]int{1, 4}, []float32{1, 2, 3, 4})}, []string{`"x"`, "shape"}},
		{"short-data", map[string]ir.Data{"x": ir.FromSlice([]int{2, 3}, []float32{1, 2, 3})}, []string{`"x"`}},
		{"sequence", map[string]ir.Data{"x": &ir.Sequence{}}, []string{`"x"`, "sequence"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Run(c.in)
			tbWantErr(t, err, c.parts...)
		})
	}
}

func TestNewRejectsUnrunnable(t *testing.T) {
	// A node whose op has no kernel. The declaration stays out of the
	// registry, so other tests never see it; Verify does not need it there.
	def := &ir.OpDef{Name: "DlcTestNoKernel", Domain: "dlc.test", Since: 1, MinInputs: 1, MaxInputs: 1,
		MinOutputs: 1, MaxOutputs: 1}
	g := ir.NewGraph("g")
	x := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(1)))
	n := &ir.Node{Name: "nk", Op: def.Name, Domain: def.Domain, Def: def, Inputs: []*ir.Value{x},
		Attrs: map[string]*ir.Attr{}, Owner: g}
	y := g.NewValue("y", x.Type)
	y.Producer = n
	n.Outputs = []*ir.Value{y}
	g.Nodes = append(g.Nodes, n)
	g.Outputs = []*ir.Value{y}
	_, err := runtime.New(&ir.Model{Graph: g}, runtime.Options{})
	tbWantErr(t, err, `"nk"`, "kernel")
	// Exporting it works (the domain gets an opset import); importing it
	// back fails naming the node, since dlc does not know the domain.
	b, err := Encode(&ir.Model{Graph: g})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tbDecode(t, b, "")
	tbWantErr(t, err, `"nk"`, "dlc.test")
}

// An initializer that is also a graph input may be declared more loosely
// than its data (a symbolic dim), but not contradict it.
func TestInitializerInputTypeMustFitData(t *testing.T) {
	model := func(declared *onnxpb.ValueInfoProto) *onnxpb.ModelProto {
		return pbModel(13, &onnxpb.GraphProto{Name: ptr("g"),
			Initializer: []*onnxpb.TensorProto{pbFloats("w", []int{2}, 1, 2)},
			Input:       []*onnxpb.ValueInfoProto{declared},
			Output:      []*onnxpb.ValueInfoProto{pbInfo("y", ir.Float32, 2)},
			Node:        []*onnxpb.NodeProto{pbNode("Add", "add", []string{"w", "w"}, []string{"y"})}})
	}
	for _, vi := range map[string]*onnxpb.ValueInfoProto{
		"dtype": pbInfo("w", ir.Int64, 2),
		"shape": pbInfo("w", ir.Float32, 5),
	} {
		_, err := tbDecode(t, tbMarshal(t, model(vi)), "")
		tbWantErr(t, err, `input "w" is declared`, "initializer is f32[2]")
	}
	sym := &onnxpb.ValueInfoProto{Name: ptr("w"), Type: typeToProto(ir.TensorType(ir.Float32,
		ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("n")}}))}
	if _, err := tbDecode(t, tbMarshal(t, model(sym)), ""); err != nil {
		t.Errorf("symbolic declaration of a 2-element initializer: %v", err)
	}
}
