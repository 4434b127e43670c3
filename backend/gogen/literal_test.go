package gogen

import (
	"math"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestFloatLiterals(t *testing.T) {
	for _, c := range []struct {
		f    float32
		want string
	}{
		{0.1, "0.1"}, {-2.5, "-2.5"}, {1e-45, "1e-45"}, {0, "0"},
		{float32(math.Copysign(0, -1)), "aot.F32(0x80000000)"},
		{float32(math.Inf(1)), "aot.F32(0x7f800000)"},
		{float32(math.Inf(-1)), "aot.F32(0xff800000)"},
	} {
		if got := f32Lit(c.f); got != c.want {
			t.Errorf("f32Lit(%v) = %s, want %s", c.f, got, c.want)
		}
	}
	if got := f32Lit(float32(math.NaN())); got != "aot.F32(0x7fc00000)" {
		t.Errorf("NaN written as %s", got)
	}
	if got := f64Lit(0.1); got != "0.1" {
		t.Errorf("f64Lit(0.1) = %s", got)
	}
}

func TestAttrLiterals(t *testing.T) {
	attrs := map[string]*ir.Attr{
		"b": ir.IntAttr(3),
		"a": {Kind: ir.AttrFloats, Floats: []float32{1, 0.5}},
		"t": ir.TensorAttr(ir.FromSlice([]int{2}, []int64{7, -1})),
		"s": {Kind: ir.AttrStrings, Strings: []string{`q"`, "x"}},
	}
	got, err := attrsLit(attrs)
	if err != nil {
		t.Fatal(err)
	}
	want := `map[string]*ir.Attr{"a": {Kind: ir.AttrFloats, Floats: []float32{1, 0.5}}, "b": {Kind: ir.AttrInt, I: 3}, ` +
		`"s": {Kind: ir.AttrStrings, Strings: []string{"q\"", "x"}}, "t": {Kind: ir.AttrTensor, T: ir.FromSlice([]int{2}, []int64{7, -1})}}`
	if got != want {
		t.Errorf("attrsLit =\n%s\nwant\n%s", got, want)
	}
	if _, err := attrsLit(map[string]*ir.Attr{"g": {Kind: ir.AttrGraph}}); err == nil {
		t.Error("a graph attribute was accepted")
	}
	bits, err := tensorLit(ir.FromBits(ir.BFloat16, []int{1}, []uint16{0x3f80}))
	if err != nil || bits != "ir.FromBits(ir.BFloat16, []int{1}, []uint16{16256})" {
		t.Errorf("bfloat16 tensor written as %s (%v)", bits, err)
	}
}

func TestGoNames(t *testing.T) {
	taken := map[string]bool{"m": true}
	for _, c := range []struct {
		in    string
		lower bool
		want  string
	}{
		{"input.1", true, "input1"},
		{"/conv1/Conv_output_0", false, "Conv1ConvOutput0"},
		{"0", true, "x0"},
		{"func", true, "func2"},
		{"m", true, "m2"},
		{"input.1", true, "input12"},
		{"", false, "X"},
	} {
		if got := goName(c.in, c.lower, taken); got != c.want {
			t.Errorf("goName(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
