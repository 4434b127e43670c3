package gogen

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/dlc-go/dlc/ir"
)

// Go literals for the values a program carries in its tables: attributes
// (with their small tensors), shapes, names.

// attrsLit writes an attribute map as a Go composite literal, keys
// sorted so the output is stable.
func attrsLit(attrs map[string]*ir.Attr) (string, error) {
	if len(attrs) == 0 {
		return "nil", nil
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("map[string]*ir.Attr{")
	for i, k := range keys {
		lit, err := attrLit(attrs[k])
		if err != nil {
			return "", fmt.Errorf("attribute %q: %w", k, err)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %s", strconv.Quote(k), lit)
	}
	b.WriteString("}")
	return b.String(), nil
}

func attrLit(a *ir.Attr) (string, error) {
	switch a.Kind {
	case ir.AttrFloat:
		return fmt.Sprintf("{Kind: ir.AttrFloat, F: %s}", f32Lit(a.F)), nil
	case ir.AttrInt:
		return fmt.Sprintf("{Kind: ir.AttrInt, I: %d}", a.I), nil
	case ir.AttrString:
		return fmt.Sprintf("{Kind: ir.AttrString, S: %s}", strconv.Quote(a.S)), nil
	case ir.AttrFloats:
		return fmt.Sprintf("{Kind: ir.AttrFloats, Floats: %s}", sliceLit("float32", len(a.Floats), func(i int) string { return f32Lit(a.Floats[i]) })), nil
	case ir.AttrInts:
		return fmt.Sprintf("{Kind: ir.AttrInts, Ints: %s}", sliceLit("int64", len(a.Ints), func(i int) string { return strconv.FormatInt(a.Ints[i], 10) })), nil
	case ir.AttrStrings:
		return fmt.Sprintf("{Kind: ir.AttrStrings, Strings: %s}", sliceLit("string", len(a.Strings), func(i int) string { return strconv.Quote(a.Strings[i]) })), nil
	case ir.AttrTensor:
		t, err := tensorLit(a.T)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("{Kind: ir.AttrTensor, T: %s}", t), nil
	}
	return "", fmt.Errorf("a %s attribute cannot be compiled", a.Kind)
}

// maxAttrTensor bounds the tensors written inline as attributes.
const maxAttrTensor = 1 << 16

func tensorLit(t *ir.Tensor) (string, error) {
	if t == nil {
		return "nil", nil
	}
	n := t.Len()
	if n > maxAttrTensor {
		return "", fmt.Errorf("a %s tensor attribute is too large to write inline", t)
	}
	shape := intsLit(t.Shape)
	var elems string
	switch d := t.Data.(type) {
	case []float32:
		elems = sliceLit("float32", n, func(i int) string { return f32Lit(d[i]) })
	case []float64:
		elems = sliceLit("float64", n, func(i int) string { return f64Lit(d[i]) })
	case []int64:
		elems = sliceLit("int64", n, func(i int) string { return strconv.FormatInt(d[i], 10) })
	case []int32:
		elems = sliceLit("int32", n, func(i int) string { return strconv.FormatInt(int64(d[i]), 10) })
	case []int16:
		elems = sliceLit("int16", n, func(i int) string { return strconv.FormatInt(int64(d[i]), 10) })
	case []int8:
		elems = sliceLit("int8", n, func(i int) string { return strconv.FormatInt(int64(d[i]), 10) })
	case []uint8:
		elems = sliceLit("uint8", n, func(i int) string { return strconv.FormatUint(uint64(d[i]), 10) })
	case []uint32:
		elems = sliceLit("uint32", n, func(i int) string { return strconv.FormatUint(uint64(d[i]), 10) })
	case []uint64:
		elems = sliceLit("uint64", n, func(i int) string { return strconv.FormatUint(d[i], 10) })
	case []bool:
		elems = sliceLit("bool", n, func(i int) string { return strconv.FormatBool(d[i]) })
	case []uint16:
		if t.DType != ir.Uint16 {
			bits := sliceLit("uint16", n, func(i int) string { return strconv.FormatUint(uint64(d[i]), 10) })
			return fmt.Sprintf("ir.FromBits(%s, %s, %s)", dtypeLit(t.DType), shape, bits), nil
		}
		elems = sliceLit("uint16", n, func(i int) string { return strconv.FormatUint(uint64(d[i]), 10) })
	case []string:
		elems = sliceLit("string", n, func(i int) string { return strconv.Quote(d[i]) })
	default:
		return "", fmt.Errorf("a %s tensor attribute cannot be compiled", t.DType)
	}
	return fmt.Sprintf("ir.FromSlice(%s, %s)", shape, elems), nil
}

func sliceLit(elem string, n int, item func(int) string) string {
	var b strings.Builder
	b.WriteString("[]" + elem + "{")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(item(i))
	}
	b.WriteString("}")
	return b.String()
}

func intsLit(s []int) string {
	return sliceLit("int", len(s), func(i int) string { return strconv.Itoa(s[i]) })
}

// f32Lit writes a float32 exactly; NaN and infinities through their bits.
func f32Lit(f float32) string {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return fmt.Sprintf("aot.F32(%#08x)", math.Float32bits(f))
	}
	s := strconv.FormatFloat(float64(f), 'g', -1, 32)
	if f == 0 && math.Signbit(float64(f)) {
		return "aot.F32(0x80000000)"
	}
	return s
}

func f64Lit(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) || (f == 0 && math.Signbit(f)) {
		return fmt.Sprintf("aot.F64(%#016x)", math.Float64bits(f))
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// dtypeLit names a dtype's constant in package ir.
func dtypeLit(dt ir.DType) string {
	name, ok := dtypeNames[dt]
	if !ok {
		return fmt.Sprintf("ir.DType(%d)", int(dt))
	}
	return "ir." + name
}

var dtypeNames = map[ir.DType]string{
	ir.Float32: "Float32", ir.Float64: "Float64", ir.Float16: "Float16", ir.BFloat16: "BFloat16",
	ir.Int8: "Int8", ir.Int16: "Int16", ir.Int32: "Int32", ir.Int64: "Int64",
	ir.Uint8: "Uint8", ir.Uint16: "Uint16", ir.Uint32: "Uint32", ir.Uint64: "Uint64",
	ir.Bool: "Bool", ir.String: "String",
}

// goElem is the Go element type of a dtype's tensors.
func goElem(dt ir.DType) string {
	switch dt {
	case ir.Float16, ir.BFloat16:
		return "uint16"
	}
	name := strings.ToLower(dtypeNames[dt])
	return name
}
