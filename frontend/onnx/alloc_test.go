package onnx

import (
	"runtime"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/proto"
)

// Small files must not make the importer allocate much: dims with no data
// behind them, and sparse tensors whose dense forms exceed the tensor
// limit alone or together (the limit is lowered here to 1 GiB).
func TestImportDoesNotAllocateFromDimsAlone(t *testing.T) {
	defer ir.SetTensorLimit(ir.TensorLimit())
	ir.SetTensorLimit(1 << 30)
	sparse := func(name string, n int64) *onnxpb.SparseTensorProto {
		return &onnxpb.SparseTensorProto{
			Values:  &onnxpb.TensorProto{Name: ptr(name), DataType: ptr(int32(onnxpb.TensorProto_FLOAT)), Dims: []int64{1}, FloatData: []float32{1}},
			Indices: &onnxpb.TensorProto{DataType: ptr(int32(onnxpb.TensorProto_INT64)), Dims: []int64{1}, Int64Data: []int64{0}},
			Dims:    []int64{n},
		}
	}
	cases := []struct {
		name     string
		g        *onnxpb.GraphProto
		maxBytes uint64
	}{
		// 800 MiB of float32 declared with no data: nothing to allocate.
		{"dims-without-data", &onnxpb.GraphProto{Name: ptr("g"), Initializer: []*onnxpb.TensorProto{
			{Name: ptr("w"), DataType: ptr(int32(onnxpb.TensorProto_FLOAT)), Dims: []int64{200 << 20}}}}, 64 << 20},
		{"sparse-huge", &onnxpb.GraphProto{Name: ptr("g"), SparseInitializer: []*onnxpb.SparseTensorProto{
			sparse("a", 1<<31)}}, 64 << 20},
		// Five of these (200 MiB each) fit the budget, the sixth does not.
		{"sparse-many", &onnxpb.GraphProto{Name: ptr("g"), SparseInitializer: []*onnxpb.SparseTensorProto{
			sparse("a", 50<<20), sparse("b", 50<<20), sparse("c", 50<<20),
			sparse("d", 50<<20), sparse("e", 50<<20), sparse("f", 50<<20)}}, 1<<30 + 64<<20},
	}
	for _, c := range cases {
		b, err := proto.Marshal(&onnxpb.ModelProto{IrVersion: ptr(int64(8)), Graph: c.g,
			OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: ptr(int64(17))}}})
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err = Decode(b, "")
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: no error", c.name)
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > c.maxBytes {
			t.Errorf("%s: a %d-byte model made the importer allocate %d MiB (err %v)", c.name, len(b), grown>>20, err)
		}
	}
}
