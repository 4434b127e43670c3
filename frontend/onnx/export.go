package onnx

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/internal/atomicfile"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/proto"
)

// ToProto exports a model in dlc's canonical form as an ONNX ModelProto.
//
// The default-domain opset of the export is the smallest at which every
// node has the form dlc's IR holds (see exportOpset), whatever opset the
// model was imported at. The canonical IR holds every op in its newest
// ONNX form (axes as inputs, newest attribute sets), so the imported opset
// (say 7) would be wrong: a reader, dlc's importer included, would apply
// the old semantics to new-form nodes (Squeeze with an axes input read as
// opset-7 Squeeze). Always declaring the newest opset (22) would be right
// but needlessly new: older runtimes reject it, and some lack kernels for
// opset-22 versions that only added bfloat16 (ONNX Runtime 1.30 has no
// RoiAlign(22)). Other domains keep their imported versions; ops of
// ir.TrainingDomain add that domain's opset import when missing.
//
// The IR version is the one that goes with the exported opset (see
// exportIRVersion); producer, model domain and version, doc string and
// metadata are kept. Initializers are written as raw_data; a graph input
// with a default initializer is listed both as input and initializer;
// value_info holds every intermediate value whose type is known; subgraphs
// (If, Loop, Scan bodies) are exported recursively and name the outer
// values they capture, which works because value names are unique across
// a model.
func ToProto(m *ir.Model) (*onnxpb.ModelProto, error) {
	if m == nil || m.Graph == nil {
		return nil, errors.New("export: model has no graph")
	}
	if err := ir.Verify(m.Graph); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	gp, err := graphToProto(m.Graph)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	opsets := exportOpsets(m)
	mp := &onnxpb.ModelProto{
		IrVersion:   ptr(exportIRVersion(m, opsets)),
		OpsetImport: opsets,
		Graph:       gp,
	}
	if m.ProducerName != "" {
		mp.ProducerName = ptr(m.ProducerName)
	}
	if m.ProducerVersion != "" {
		mp.ProducerVersion = ptr(m.ProducerVersion)
	}
	if m.Domain != "" {
		mp.Domain = ptr(m.Domain)
	}
	if m.ModelVersion != 0 {
		mp.ModelVersion = ptr(m.ModelVersion)
	}
	if m.Doc != "" {
		mp.DocString = ptr(m.Doc)
	}
	keys := make([]string, 0, len(m.Metadata))
	for k := range m.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mp.MetadataProps = append(mp.MetadataProps, &onnxpb.StringStringEntryProto{Key: ptr(k), Value: ptr(m.Metadata[k])})
	}
	return mp, nil
}

// graphToProto exports g and, through graph attributes, its subgraphs.
func graphToProto(g *ir.Graph) (*onnxpb.GraphProto, error) {
	gp := &onnxpb.GraphProto{Name: ptr(g.Name)}
	listed := map[*ir.Value]bool{}
	for _, v := range g.Inputs {
		gp.Input = append(gp.Input, valueInfo(v))
		listed[v] = true
	}
	for _, v := range g.Inits {
		if v.Init == nil {
			return nil, fmt.Errorf("graph %q: initializer %q has no data", g.Name, v.Name)
		}
		gp.Initializer = append(gp.Initializer, TensorToProto(v.Init, v.Name))
	}
	for _, v := range g.Outputs {
		gp.Output = append(gp.Output, valueInfo(v))
		listed[v] = true
	}
	for _, n := range g.Nodes {
		np, err := nodeToProto(n)
		if err != nil {
			return nil, fmt.Errorf("graph %q: %w", g.Name, err)
		}
		gp.Node = append(gp.Node, np)
		for _, v := range n.Outputs {
			if v != nil && !listed[v] && typeKnown(v.Type) {
				gp.ValueInfo = append(gp.ValueInfo, valueInfo(v))
			}
		}
	}
	return gp, nil
}

// valueInfo describes a value; an unknown type is left out, which readers
// (dlc's importer too) take as an untyped tensor.
func valueInfo(v *ir.Value) *onnxpb.ValueInfoProto {
	vi := &onnxpb.ValueInfoProto{Name: ptr(v.Name)}
	if typeKnown(v.Type) {
		vi.Type = exportType(v.Type)
	}
	return vi
}

// typeKnown reports whether a type says anything beyond "some tensor".
func typeKnown(t ir.Type) bool {
	return t.Kind != ir.TensorKind || t.DType != ir.Undefined || t.Shape.Ranked
}

// exportType is typeToProto made safe for sequence and optional types whose
// element type is not known (nil Elem): the element type is then omitted.
func exportType(t ir.Type) *onnxpb.TypeProto {
	if t.Kind == ir.TensorKind || t.Elem != nil {
		return typeToProto(t)
	}
	if t.Kind == ir.SequenceKind {
		return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_SequenceType{SequenceType: &onnxpb.TypeProto_Sequence{}}}
	}
	return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_OptionalType{OptionalType: &onnxpb.TypeProto_Optional{}}}
}

