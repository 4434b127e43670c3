package onnx

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// tbRun prepares m and runs it on inputs, returning output 0.
func tbRun(t *testing.T, m *ir.Model, inputs map[string]ir.Data) *ir.Tensor {
	t.Helper()
	s, err := runtime.New(m, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Run(inputs)
	if err != nil {
		t.Fatal(err)
	}
	return out[0].(*ir.Tensor)
}

// tbWantValues checks a tensor's shape and values (as float64, exactly).
func tbWantValues(t *testing.T, got *ir.Tensor, shape []int, want ...float64) {
	t.Helper()
	if len(got.Shape) != len(shape) {
		t.Fatalf("shape %v, want %v", got.Shape, shape)
	}
	for i := range shape {
		if got.Shape[i] != shape[i] {
			t.Fatalf("shape %v, want %v", got.Shape, shape)
		}
	}
	for i, w := range want {
		if g := got.Float64At(i); g != w {
			t.Errorf("value %d = %v, want %v (all: %v)", i, g, w, got.Float64s())
		}
	}
}

func TestImportExternalData(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	// 8 bytes of something else, then the 6 floats, then a tail.
	raw := make([]byte, 8, 40)
	for _, v := range []float32{1, 2, 3, 4, 5, 6} {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	raw = append(raw, 0xde, 0xad, 0xbe, 0xef)
	if err := os.WriteFile(filepath.Join(dir, "data", "w.bin"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"data/w.bin", "./data/../data/w.bin"} {
		mp := tbConcatModel()
		tbSetExternal(mp.Graph.Initializer[0], loc, "offset", "8", "length", "24")
		path := filepath.Join(dir, "model.onnx")
		if err := os.WriteFile(path, tbMarshal(t, mp), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", loc, err)
		}
		y := tbRun(t, m, map[string]ir.Data{"x": ir.FromSlice([]int{1, 3}, []float32{-1, -2, -3})})
		tbWantValues(t, y, []int{3, 3}, -1, -2, -3, 1, 2, 3, 4, 5, 6)
	}
	// Without a length, the data runs to the end of the file: 28 bytes
	// after offset 8 do not make 6 floats.
	mp := tbConcatModel()
	tbSetExternal(mp.Graph.Initializer[0], "data/w.bin", "offset", "8")
	_, err := tbDecode(t, tbMarshal(t, mp), dir)
	tbWantErr(t, err, `"w"`, "28 bytes")
}

func TestImportSparseInitializer(t *testing.T) {
	cases := []struct {
		name    string
		indices *onnxpb.TensorProto
	}{
		{"flat", TensorToProto(ir.FromSlice([]int{3}, []int64{0, 4, 5}), "")},
		{"coordinates", TensorToProto(ir.FromSlice([]int{3, 2}, []int64{0, 0, 1, 1, 1, 2}), "")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := tbConcatModel()
			mp.Graph.Initializer = nil
			mp.Graph.SparseInitializer = []*onnxpb.SparseTensorProto{{
				Values:  pbFloats("w", []int{3}, 7, 8, 9),
				Indices: c.indices,
				Dims:    []int64{2, 3},
			}}
			m, err := tbDecode(t, tbMarshal(t, mp), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Graph.Inits) != 1 || m.Graph.Inits[0].Name != "w" {
				t.Fatalf("initializers %v, want w", m.Graph.Inits)
			}
			tbWantValues(t, m.Graph.Inits[0].Init, []int{2, 3}, 7, 0, 0, 0, 8, 9)
			y := tbRun(t, m, map[string]ir.Data{"x": ir.FromSlice([]int{0, 3}, []float32{})})
			tbWantValues(t, y, []int{2, 3}, 7, 0, 0, 0, 8, 9)
		})
	}
	t.Run("out-of-range", func(t *testing.T) {
		mp := tbConcatModel()
		mp.Graph.Initializer = nil
		mp.Graph.SparseInitializer = []*onnxpb.SparseTensorProto{{
			Values: pbFloats("w", []int{1}, 7), Indices: TensorToProto(ir.FromSlice([]int{1}, []int64{6}), ""), Dims: []int64{2, 3}}}
		_, err := tbDecode(t, tbMarshal(t, mp), "")
		tbWantErr(t, err, `"w"`, "out of range")
	})
}

func TestImportFunctionInlined(t *testing.T) {
	a := ir.FromSlice([]int{2, 2}, []float32{1, 2, 3, 4})
	b := ir.FromSlice([]int{2, 2}, []float32{5, 6, 7, 8})
	t.Run("attribute-reference", func(t *testing.T) {
		m, err := tbDecode(t, tbMarshal(t, tbFunctionModel()), "")
		if err != nil {
			t.Fatal(err)
		}
		text := m.Graph.Text()
		if strings.Contains(text, "MyCat") || !strings.Contains(text, "call/cat") {
			t.Errorf("function not inlined under the caller's name:\n%s", text)
		}
		y := tbRun(t, m, map[string]ir.Data{"a": a, "b": b})
		tbWantValues(t, y, []int{2, 4}, 1, 2, 5, 6, 3, 4, 7, 8) // axis 1, from the call
	})
	t.Run("attribute-default", func(t *testing.T) {
		// The call leaves "ax" unset: the function's attribute_proto
		// default (0) applies.
		mp := tbFunctionModel()
		mp.Graph.Node[0].Attribute = nil
		mp.Graph.Output[0] = pbInfo("y", ir.Float32, 4, 2)
		mp.Functions[0].Attribute = nil
		mp.Functions[0].AttributeProto = []*onnxpb.AttributeProto{pbInt("ax", 0)}
		m, err := tbDecode(t, tbMarshal(t, mp), "")
		if err != nil {
			t.Fatal(err)
		}
		y := tbRun(t, m, map[string]ir.Data{"a": a, "b": b})
		tbWantValues(t, y, []int{4, 2}, 1, 2, 3, 4, 5, 6, 7, 8)
	})
	t.Run("called-twice", func(t *testing.T) {
		// Two calls: the function's internal value "t" gets a fresh name
		// each time, so the inlined bodies do not collide.
		mp := tbFunctionModel()
		call2 := &onnxpb.NodeProto{OpType: ptr("MyCat"), Domain: ptr("local"), Name: ptr("call2"),
			Input: []string{"y", "y"}, Output: []string{"z"}, Attribute: []*onnxpb.AttributeProto{pbInt("ax", 0)}}
		mp.Graph.Node = append(mp.Graph.Node, call2)
		mp.Graph.Output = []*onnxpb.ValueInfoProto{pbInfo("z", ir.Float32, 4, 4)}
		m, err := tbDecode(t, tbMarshal(t, mp), "")
		if err != nil {
			t.Fatal(err)
		}
		z := tbRun(t, m, map[string]ir.Data{"a": a, "b": b})
		tbWantValues(t, z, []int{4, 4}, 1, 2, 5, 6, 3, 4, 7, 8, 1, 2, 5, 6, 3, 4, 7, 8)
	})
}

func TestImportHalfFloats(t *testing.T) {
	f16 := []uint16{0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x7C00}
	f16want := []float64{1, -2, 0.5, 65504, math.Ldexp(1, -24), math.Inf(1)}
	bf16 := []uint16{0x3F80, 0xC000, 0x3F00, 0x4049, 0xFF80, 0x0000}
	bf16want := []float64{1, -2, 0.5, 3.140625, math.Inf(-1), 0}
	for _, c := range []struct {
		name string
		dt   ir.DType
		bits []uint16
		want []float64
	}{{"float16", ir.Float16, f16, f16want}, {"bfloat16", ir.BFloat16, bf16, bf16want}} {
		raw := TensorToProto(ir.FromBits(c.dt, []int{2, 3}, c.bits), "w")
		typed := &onnxpb.TensorProto{Name: ptr("w"), DataType: ptr(int32(c.dt)), Dims: []int64{2, 3}}
		for _, b := range c.bits {
			typed.Int32Data = append(typed.Int32Data, int32(b))
		}
		for form, tp := range map[string]*onnxpb.TensorProto{"raw_data": raw, "int32_data": typed} {
			t.Run(c.name+"/"+form, func(t *testing.T) {
				x, err := TensorFromProto(tp, "")
				if err != nil {
					t.Fatal(err)
				}
				if x.DType != c.dt {
					t.Fatalf("dtype %s, want %s", x.DType, c.dt)
				}
				tbWantValues(t, x, []int{2, 3}, c.want...)
				// Through a model: Concat of an empty input with it.
				mp := tbConcatModel()
				mp.Graph.Initializer[0] = tp
				mp.Graph.Input[0] = pbInfo("x", c.dt, -1, 3)
				mp.Graph.Output[0] = pbInfo("y", c.dt, -1, 3)
				m, err := tbDecode(t, tbMarshal(t, mp), "")
				if err != nil {
					t.Fatal(err)
				}
				y := tbRun(t, m, map[string]ir.Data{"x": ir.FromBits(c.dt, []int{0, 3}, nil)})
				if y.DType != c.dt {
					t.Fatalf("output dtype %s, want %s", y.DType, c.dt)
				}
				tbWantValues(t, y, []int{2, 3}, c.want...)
			})
		}
	}
}

func TestImportIRv3InitializersAsInputs(t *testing.T) {
	mp := tbConcatModel()
	mp.IrVersion = ptr(int64(3))
	mp.OpsetImport[0].Version = ptr(int64(8))
	mp.Graph.Input = append(mp.Graph.Input, pbInfo("w", ir.Float32, 2, 3))
	m, err := tbDecode(t, tbMarshal(t, mp), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := runtime.New(m, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if in := s.Inputs(); len(in) != 1 || in[0].Name != "x" {
		t.Fatalf("required inputs %v, want just x", in)
	}
	x := ir.FromSlice([]int{1, 3}, []float32{-1, -2, -3})
	out, err := s.Run(map[string]ir.Data{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	tbWantValues(t, out[0].(*ir.Tensor), []int{3, 3}, -1, -2, -3, 1, 2, 3, 4, 5, 6)
	w := ir.FromSlice([]int{2, 3}, []float32{10, 20, 30, 40, 50, 60})
	out, err = s.Run(map[string]ir.Data{"x": x, "w": w})
	if err != nil {
		t.Fatal(err)
	}
	tbWantValues(t, out[0].(*ir.Tensor), []int{3, 3}, -1, -2, -3, 10, 20, 30, 40, 50, 60)
	// The override must fit the declared type.
	_, err = s.Run(map[string]ir.Data{"x": x, "w": ir.FromSlice([]int{1, 3}, []float32{1, 2, 3})})
	tbWantErr(t, err, `"w"`, "shape")

	// The export keeps w as an input with a default.
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := tbDecode(t, b, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Graph.Inputs) != 2 || m2.Graph.Inputs[1].Name != "w" || m2.Graph.Inputs[1].Init == nil {
		t.Errorf("re-imported inputs %v, want x and w with a default", m2.Graph.Inputs)
	}
}
