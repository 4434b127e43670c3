package ir

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FusedDomain holds dlc's own fused operators, which the optimization
// passes (package passes) produce from ONNX patterns. They are not ONNX
// ops: the exporter writes them under this custom domain, and the
// conformance tables (gen_type_constraints.go) do not list them.
const FusedDomain = "dlc"

// Activations are the names of the activation attribute of the fused ops
// ("" is none), with the meaning of activation_alpha and activation_beta
// for each: Clip takes min and max, LeakyRelu its alpha, HardSigmoid its
// alpha and beta; GeluTanh is Gelu's tanh approximation and Silu is
// x*sigmoid(x).
var Activations = []string{"", "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish",
	"Gelu", "GeluTanh", "Silu", "HardSigmoid"}

// activationAttrs declares the attributes every fused op takes to apply an
// activation to its result.
func activationAttrs() []AttrDef {
	return []AttrDef{OptString("activation", ""), OptFloat("activation_alpha", 0), OptFloat("activation_beta", 0)}
}

func checkActivation(n *Node) error {
	if a := n.Str("activation"); !slices.Contains(Activations, a) {
		return fmt.Errorf("unknown activation %q", a)
	}
	return nil
}

// withActivation wraps an Infer with the check of the activation name.
func withActivation(inf func(*Node) error) func(*Node) error {
	return func(n *Node) error {
		if err := checkActivation(n); err != nil {
			return err
		}
		return inf(n)
	}
}

func init() {
	Register(
		&OpDef{Name: "FusedConv", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: append(convAttrs(), activationAttrs()...),
			Infer: withActivation(inferFusedConv),
			Doc:   "Y = act(Conv(X, W, B) + Z): ONNX Conv with optional bias B [M] and residual Z of Y's shape, then the activation"},
		&OpDef{Name: "FusedGemm", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: append([]AttrDef{OptFloat("alpha", 1), OptFloat("beta", 1), OptInt("transA", 0), OptInt("transB", 0)},
				activationAttrs()...),
			Infer: withActivation(inferGemm),
			Doc:   "Y = act(alpha * A' * B' + beta * C): ONNX Gemm, then the activation"},
		&OpDef{Name: "FusedMatMul", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 2, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: append([]AttrDef{OptAttr("perm_a", AttrInts), OptAttr("perm_b", AttrInts), OptAttr("perm_y", AttrInts)}, activationAttrs()...),
			Infer: withActivation(inferFusedMatMul),
			Doc: "Y = Transpose(act(MatMul(A', B') + Bias + Z), perm_y): numpy matmul of A' = Transpose(A, perm_a) and B' = Transpose(B, perm_b) " +
				"plus an optional bias of the last dim and an optional residual Z of the product's shape, then the activation. " +
				"Each perm is optional; perm_a and perm_b keep the operand's last axis among the two matrix axes and perm_y keeps the last axis last " +
				"(strided GEMMs without copies), and perm_y excludes Z"},
		&OpDef{Name: "Elementwise", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{ReqAttr("program", AttrStrings)},
			Infer: inferElementwise,
			Doc: "Y = the last result of program, evaluated per element of the numpy broadcast of X0..Xn (float32): " +
				"each instruction \"Op arg... param...\" applies an ONNX elementwise op (ElemOps) to inputs xI, " +
				"earlier results tJ or float constants, rounded to float32 like the unfused op"},
		&OpDef{Name: "Attention", Domain: FusedDomain, Since: 1, Version: 1, MinInputs: 3, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptAttr("scale", AttrFloat)},
			Infer: inferAttention,
			Doc:   "Y = Softmax(scale * Q Kᵀ + Mask, last axis) V for Q [..., S, D], K [..., T, D], V [..., T, Dv], additive Mask; scale defaults to 1/sqrt(D)"},
	)
}

func inferFusedConv(n *Node) error {
	if err := inferConv(0, 1, Undefined, false)(n); err != nil {
		return err
	}
	if z, y := n.In(3), n.Out(0); z != nil && y != nil {
		t, err := MergeTypes(y.Type, TensorType(y.Type.DType, z.Type.Shape))
		if err != nil {
			return fmt.Errorf("residual Z: %w", err)
		}
		y.Type = t
	}
	return nil
}

