package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"google.golang.org/protobuf/proto"
)

// fuzzTensorLimit keeps fuzz inputs from allocating much: a fuzzed dims
// field can ask for anything.
const fuzzTensorLimit = 1 << 20

// FuzzDecode checks that no byte string makes the importer panic: Decode
// returns a model or an error, and not an internal one (a panic that
// FromProto recovered). A model it returns must also prepare in
// runtime.New without panicking (an error is fine: some ops have no
// kernel), and export and import again without error, since whatever
// dlc imported it can write back.
//
//	go test ./frontend/onnx -run XXX -fuzz FuzzDecode -fuzztime 60s
func FuzzDecode(f *testing.F) {
	for _, mp := range fuzzSeedModels() {
		f.Add(tbMarshal(f, mp))
	}
	for _, name := range []string{"node/test_add", "node/test_if", "node/test_loop11", "node/test_scan_sum",
		"node/test_squeeze", "node/test_reduce_sum_keepdims_example", "simple/test_sequence_model1"} {
		if b, err := os.ReadFile(filepath.Join(tbDataRoot(), name, "model.onnx")); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte("\xff\xff\xff\xff garbage"))
	f.Add([]byte{0x3a, 0x02, 0x0a, 0x00}) // graph { node {} }

	old := ir.TensorLimit()
	ir.SetTensorLimit(fuzzTensorLimit)
	f.Cleanup(func() { ir.SetTensorLimit(old) })

	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b, "")
		if errors.Is(err, errInternal) {
			t.Fatalf("Decode hit a bug: %v", err)
		}
		if err != nil {
			return
		}
		if m == nil || m.Graph == nil {
			t.Fatal("Decode returned neither a model nor an error")
		}
		// runtime.New must return, not panic; its error is fine.
		_, _ = runtime.New(m, runtime.Options{})
		out, err := Encode(m)
		if err != nil {
			t.Fatalf("an imported model does not export: %v", err)
		}
		if _, err := Decode(out, ""); err != nil {
			t.Fatalf("the export of an imported model does not import: %v", err)
		}
	})
}

// fuzzSeedModels are small valid models covering initializers, attributes,
// a subgraph and a model-local function.
func fuzzSeedModels() []*onnxpb.ModelProto {
	ident := tbIdentityModel()
	cat := tbConcatModel()

	// An If whose branches capture an outer value.
	branch := func(name, src string) *onnxpb.GraphProto {
		return &onnxpb.GraphProto{Name: ptr(name),
			Output: []*onnxpb.ValueInfoProto{pbInfo(name+"_out", ir.Float32, 2, 3)},
			Node:   []*onnxpb.NodeProto{pbNode("Identity", name+"_id", []string{src}, []string{name + "_out"})}}
	}
	cond := &onnxpb.TensorProto{Name: ptr("cond"), DataType: ptr(int32(ir.Bool)), RawData: []byte{1}}
	ifModel := pbModel(16, &onnxpb.GraphProto{Name: ptr("g"),
		Input:       []*onnxpb.ValueInfoProto{pbInfo("x", ir.Float32, 2, 3)},
		Output:      []*onnxpb.ValueInfoProto{pbInfo("y", ir.Float32, 2, 3)},
		Initializer: []*onnxpb.TensorProto{cond},
		Node: []*onnxpb.NodeProto{pbNode("If", "if", []string{"cond"}, []string{"y"},
			&onnxpb.AttributeProto{Name: ptr("then_branch"), Type: onnxpb.AttributeProto_GRAPH.Enum(), G: branch("then", "x")},
			&onnxpb.AttributeProto{Name: ptr("else_branch"), Type: onnxpb.AttributeProto_GRAPH.Enum(), G: branch("else", "x")})}})

	// Old-opset Squeeze with axes as an attribute.
	sq := pbModel(11, &onnxpb.GraphProto{Name: ptr("g"),
		Input:  []*onnxpb.ValueInfoProto{pbInfo("x", ir.Float32, 1, 3)},
		Output: []*onnxpb.ValueInfoProto{pbInfo("y", ir.Float32, 3)},
		Node:   []*onnxpb.NodeProto{pbNode("Squeeze", "sq", []string{"x"}, []string{"y"}, pbInts("axes", 0))}})

	fn := tbFunctionModel()

	sparse := tbConcatModel()
	sparse.Graph.Initializer = nil
	sparse.Graph.SparseInitializer = []*onnxpb.SparseTensorProto{{Values: pbFloats("w", []int{2}, 7, 8),
		Indices: TensorToProto(ir.FromSlice([]int{2, 2}, []int64{0, 1, 1, 2}), ""), Dims: []int64{2, 3}}}
	return []*onnxpb.ModelProto{ident, cat, ifModel, sq, fn, sparse}
}

