package aot

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/proto"
)

func sameTensor(a, b *ir.Tensor) bool {
	if a.DType != b.DType || !slices.Equal(a.Shape, b.Shape) || a.Len() != b.Len() {
		return false
	}
	if s, ok := a.Data.([]string); ok {
		return slices.Equal(s, b.Data.([]string))
	}
	for i := range a.Len() {
		if a.DType.IsFloat() {
			x, y := a.Float64At(i), b.Float64At(i)
			if x != y && !(x != x && y != y) {
				return false
			}
		} else if a.Int64At(i) != b.Int64At(i) {
			return false
		}
	}
	return true
}

// TestTensorRoundTrip writes every dtype and reads it back, and checks
// that frontend/onnx (the protobuf-generated reader) reads the same.
func TestTensorRoundTrip(t *testing.T) {
	for _, x := range []*ir.Tensor{
		ir.FromSlice([]int{2, 2}, []float32{1, -2.5, 0, 3}),
		ir.FromSlice([]int{3}, []float64{1e300, -0.5, 2}),
		ir.FromSlice([]int{2}, []int64{-1 << 40, 7}),
		ir.FromSlice([]int{2}, []int32{-5, 6}),
		ir.FromSlice([]int{2}, []int8{-5, 6}),
		ir.FromSlice([]int{2}, []uint8{250, 6}),
		ir.FromSlice([]int{1}, []uint64{1 << 63}),
		ir.FromSlice([]int{2}, []bool{true, false}),
		ir.FromBits(ir.Float16, []int{1}, []uint16{0x3c00}),
		ir.FromSlice([]int{}, []float32{4}),
		ir.FromSlice([]int{0, 3}, []float32{}),
		ir.FromSlice([]int{2}, []string{"a", "héllo"}),
	} {
		b, err := encodeTensor(x, "t")
		if err != nil {
			t.Fatalf("%s: %v", x, err)
		}
		got, name, err := decodeTensor(b)
		if err != nil || name != "t" || !sameTensor(got, x) {
			t.Errorf("%s: read back %v %q (%v)", x, got, name, err)
		}
		path := filepath.Join(t.TempDir(), "t.pb")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		viaONNX, _, err := onnx.ReadTensorFile(path)
		if err != nil || !sameTensor(viaONNX, x) {
			t.Errorf("%s: frontend/onnx reads %v (%v)", x, viaONNX, err)
		}
	}
}

// TestDecodeMatchesONNXReader reads typed-field (not raw_data) tensors as
// the ONNX frontend writes them, and every input of the ONNX node tests
// when they are installed.
func TestDecodeMatchesONNXReader(t *testing.T) {
	files, _ := filepath.Glob("/usr/share/libonnx-testdata/data/node/*/test_data_set_0/input_*.pb")
	if len(files) == 0 && os.Getenv("CI") != "" {
		t.Fatal("libonnx-testdata is not installed")
	}
	checked := 0
	for _, f := range files {
		want, _, err := onnx.ReadTensorFile(f)
		if err != nil {
			continue // sequences, optionals: not tensors
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := decodeTensor(b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !sameTensor(got, want) {
			t.Errorf("%s: read %v, frontend/onnx reads %v", f, got, want)
		}
		checked++
	}
	// A tensor in typed fields, as proto.Marshal of the frontend's
	// TensorProto writes small ones.
	x := ir.FromSlice([]int{3}, []float32{1, 2, 3})
	msg := onnx.TensorToProto(x, "x")
	msg.RawData = nil
	msg.FloatData = []float32{1, 2, 3}
	b, err := proto.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := decodeTensor(b); err != nil || !sameTensor(got, x) {
		t.Errorf("float_data tensor read as %v (%v)", got, err)
	}
	t.Logf("%d node-test inputs read alike", checked)
}

func TestDecodeRejectsBadData(t *testing.T) {
	good, _ := encodeTensor(ir.FromSlice([]int{4}, []float32{1, 2, 3, 4}), "x")
	for name, b := range map[string][]byte{
		"truncated": good[:len(good)-3],
		"garbage":   {0xff, 0xff, 0xff},
		"short raw": mustEncode(t, &ir.Tensor{DType: ir.Float32, Shape: []int{5}, Data: []float32{1, 2, 3, 4}}),
	} {
		if _, _, err := decodeTensor(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func mustEncode(t *testing.T, x *ir.Tensor) []byte {
	b, err := encodeTensor(x, "x")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
