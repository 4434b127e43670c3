package ir

import (
	"slices"
	"strings"
	"testing"
)

// Every table entry names a registered default-domain op, and its slots
// and variables are well formed.
func TestTypeConstraintTable(t *testing.T) {
	keys := TypeConstraintKeys()
	if len(keys) < 150 {
		t.Fatalf("%d ops have type constraints, want most of the default domain", len(keys))
	}
	for _, k := range keys {
		d := LookupOp(DefaultDomain, k)
		if d == nil || d.Key() != k {
			t.Errorf("%s: type constraints for an op that is not registered", k)
			continue
		}
		ts := TypeConstraints(k)
		if d.MaxInputs >= 0 && len(ts.Inputs) > d.MaxInputs {
			t.Errorf("%s: %d constrained slots, op takes at most %d inputs", k, len(ts.Inputs), d.MaxInputs)
		}
		if ts.Variadic != (d.MaxInputs < 0) {
			t.Errorf("%s: table variadic %v, op MaxInputs %d", k, ts.Variadic, d.MaxInputs)
		}
		for _, s := range ts.Inputs {
			if s.Var >= len(ts.Vars) {
				t.Errorf("%s: slot %q names variable %d of %d", k, s.Name, s.Var, len(ts.Vars))
			}
		}
		for _, v := range ts.Vars {
			if len(v.DTypes) == 0 {
				t.Errorf("%s: variable %s admits nothing", k, v.Name)
			}
			for _, dt := range v.DTypes {
				if !dt.Supported() {
					t.Errorf("%s: variable %s admits %s", k, v.Name, dt)
				}
				// Leniency: wherever float16 is allowed, so is bfloat16.
				if dt == Float16 && !slices.Contains(v.DTypes, BFloat16) {
					t.Errorf("%s: variable %s admits f16 but not bf16", k, v.Name)
				}
			}
		}
	}
}

func tcGraph(dts ...DType) (*Graph, []*Value) {
	g := NewGraph("g")
	var vs []*Value
	for i, dt := range dts {
		vs = append(vs, g.AddInput(string(rune('a'+i)), TensorType(dt, ShapeOf(2))))
	}
	return g, vs
}

func TestCheckTypesRefusesAtAddNode(t *testing.T) {
	cases := []struct {
		op   string
		dts  []DType
		want string
	}{
		{"Reshape", []DType{Float32, Float32}, `input 1 ("shape") is f32, wants one of i64`},
		{"Conv", []DType{Int32, Int32}, `input 0 ("X") is i32, wants one of f16, bf16, f32, f64`},
		{"Add", []DType{Float32, Int64}, `input 1 ("B") is i64 but input 0 ("A") is f32: dtypes bound to T differ`},
		{"Where", []DType{Float32, Float32, Float32}, `input 0 ("condition") is f32, wants one of bool`},
		{"Sum", []DType{Float32, Float32, Float16}, `input 2 ("data_0") is f16 but input 0 ("data_0") is f32`},
		{"Gather", []DType{Float32, Float32}, `input 1 ("indices") is f32, wants one of i32, i64`},
	}
	for _, c := range cases {
		g, in := tcGraph(c.dts...)
		_, err := g.AddNode(NodeSpec{Op: c.op, Name: "n0", Inputs: in, Outputs: []string{"y"}})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "n0") {
			t.Errorf("%s%v: error %v, want one naming n0 and containing %q", c.op, c.dts, err, c.want)
		}
		if len(g.Nodes) != 0 {
			t.Errorf("%s: refused node was added", c.op)
		}
	}
}

func TestCheckTypesAccepts(t *testing.T) {
	cases := []struct {
		op  string
		dts []DType
	}{
		{"Add", []DType{BFloat16, BFloat16}},             // opset 22 widening
		{"Add", []DType{Float32, Undefined}},             // unknown dtypes are not checked
		{"Equal", []DType{String, String}},               // Equal-19
		{"QuantizeLinear", []DType{Float16, Float32}},    // x and scale are not tied
		{"Reshape", []DType{Float32, Int64}},             // the common case
		{"ReduceMax", []DType{Bool, Int64}},              // ReduceMax-20
		{"Slice", []DType{Float32, Int32, Int32, Int32}}, // Tind shared
		{"Pow", []DType{Float32, Int64}},                 // exponent has its own T1
		{"GridSample", []DType{Float32, Float64}},        // grid is T2, not X's T1
	}
	for _, c := range cases {
		g, in := tcGraph(c.dts...)
		if _, err := g.AddNode(NodeSpec{Op: c.op, Inputs: in, Outputs: []string{"y"}}); err != nil {
			t.Errorf("%s%v: %v", c.op, c.dts, err)
		}
	}
	// Scan's carried values and scan inputs (heterogeneous variadic) may
	// each have their own dtype; Scan needs a body, so check the node alone.
	_, in := tcGraph(Float32, Int64, Bool)
	n := &Node{Op: "Scan", Def: LookupOp("", "Scan"), Inputs: in}
	if err := CheckTypes(n); err != nil {
		t.Errorf("Scan: %v", err)
	}
	// Sequence values are not checked against tensor slots.
	g := NewGraph("g")
	s := g.AddInput("s", SequenceOf(TensorType(Float32, ShapeOf())))
	n = &Node{Op: "Reshape", Def: LookupOp("", "Reshape"), Inputs: []*Value{s, s}}
	if err := CheckTypes(n); err != nil {
		t.Errorf("sequence input: %v", err)
	}
}

// Verify catches a node whose input dtype was changed after it was built.
func TestVerifyChecksTypes(t *testing.T) {
	g, in := tcGraph(Float32, Int64)
	n, err := g.AddNode(NodeSpec{Op: "Reshape", Inputs: in, Outputs: []string{"y"}})
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = append(g.Outputs, n.Outputs[0])
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
	in[1].Type.DType = Float32
	if err := Verify(g); err == nil || !strings.Contains(err.Error(), `input 1 ("shape") is f32`) {
		t.Errorf("Verify: %v, want the type error", err)
	}
}
