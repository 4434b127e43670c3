package onnx

import (
	"fmt"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// typeFromProto converts an ONNX TypeProto. A nil proto is an unknown
// tensor type.
func typeFromProto(tp *onnxpb.TypeProto) (ir.Type, error) {
	if tp == nil {
		return ir.Type{}, nil
	}
	switch v := tp.Value.(type) {
	case *onnxpb.TypeProto_TensorType:
		dt := ir.DType(v.TensorType.GetElemType())
		if dt != ir.Undefined && !dt.Supported() {
			return ir.Type{}, fmt.Errorf("unsupported element type %s", onnxpb.TensorProto_DataType(dt))
		}
		return ir.TensorType(dt, shapeFromProto(v.TensorType.Shape)), nil
	case *onnxpb.TypeProto_SequenceType:
		e, err := typeFromProto(v.SequenceType.ElemType)
		return ir.SequenceOf(e), err
	case *onnxpb.TypeProto_OptionalType:
		e, err := typeFromProto(v.OptionalType.ElemType)
		return ir.OptionalOf(e), err
	case nil:
		return ir.Type{}, nil
	}
	return ir.Type{}, fmt.Errorf("unsupported type %T", tp.Value)
}

func shapeFromProto(sp *onnxpb.TensorShapeProto) ir.Shape {
	if sp == nil {
		return ir.UnrankedShape
	}
	s := ir.Shape{Ranked: true, Dims: make([]ir.Dim, len(sp.Dim))}
	for i, d := range sp.Dim {
		switch v := d.Value.(type) {
		case *onnxpb.TensorShapeProto_Dimension_DimValue:
			s.Dims[i] = ir.Static(v.DimValue)
		case *onnxpb.TensorShapeProto_Dimension_DimParam:
			s.Dims[i] = ir.Symbolic(v.DimParam)
		default:
			s.Dims[i] = ir.Unknown()
		}
	}
	return s
}

func typeToProto(t ir.Type) *onnxpb.TypeProto {
	switch t.Kind {
	case ir.SequenceKind:
		return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_SequenceType{
			SequenceType: &onnxpb.TypeProto_Sequence{ElemType: typeToProto(*t.Elem)}}}
	case ir.OptionalKind:
		return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_OptionalType{
			OptionalType: &onnxpb.TypeProto_Optional{ElemType: typeToProto(*t.Elem)}}}
	}
	tt := &onnxpb.TypeProto_Tensor{ElemType: ptr(int32(t.DType))}
	if t.Shape.Ranked {
		tt.Shape = &onnxpb.TensorShapeProto{}
		for _, d := range t.Shape.Dims {
			dim := &onnxpb.TensorShapeProto_Dimension{}
			switch {
			case d.Known():
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d.Size}
			case d.Sym != "":
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d.Sym}
			}
			tt.Shape.Dim = append(tt.Shape.Dim, dim)
		}
	}
	return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: tt}}
}

// sparseToDense expands a SparseTensorProto (values with flat or
// coordinate indices) into a dense tensor.
func sparseToDense(sp *onnxpb.SparseTensorProto, dir string) (*ir.Tensor, error) {
	if err := checkSparse(sp); err != nil {
		return nil, err
	}
	vals, err := TensorFromProto(sp.Values, dir)
	if err != nil {
		return nil, err
	}
	idx, err := TensorFromProto(sp.Indices, dir)
	if err != nil {
		return nil, err
	}
	name := sp.Values.GetName()
	shape := make([]int, len(sp.Dims))
	for i, d := range sp.Dims {
		if d < 0 {
			return nil, fmt.Errorf("sparse tensor %q: negative dimension %d", name, d)
		}
		shape[i] = int(d)
	}
	out, err := ir.NewTensor(vals.DType, shape)
	if err != nil {
		return nil, fmt.Errorf("sparse tensor %q: %w", name, err)
	}
	nnz := vals.Len()
	total := out.Len()
	strides := ir.Strides(shape)
	for k := 0; k < nnz; k++ {
		flat := 0
		switch {
		case idx.Rank() == 1:
			flat = int(idx.Int64At(k))
		case idx.Rank() == 2 && idx.Shape[1] == len(shape):
			for j := range shape {
				c := int(idx.Int64At(k*len(shape) + j))
				if c < 0 || c >= shape[j] {
					return nil, fmt.Errorf("sparse tensor %q: index %d out of range", name, c)
				}
				flat += c * strides[j]
			}
		default:
			return nil, fmt.Errorf("sparse tensor %q: indices of shape %v do not fit dims %v", name, idx.Shape, shape)
		}
		if flat < 0 || flat >= total {
			return nil, fmt.Errorf("sparse tensor %q: index %d out of range", name, flat)
		}
		copyElem(out, flat, vals, k)
	}
	return out, nil
}

// copyElem copies element j of src into element i of dst (same dtype).
func copyElem(dst *ir.Tensor, i int, src *ir.Tensor, j int) {
	switch d := dst.Data.(type) {
	case []string:
		d[i] = src.Data.([]string)[j]
	case []uint16:
		d[i] = src.Data.([]uint16)[j]
	case []float32:
		d[i] = src.Data.([]float32)[j]
	case []float64:
		d[i] = src.Data.([]float64)[j]
	default:
		dst.SetInt64At(i, src.Int64At(j))
	}
}
