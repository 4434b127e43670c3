package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// ortTypes are onnxruntime-node's names of the dtypes the bench models
// pass in and out.
var ortTypes = map[ir.DType]string{
	ir.Float32: "float32", ir.Float64: "float64", ir.Int8: "int8", ir.Uint8: "uint8",
	ir.Int16: "int16", ir.Uint16: "uint16", ir.Int32: "int32", ir.Uint32: "uint32",
	ir.Int64: "int64", ir.Uint64: "uint64", ir.Bool: "bool",
}

// testInput is one exported test input: its file (for dlc) and the same
// tensor as raw bytes (for ORT).
type testInput struct {
	name, pbFile string
	ort          ortInput
}

// testInputs pairs the model's caller-provided inputs, in graph order,
// with <dir>/test_data_set_0/input_K.pb, and writes each as raw elements
// into work for ORT.
func testInputs(dir, work string) ([]testInput, error) {
	m, err := onnx.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return nil, err
	}
	var ins []testInput
	for _, v := range m.Graph.Inputs {
		if v.Init != nil {
			continue
		}
		k := len(ins)
		pb := filepath.Join(dir, "test_data_set_0", fmt.Sprintf("input_%d.pb", k))
		d, _, err := onnx.ReadDataFile(pb, v.Type)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", v.Name, err)
		}
		t, ok := d.(*ir.Tensor)
		dt := ""
		if ok {
			dt = ortTypes[t.DType]
		}
		if dt == "" {
			return nil, fmt.Errorf("input %q: only numeric tensors are supported", v.Name)
		}
		in := testInput{name: v.Name, pbFile: pb, ort: ortInput{Name: v.Name, DType: dt, Dims: dims64(t.Shape)}}
		in.ort.File = filepath.Join(work, fmt.Sprintf("input_%d.bin", k))
		// TensorToProto's raw_data is exactly ort_bench.js's encoding.
		if err := os.WriteFile(in.ort.File, onnx.TensorToProto(t, "").RawData, 0o644); err != nil {
			return nil, err
		}
		ins = append(ins, in)
	}
	return ins, nil
}

func dims64(shape []int) []int64 {
	d := make([]int64, len(shape))
	for i, n := range shape {
		d[i] = int64(n)
	}
	return d
}

// readORTOutputs reads the outputs ort_bench.js wrote into dir, in graph
// output order.
func readORTOutputs(dir string) ([]*ir.Tensor, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var man struct {
		Outputs []ortInput `json:"outputs"`
	}
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, fmt.Errorf("ORT manifest: %w", err)
	}
	var outs []*ir.Tensor
	for _, o := range man.Outputs {
		var dt ir.DType
		for d, n := range ortTypes {
			if n == o.DType {
				dt = d
			}
		}
		if dt == ir.Undefined {
			return nil, fmt.Errorf("ORT output %q: unknown dtype %q", o.Name, o.DType)
		}
		raw, err := os.ReadFile(o.File)
		if err != nil {
			return nil, err
		}
		t, err := onnx.TensorFromProto(&onnxpb.TensorProto{DataType: new(int32(dt)), Dims: o.Dims, RawData: raw}, "")
		if err != nil {
			return nil, fmt.Errorf("ORT output %q: %w", o.Name, err)
		}
		outs = append(outs, t)
	}
	return outs, nil
}

// readPBOutputs reads n files output_K.pb from dir: what `dlc run` writes,
// and the layout of PyTorch's outputs in test_data_set_0.
func readPBOutputs(dir string, n int) ([]*ir.Tensor, error) {
	var outs []*ir.Tensor
	for k := range n {
		d, _, err := onnx.ReadDataFile(filepath.Join(dir, fmt.Sprintf("output_%d.pb", k)), ir.Type{Kind: ir.TensorKind})
		if err != nil {
			return nil, err
		}
		t, ok := d.(*ir.Tensor)
		if !ok {
			return nil, fmt.Errorf("output %d is not a tensor", k)
		}
		outs = append(outs, t)
	}
	return outs, nil
}