func nodeToProto(n *ir.Node) (*onnxpb.NodeProto, error) {
	np := &onnxpb.NodeProto{OpType: ptr(n.Op)}
	if n.Name != "" {
		np.Name = ptr(n.Name)
	}
	if n.Domain != "" {
		np.Domain = ptr(n.Domain)
	}
	for _, v := range n.Inputs {
		np.Input = append(np.Input, nameOf(v))
	}
	if n.Domain == "" {
		for len(np.Input) < onnxMinInputs[n.Op] {
			np.Input = append(np.Input, "")
		}
	}
	for _, v := range n.Outputs {
		np.Output = append(np.Output, nameOf(v))
	}
	for _, name := range n.AttrNames() {
		ap, err := attrToProto(name, n.Attrs[name])
		if err != nil {
			return nil, fmt.Errorf("%s: attribute %q: %w", n, name, err)
		}
		np.Attribute = append(np.Attribute, ap)
	}
	return np, nil
}

// onnxMinInputs holds the default-domain ops whose ONNX schema wants more
// input slots than their required inputs. The IR drops trailing omitted
// inputs, but Loop's optional M and cond precede its variadic loop-carried
// values, so ONNX (checker and ONNX Runtime) needs both slots written even
// when omitted: Loop(M) must be exported as Loop(M, "").
var onnxMinInputs = map[string]int{"Loop": 2}

// nameOf is a value's name, "" for an omitted slot.
func nameOf(v *ir.Value) string {
	if v == nil {
		return ""
	}
	return v.Name
}

// attrToProto exports one attribute with its type set, whatever its kind.
func attrToProto(name string, a *ir.Attr) (*onnxpb.AttributeProto, error) {
	if a == nil {
		return nil, errors.New("no value")
	}
	ap := &onnxpb.AttributeProto{Name: ptr(name)}
	var kind onnxpb.AttributeProto_AttributeType
	switch a.Kind {
	case ir.AttrFloat:
		kind, ap.F = onnxpb.AttributeProto_FLOAT, ptr(a.F)
	case ir.AttrInt:
		kind, ap.I = onnxpb.AttributeProto_INT, ptr(a.I)
	case ir.AttrString:
		kind, ap.S = onnxpb.AttributeProto_STRING, []byte(a.S)
	case ir.AttrTensor:
		if a.T == nil {
			return nil, errors.New("tensor attribute without a tensor")
		}
		kind, ap.T = onnxpb.AttributeProto_TENSOR, TensorToProto(a.T, "")
	case ir.AttrGraph:
		if a.G == nil {
			return nil, errors.New("graph attribute without a graph")
		}
		g, err := graphToProto(a.G)
		if err != nil {
			return nil, err
		}
		kind, ap.G = onnxpb.AttributeProto_GRAPH, g
	case ir.AttrFloats:
		kind, ap.Floats = onnxpb.AttributeProto_FLOATS, append([]float32{}, a.Floats...)
	case ir.AttrInts:
		kind, ap.Ints = onnxpb.AttributeProto_INTS, append([]int64{}, a.Ints...)
	case ir.AttrStrings:
		kind = onnxpb.AttributeProto_STRINGS
		for _, s := range a.Strings {
			ap.Strings = append(ap.Strings, []byte(s))
		}
	case ir.AttrTensors:
		kind = onnxpb.AttributeProto_TENSORS
		for i, t := range a.Tensors {
			if t == nil {
				return nil, fmt.Errorf("tensor %d is missing", i)
			}
			ap.Tensors = append(ap.Tensors, TensorToProto(t, ""))
		}
	case ir.AttrGraphs:
		kind = onnxpb.AttributeProto_GRAPHS
		for i, sg := range a.Graphs {
			if sg == nil {
				return nil, fmt.Errorf("graph %d is missing", i)
			}
			g, err := graphToProto(sg)
			if err != nil {
				return nil, err
			}
			ap.Graphs = append(ap.Graphs, g)
		}
	case ir.AttrType:
		if a.Type == nil {
			return nil, errors.New("type attribute without a type")
		}
		kind, ap.Tp = onnxpb.AttributeProto_TYPE_PROTO, exportType(*a.Type)
	case ir.AttrTypes:
		kind = onnxpb.AttributeProto_TYPE_PROTOS
		for _, t := range a.Types {
			ap.TypeProtos = append(ap.TypeProtos, exportType(t))
		}
	default:
		return nil, fmt.Errorf("cannot export attribute kind %s", a.Kind)
	}
	ap.Type = &kind
	return ap, nil
}

// Encode exports a model and serializes it. Serialization is deterministic,
// so equal models encode to equal bytes. Protobuf messages cannot exceed
// 2 GiB; a larger model is an error rather than a file no reader accepts.
func Encode(m *ir.Model) ([]byte, error) {
	mp, err := ToProto(m)
	if err != nil {
		return nil, err
	}
	if size := proto.Size(mp); size > math.MaxInt32 {
		return nil, fmt.Errorf("export: model needs %d bytes, over protobuf's 2 GiB limit", size)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(mp)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return b, nil
}

// Save writes a model to path atomically: it writes a temporary file in the
// same folder and renames it over path, so readers see either the old file
// or the complete new one, never a partial write.
func Save(m *ir.Model, path string) error {
	b, err := Encode(m)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o644)
}