// tbFunctionModel calls a model-local function "MyCat" whose Concat takes
// its axis from the call's attribute "ax" (ref_attr_name).
func tbFunctionModel() *onnxpb.ModelProto {
	mp := pbModel(13, &onnxpb.GraphProto{Name: ptr("g"),
		Input:  []*onnxpb.ValueInfoProto{pbInfo("a", ir.Float32, 2, 2), pbInfo("b", ir.Float32, 2, 2)},
		Output: []*onnxpb.ValueInfoProto{pbInfo("y", ir.Float32, 2, 4)},
		Node: []*onnxpb.NodeProto{{OpType: ptr("MyCat"), Domain: ptr("local"), Name: ptr("call"),
			Input: []string{"a", "b"}, Output: []string{"y"}, Attribute: []*onnxpb.AttributeProto{pbInt("ax", 1)}}}})
	mp.OpsetImport = append(mp.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: ptr("local"), Version: ptr(int64(1))})
	mp.Functions = []*onnxpb.FunctionProto{{
		Name: ptr("MyCat"), Domain: ptr("local"), Input: []string{"p", "q"}, Output: []string{"r"},
		Attribute:   []string{"ax"},
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: ptr(""), Version: ptr(int64(13))}},
		Node: []*onnxpb.NodeProto{
			pbNode("Identity", "pid", []string{"p"}, []string{"t"}),
			pbNode("Concat", "cat", []string{"t", "q"}, []string{"r"},
				&onnxpb.AttributeProto{Name: ptr("axis"), Type: onnxpb.AttributeProto_INT.Enum(), RefAttrName: ptr("ax")}),
		},
	}}
	return mp
}

// TestFuzzSeedsImport keeps the fuzz seeds meaningful: each must import.
func TestFuzzSeedsImport(t *testing.T) {
	for i, mp := range fuzzSeedModels() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if _, err := tbDecode(t, tbMarshal(t, mp), ""); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestImportOddNodesNoPanic imports, for every registered op, nodes with
// odd input counts, ranks, dtypes and attribute values, at the op's first
// opset (through the legacy converters) and at the newest, and prepares a
// session for those that import. Errors are expected; panics are bugs.
func TestImportOddNodesNoPanic(t *testing.T) {
	shapes := [][]int64{{}, {0}, {3}, {2, 3}, {1, 1, 2, 2}, {-1, -1}}
	dts := []ir.DType{ir.Float32, ir.Int64, ir.Bool}
	attrVals := []*onnxpb.AttributeProto{pbInt("", -5), pbInt("", 100), pbInts(""), pbInts("", -9, 9, 0)}
	for _, d := range ir.Ops() {
		for nin := d.MinInputs; nin <= d.MinInputs+2 && (d.MaxInputs < 0 || nin <= d.MaxInputs); nin++ {
			for _, sh := range shapes {
				for _, dt := range dts {
					for ai := -1; ai < len(attrVals)*len(d.Attrs); ai++ {
						var in []string
						var infos []*onnxpb.ValueInfoProto
						for i := 0; i < nin; i++ {
							n := fmt.Sprintf("i%d", i)
							in = append(in, n)
							infos = append(infos, pbInfo(n, dt, sh...))
						}
						np := pbNode(d.Name, "n", in, []string{"y"})
						np.Domain = ptr(d.Domain)
						if ai >= 0 {
							ad := d.Attrs[ai/len(attrVals)]
							a := proto.Clone(attrVals[ai%len(attrVals)]).(*onnxpb.AttributeProto)
							a.Name = ptr(ad.Name)
							if (ad.Kind == ir.AttrInt) != (a.GetType() == onnxpb.AttributeProto_INT) {
								continue
							}
							np.Attribute = []*onnxpb.AttributeProto{a}
						}
						for _, opset := range []int64{int64(d.Since), MaxOpset} {
							mp := pbModel(opset, &onnxpb.GraphProto{Name: ptr("g"), Input: infos,
								Output: []*onnxpb.ValueInfoProto{{Name: ptr("y")}}, Node: []*onnxpb.NodeProto{np}})
							if d.Domain != "" {
								mp.OpsetImport = append(mp.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: ptr(d.Domain), Version: ptr(int64(1))})
							}
							func() {
								defer func() {
									if r := recover(); r != nil {
										t.Errorf("%s opset %d, %d inputs %s%v, attributes %v: panic %v", d.Key(), opset, nin, dt, sh, np.Attribute, r)
									}
								}()
								m, err := FromProto(mp, "")
								if errors.Is(err, errInternal) {
									t.Errorf("%s opset %d, %d inputs %s%v, attributes %v: %v", d.Key(), opset, nin, dt, sh, np.Attribute, err)
								}
								if err != nil {
									return
								}
								_, _ = runtime.New(m, runtime.Options{})
							}()
						}
					}
				}
			}
		}
	}
}
