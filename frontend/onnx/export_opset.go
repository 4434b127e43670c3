package onnx

import (
	"slices"
	"sort"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// This file decides which default-domain opset and IR version an export
// declares: the smallest that give every node the form dlc's IR holds.

// exportOpsets builds the opset imports: the default domain at
// exportOpset, other imported domains as they were, and every domain a
// node uses.
func exportOpsets(m *ir.Model) []*onnxpb.OperatorSetIdProto {
	vers := map[string]int64{}
	for d, v := range m.Opsets {
		if d != "" {
			vers[d] = v
		}
	}
	vers[""] = exportOpset(m)
	m.Graph.Walk(func(n *ir.Node) {
		if _, ok := vers[n.Domain]; !ok {
			vers[n.Domain] = max(supportedDomains[n.Domain], 1)
		}
	})
	domains := make([]string, 0, len(vers))
	for d := range vers {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	out := make([]*onnxpb.OperatorSetIdProto, 0, len(domains))
	for _, d := range domains {
		out = append(out, &onnxpb.OperatorSetIdProto{Domain: ptr(d), Version: ptr(vers[d])})
	}
	return out
}

// exportOpset is the default-domain opset an export declares: the
// smallest at which every node of the graph (subgraphs included) is valid
// and means what the IR means by it, that is the highest nodeVersion. A
// graph without default-domain nodes keeps its imported opset (1 when
// none was imported).
func exportOpset(m *ir.Model) int64 {
	var need int64
	m.Graph.Walk(func(n *ir.Node) {
		if n.Domain == "" || n.Domain == "ai.onnx" {
			need = max(need, nodeVersion(n))
		}
	})
	if need == 0 {
		need = m.Opsets[""]
		if need < MinOpset || need > MaxOpset {
			need = MinOpset
		}
	}
	return need
}

// nodeVersion is the oldest opset whose version of n's op accepts n as
// dlc's IR holds it. The rule:
//
//   - OpDef.Version is the op's newest version up to MaxOpset that changed
//     its form: inputs, outputs, attributes or meaning. Every node needs
//     at least that version: an older one would read the node with older
//     semantics (and dlc's importer would apply a legacy converter to it).
//   - Later versions that only widened the op (new input types, or an
//     optional attribute, input or attribute value whose absence means the
//     old behaviour) are listed in opExtensions; a node needs such a
//     version only when it uses what the version added: a bfloat16 Conv
//     needs Conv(22), a float32 Conv is Conv(11).
//
// An op without a recorded Version, or unknown to the registry, gets
// MaxOpset: the newest opset is always right, only needlessly new.
func nodeVersion(n *ir.Node) int64 {
	d := ir.LookupOp(ir.DefaultDomain, n.Op)
	if d == nil || d.Version == 0 {
		return MaxOpset
	}
	v := d.Version
	for _, e := range opExtensions[n.Op] {
		if e.version > v && e.uses(n) {
			v = e.version
		}
	}
	return int64(v)
}

// extension is a version of an op that only widened it: nodes for which
// uses reports true need it, others are valid at the op's Version.
type extension struct {
	version int
	uses    func(n *ir.Node) bool
}

// opExtensions lists, per default-domain op, its versions after
// OpDef.Version up to MaxOpset that only widened it, with what each added.
// Versions up to 17 come from the ONNX schemas (a version whose inputs,
// outputs and attributes are those of the one before and whose type
// constraints only grew); 18 to 22 from the ONNX changelog. Additions of
// types dlc cannot hold (float8, int4) are left out. Opset 22 only added
// bfloat16 to the ops listed in bf16In22.
var opExtensions = map[string][]extension{
	"Add":     {{13, dtypes(ir.BFloat16)}, {14, dtypes(small...)}},
	"Sub":     {{13, dtypes(ir.BFloat16)}, {14, dtypes(small...)}},
	"Mul":     {{13, dtypes(ir.BFloat16)}, {14, dtypes(small...)}},
	"Div":     {{13, dtypes(ir.BFloat16)}, {14, dtypes(small...)}},
	"Relu":    {{13, dtypes(ir.BFloat16)}, {14, dtypes(ir.Int8, ir.Int16, ir.Int32, ir.Int64)}},
	"Clip":    {{12, dtypes(ints...)}, {13, dtypes(ir.BFloat16)}},
	"Max":     {{12, dtypes(ints...)}, {13, dtypes(ir.BFloat16)}},
	"Min":     {{12, dtypes(ints...)}, {13, dtypes(ir.BFloat16)}},
	"Pow":     {{12, dtypes(ints...)}, {15, dtypes(ir.BFloat16)}},
	"Greater": {{9, dtypes(ints...)}, {13, dtypes(ir.BFloat16)}},
	"Less":    {{9, dtypes(ints...)}, {13, dtypes(ir.BFloat16)}},
	"Equal": {{11, dtypes(ir.Float16, ir.Float32, ir.Float64, ir.Int8, ir.Int16, ir.Uint8, ir.Uint16, ir.Uint32, ir.Uint64)},
		{13, dtypes(ir.BFloat16)}, {19, dtypes(ir.String)}},
	"MatMul":         {{9, dtypes(ir.Int32, ir.Int64, ir.Uint32, ir.Uint64)}, {13, dtypes(ir.BFloat16)}},
	"PRelu":          {{9, dtypes(ir.Int32, ir.Int64, ir.Uint32, ir.Uint64)}, {16, dtypes(ir.BFloat16)}},
	"Cast":           {{9, dtypes(ir.String)}, {13, dtypes(ir.BFloat16)}, {19, hasAttr("saturate")}},
	"CastLike":       {{19, hasAttr("saturate")}},
	"CumSum":         {{14, dtypes(ir.Float16, ir.BFloat16)}},
	"GreaterOrEqual": {{16, dtypes(ir.BFloat16)}},
	"LessOrEqual":    {{16, dtypes(ir.BFloat16)}},
	"LeakyRelu":      {{16, dtypes(ir.BFloat16)}},
	"Where":          {{16, dtypes(ir.BFloat16)}},
	"Scan":           {{16, dtypes(ir.BFloat16)}},
	"Identity":       {{13, dtypes(ir.BFloat16)}, {14, kinds(ir.SequenceKind)}, {16, kinds(ir.OptionalKind)}},
	"If":             {{13, kinds(ir.SequenceKind)}, {16, either(kinds(ir.OptionalKind), dtypes(ir.BFloat16))}},
	"Loop":           {{13, kinds(ir.SequenceKind)}, {16, either(kinds(ir.OptionalKind), dtypes(ir.BFloat16))}},
	"MaxPool":        {{12, dtypes(ir.Int8, ir.Uint8)}},
	"Pad": {{13, dtypes(ir.BFloat16, ir.Bool, ir.String)},
		{18, hasInput(3)}, {19, attrIs("mode", "wrap")}},
	"Resize": {{18, hasAttr("antialias", "axes", "keep_aspect_ratio_policy")},
		{19, attrIs("coordinate_transformation_mode", "half_pixel_symmetric")}},
	"AveragePool":     {{19, hasAttr("dilations")}},
	"LpPool":          {{18, hasAttr("ceil_mode", "dilations")}},
	"ScatterElements": {{18, attrIs("reduction", "max", "min")}},
	"ScatterND":       {{18, attrIs("reduction", "max", "min")}},
	"ReduceMax":       {{20, dtypes(ir.Bool)}},
	"ReduceMin":       {{20, dtypes(ir.Bool)}},
	"QuantizeLinear": {{19, either(hasAttr("saturate"), dtypes(ir.Float16, ir.BFloat16))},
		{21, either(hasAttr("block_size", "output_dtype"), dtypes(ir.Int16, ir.Uint16))}},
	"DequantizeLinear": {{19, dtypes(ir.Float16, ir.BFloat16)},
		{21, either(hasAttr("block_size"), dtypes(ir.Int16, ir.Uint16))}},
	"QLinearMatMul":      {{21, dtypes(ir.Float16, ir.BFloat16)}},
	"IsInf":              {{20, dtypes(ir.Float16, ir.BFloat16)}},
	"ConstantOfShape":    {{20, dtypes(ir.BFloat16)}},
	"OptionalGetElement": {{18, notOptionalInput}},
	"OptionalHasElement": {{18, notOptionalInput}},
}

// bf16In13 are the ops whose version 13 only added bfloat16 after their
// Version; bf16In22 those whose version 22 did.
var (
	bf16In13 = []string{"Abs", "ArgMax", "ArgMin", "Ceil", "Concat", "Constant", "DepthToSpace", "Dropout",
		"Erf", "Exp", "Expand", "Flatten", "Floor", "Gather", "GatherElements", "GatherND", "Gemm",
		"IsNaN", "LRN", "Log", "Mean", "MeanVarianceNormalization", "Mod", "Neg", "NonZero", "Reciprocal",
		"Sigmoid", "Sign", "Size", "Slice", "SoftmaxCrossEntropyLoss", "SpaceToDepth", "Sqrt", "Sum",
		"Tanh", "Tile", "Transpose"}
	bf16In22 = []string{"Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "AveragePool", "Bernoulli",
		"Conv", "ConvTranspose", "Cos", "Cosh", "DeformConv", "Det", "Dropout", "Elu", "EyeLike",
		"GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "GridSample", "GRU", "HardSigmoid",
		"HardSwish", "InstanceNormalization", "LpNormalization", "LpPool", "LSTM", "MaxPool",
		"MaxRoiPool", "MaxUnpool", "Mish", "Multinomial", "NegativeLogLikelihoodLoss", "RandomNormal",
		"RandomNormalLike", "RandomUniform", "RandomUniformLike", "RNN", "RoiAlign", "Round", "Selu",
		"Sin", "Sinh", "Softplus", "Softsign", "Tan", "ThresholdedRelu"}
)

func init() {
	for _, op := range bf16In13 {
		opExtensions[op] = append(opExtensions[op], extension{13, dtypes(ir.BFloat16)})
	}
	for _, op := range bf16In22 {
		opExtensions[op] = append(opExtensions[op], extension{22, dtypes(ir.BFloat16)})
	}
}

// small and ints are the integer dtypes that versions 14 of the
// arithmetic ops and 9 and 12 of comparisons, Clip, Max, Min and Pow added.
var (
	small = []ir.DType{ir.Int8, ir.Uint8, ir.Int16, ir.Uint16}
	ints  = []ir.DType{ir.Int8, ir.Uint8, ir.Int16, ir.Uint16, ir.Int32, ir.Uint32, ir.Int64, ir.Uint64}
)

// dtypes: some input or output of the node has (or holds, through a
// sequence or optional) one of dts. A value whose dtype is unknown counts
// as having it: only a version that allows every type is safe for it.
func dtypes(dts ...ir.DType) func(*ir.Node) bool {
	return func(n *ir.Node) bool {
		return anyValue(n, func(t ir.Type) bool {
			for t.Kind != ir.TensorKind && t.Elem != nil {
				t = *t.Elem
			}
			return t.Kind != ir.TensorKind || t.DType == ir.Undefined || slices.Contains(dts, t.DType)
		})
	}
}

// kinds: some input or output of the node is a sequence or optional of
// the given kinds, or of unknown type.
func kinds(ks ...ir.TypeKind) func(*ir.Node) bool {
	return func(n *ir.Node) bool {
		return anyValue(n, func(t ir.Type) bool {
			return slices.Contains(ks, t.Kind) || t.Kind == ir.TensorKind && t.DType == ir.Undefined
		})
	}
}

// anyValue reports whether f holds for the type of an input or output.
func anyValue(n *ir.Node, f func(ir.Type) bool) bool {
	for _, vs := range [][]*ir.Value{n.Inputs, n.Outputs} {
		for _, v := range vs {
			if v != nil && f(v.Type) {
				return true
			}
		}
	}
	return false
}

// either: one of the conditions holds.
func either(fs ...func(*ir.Node) bool) func(*ir.Node) bool {
	return func(n *ir.Node) bool {
		for _, f := range fs {
			if f(n) {
				return true
			}
		}
		return false
	}
}

// hasAttr: the node sets one of the attributes.
func hasAttr(names ...string) func(*ir.Node) bool {
	return func(n *ir.Node) bool {
		for _, name := range names {
			if n.Attrs[name] != nil {
				return true
			}
		}
		return false
	}
}

// attrIs: the node sets a string attribute to one of vals.
func attrIs(name string, vals ...string) func(*ir.Node) bool {
	return func(n *ir.Node) bool {
		a := n.Attrs[name]
		return a != nil && slices.Contains(vals, a.S)
	}
}

// hasInput: the node has input slot i.
func hasInput(i int) func(*ir.Node) bool {
	return func(n *ir.Node) bool { return i < len(n.Inputs) && n.Inputs[i] != nil }
}

// notOptionalInput: the node's input is absent or not an optional (opset
// 18 let OptionalHasElement and OptionalGetElement take tensors and
// sequences, and OptionalHasElement no input).
func notOptionalInput(n *ir.Node) bool {
	return len(n.Inputs) == 0 || n.Inputs[0] == nil || n.Inputs[0].Type.Kind != ir.OptionalKind
}

// exportIRVersion is the ONNX IR version of the ONNX release that
// introduced the exported default-domain opset, so that runtimes old
// enough to know only that opset accept the file. It is at least 4, which
// initializers that are not graph inputs need, at least 7 when the
// training domain is imported (ONNX 1.7 introduced it), and never below
// the imported IR version when the model imports domains dlc does not
// know, whose versions may need it.
func exportIRVersion(m *ir.Model, opsets []*onnxpb.OperatorSetIdProto) int64 {
	var v int64 = 4
	for _, o := range opsets {
		switch o.GetDomain() {
		case "", "ai.onnx":
			v = max(v, irVersionOf(o.GetVersion()))
		case ir.TrainingDomain:
			v = max(v, 7)
		default:
			v = max(v, m.IRVersion)
		}
	}
	return v
}

// irVersionOf maps a default-domain opset to the IR version of the ONNX
// release that introduced it (ONNX's helper.VERSION_TABLE).
func irVersionOf(opset int64) int64 {
	switch {
	case opset >= 21:
		return 10
	case opset >= 19:
		return 9
	case opset >= 15:
		return 8
	case opset >= 12:
		return 7
	case opset >= 11:
		return 6
	case opset >= 10:
		return 5
	case opset >= 9:
		return 4
	}
	return 3
}