// inferAttention: Y has Q's shape with the last dim replaced by V's, batch
// dims broadcast across Q, K and V.
func inferAttention(n *Node) error {
	q, k, v := n.InType(0), n.InType(1), n.InType(2)
	if q.Shape.Rank() == 0 || q.Shape.Rank() == 1 || k.Shape.Rank() == 1 || v.Shape.Rank() == 1 {
		return fmt.Errorf("Q, K and V must have rank >= 2")
	}
	// Q Kᵀ has the matmul shape of Q and K with K's last two dims swapped;
	// the product with V then gives the output shape.
	kt := k.Shape
	if kt.Ranked && len(kt.Dims) >= 2 {
		d := slices.Clone(kt.Dims)
		d[len(d)-1], d[len(d)-2] = d[len(d)-2], d[len(d)-1]
		kt = Shape{Ranked: true, Dims: d}
	}
	s, err := MatMulShape(q.Shape, kt)
	if err != nil {
		return err
	}
	out, err := MatMulShape(s, v.Shape)
	if err != nil {
		return err
	}
	n.SetOut(0, TensorType(q.DType, out))
	return nil
}

// ElemOpInfo is the signature of an instruction of a dlc.Elementwise
// program: how many value operands it reads and how many constant
// parameters follow them.
type ElemOpInfo struct{ Values, Params int }

// ElemOps are the instructions of a dlc.Elementwise program. Each means
// the ONNX op of its name on float32 with the parameters as constants:
// LeakyRelu alpha; HardSigmoid alpha beta; Clip min max; Pow exponent.
// Gelu is the exact form and GeluTanh ONNX Gelu with approximate=tanh.
// Where<Cmp> x c a b is Where(<Cmp>(x, c), a, b) for the comparisons
// Greater, GreaterOrEqual, Less and LessOrEqual (false, so b, where x or
// c is NaN): the gradients of Relu and its relatives, in one pass.
var ElemOps = map[string]ElemOpInfo{
	"Relu": {1, 0}, "Sigmoid": {1, 0}, "Tanh": {1, 0}, "Exp": {1, 0}, "Erf": {1, 0}, "Neg": {1, 0},
	"Abs": {1, 0}, "Sqrt": {1, 0}, "HardSwish": {1, 0}, "Gelu": {1, 0}, "GeluTanh": {1, 0},
	"LeakyRelu": {1, 1}, "HardSigmoid": {1, 2}, "Clip": {1, 2}, "Pow": {1, 1},
	"Add": {2, 0}, "Sub": {2, 0}, "Mul": {2, 0}, "Div": {2, 0}, "Max": {2, 0}, "Min": {2, 0},
	"WhereGreater": {4, 0}, "WhereGreaterOrEqual": {4, 0}, "WhereLess": {4, 0}, "WhereLessOrEqual": {4, 0},
}

// ElemArgKind says where an operand of an instruction comes from.
type ElemArgKind uint8

const (
	ElemInput ElemArgKind = iota // input X<Index>, written "x<Index>"
	ElemTemp                     // the result of instruction Index, written "t<Index>"
	ElemConst                    // the float32 Value, written as a number
)

// ElemArg is one value operand of an instruction.
type ElemArg struct {
	Kind  ElemArgKind
	Index int
	Value float32
}

func (a ElemArg) String() string {
	switch a.Kind {
	case ElemInput:
		return "x" + strconv.Itoa(a.Index)
	case ElemTemp:
		return "t" + strconv.Itoa(a.Index)
	}
	return formatF32(a.Value)
}

// ElemInstr is one instruction: Op (a key of ElemOps) on Args, with Params.
type ElemInstr struct {
	Op     string
	Args   []ElemArg
	Params []float32
}

// String is the instruction's text form, "Op arg... param...".
func (in ElemInstr) String() string {
	parts := []string{in.Op}
	for _, a := range in.Args {
		parts = append(parts, a.String())
	}
	for _, p := range in.Params {
		parts = append(parts, formatF32(p))
	}
	return strings.Join(parts, " ")
}

// ElemProgram is the program of a dlc.Elementwise node: instruction i
// defines t<i>, and the last one is the result.
type ElemProgram []ElemInstr

// Strings is the program's attribute form.
func (p ElemProgram) Strings() []string {
	out := make([]string, len(p))
	for i, in := range p {
		out[i] = in.String()
	}
	return out
}

// formatF32 writes v so that ParseFloat(s, 32) gives v back exactly.
func formatF32(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }

// ParseElemProgram reads and checks the program attribute of a node with
// nInputs inputs: known ops with their operand counts, temps defined
// before use, input indices in range, and every input and every result
// but the last used (so the result has the broadcast shape of all inputs).
func ParseElemProgram(lines []string, nInputs int) (ElemProgram, error) {
	if len(lines) == 0 {
		return nil, fmt.Errorf("empty program")
	}
	used, tused := make([]bool, nInputs), make([]bool, len(lines))
	tused[len(lines)-1] = true
	p := make(ElemProgram, len(lines))
	for i, line := range lines {
		f := strings.Fields(line)
		if len(f) == 0 {
			return nil, fmt.Errorf("instruction %d is empty", i)
		}
		info, ok := ElemOps[f[0]]
		if !ok {
			return nil, fmt.Errorf("instruction %d: unknown op %q", i, f[0])
		}
		if len(f) != 1+info.Values+info.Params {
			return nil, fmt.Errorf("instruction %d (%q): %s takes %d operands and %d parameters", i, line, f[0], info.Values, info.Params)
		}
		in := ElemInstr{Op: f[0]}
		for j, s := range f[1:] {
			a, err := parseElemArg(s, i, nInputs)
			if err != nil {
				return nil, fmt.Errorf("instruction %d (%q): %w", i, line, err)
			}
			if j >= info.Values {
				if a.Kind != ElemConst {
					return nil, fmt.Errorf("instruction %d (%q): parameter %q is not a constant", i, line, s)
				}
				in.Params = append(in.Params, a.Value)
				continue
			}
			switch a.Kind {
			case ElemInput:
				used[a.Index] = true
			case ElemTemp:
				tused[a.Index] = true
			}
			in.Args = append(in.Args, a)
		}
		p[i] = in
	}
	if i := slices.Index(used, false); i >= 0 {
		return nil, fmt.Errorf("input %d is not used by the program", i)
	}
	if i := slices.Index(tused, false); i >= 0 {
		return nil, fmt.Errorf("the result t%d of instruction %d is not used", i, i)
	}
	return p, nil
}

// parseElemArg reads xI, tJ (J < at) or a float32 constant.
func parseElemArg(s string, at, nInputs int) (ElemArg, error) {
	if rest, ok := strings.CutPrefix(s, "x"); ok {
		i, err := strconv.Atoi(rest)
		if err != nil || i < 0 || i >= nInputs {
			return ElemArg{}, fmt.Errorf("bad input %q (%d inputs)", s, nInputs)
		}
		return ElemArg{Kind: ElemInput, Index: i}, nil
	}
	if rest, ok := strings.CutPrefix(s, "t"); ok {
		i, err := strconv.Atoi(rest)
		if err != nil || i < 0 || i >= at {
			return ElemArg{}, fmt.Errorf("bad temp %q (not defined before instruction %d)", s, at)
		}
		return ElemArg{Kind: ElemTemp, Index: i}, nil
	}
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		return ElemArg{}, fmt.Errorf("bad operand %q", s)
	}
	return ElemArg{Kind: ElemConst, Value: float32(v)}, nil
}

// inferElementwise: float32 inputs, all present; Y is their broadcast.
func inferElementwise(n *Node) error {
	shapes := make([]Shape, len(n.Inputs))
	for i, v := range n.Inputs {
		if v == nil {
			return fmt.Errorf("input %d is omitted", i)
		}
		if dt := v.Type.DType; dt != Float32 && dt != Undefined {
			return fmt.Errorf("input %d is %s, want float32", i, dt)
		}
		shapes[i] = v.Type.Shape
	}
	if _, err := ParseElemProgram(n.Strings("program"), len(n.Inputs)); err != nil {
		return err
	}
	s, err := BroadcastShapes(shapes...)
	if err != nil {
		return err
	}
	n.SetOut(0, TensorType(Float32, s))
	return nil
}
