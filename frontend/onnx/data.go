package onnx

import (
	"fmt"
	"os"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/proto"
)

// ReadTensorFile reads a serialized TensorProto (an input_N.pb file).
func ReadTensorFile(path string) (*ir.Tensor, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	tp := &onnxpb.TensorProto{}
	if err := proto.Unmarshal(b, tp); err != nil {
		return nil, "", fmt.Errorf("%s: not a TensorProto: %w", path, err)
	}
	t, err := TensorFromProto(tp, "")
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return t, tp.GetName(), nil
}

// ReadDataFile reads a test-data file holding a value of type t: a
// TensorProto, SequenceProto or OptionalProto. It returns the data and the
// name stored in the file.
func ReadDataFile(path string, t ir.Type) (ir.Data, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	var m proto.Message
	switch t.Kind {
	case ir.SequenceKind:
		m = &onnxpb.SequenceProto{}
	case ir.OptionalKind:
		m = &onnxpb.OptionalProto{}
	default:
		m = &onnxpb.TensorProto{}
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, "", fmt.Errorf("%s: not a %T: %w", path, m, err)
	}
	var d ir.Data
	var name string
	switch p := m.(type) {
	case *onnxpb.TensorProto:
		d, err = TensorFromProto(p, "")
		name = p.GetName()
	case *onnxpb.SequenceProto:
		d, err = sequenceFromProto(p, t)
		name = p.GetName()
	case *onnxpb.OptionalProto:
		d, err = optionalFromProto(p, t)
		name = p.GetName()
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return d, name, nil
}

func sequenceFromProto(p *onnxpb.SequenceProto, t ir.Type) (*ir.Sequence, error) {
	elem := ir.Type{}
	if t.Elem != nil {
		elem = *t.Elem
	}
	s := &ir.Sequence{Elem: elem}
	if p.GetElemType() != int32(onnxpb.SequenceProto_TENSOR) && p.GetElemType() != 0 {
		return nil, fmt.Errorf("sequence %q: only sequences of tensors are supported", p.GetName())
	}
	for _, tp := range p.TensorValues {
		x, err := TensorFromProto(tp, "")
		if err != nil {
			return nil, err
		}
		s.Items = append(s.Items, x)
	}
	return s, nil
}

func optionalFromProto(p *onnxpb.OptionalProto, t ir.Type) (*ir.Optional, error) {
	elem := ir.Type{}
	if t.Elem != nil {
		elem = *t.Elem
	}
	o := &ir.Optional{Elem: elem}
	switch {
	case p.TensorValue != nil:
		x, err := TensorFromProto(p.TensorValue, "")
		if err != nil {
			return nil, err
		}
		o.Value = x
	case p.SequenceValue != nil:
		s, err := sequenceFromProto(p.SequenceValue, elem)
		if err != nil {
			return nil, err
		}
		o.Value = s
	}
	return o, nil
}

// DataToProto encodes run-time data as the proto message the backend test
// layout uses for it.
func DataToProto(d ir.Data, name string) (proto.Message, error) {
	switch x := d.(type) {
	case *ir.Tensor:
		return TensorToProto(x, name), nil
	case *ir.Sequence:
		sp := &onnxpb.SequenceProto{Name: &name, ElemType: ptr(int32(onnxpb.SequenceProto_TENSOR))}
		for _, t := range x.Items {
			sp.TensorValues = append(sp.TensorValues, TensorToProto(t, ""))
		}
		return sp, nil
	case *ir.Optional:
		op := &onnxpb.OptionalProto{Name: &name}
		switch v := x.Value.(type) {
		case nil:
		case *ir.Tensor:
			op.ElemType = ptr(int32(onnxpb.OptionalProto_TENSOR))
			op.TensorValue = TensorToProto(v, "")
		case *ir.Sequence:
			op.ElemType = ptr(int32(onnxpb.OptionalProto_SEQUENCE))
			m, _ := DataToProto(v, "")
			op.SequenceValue = m.(*onnxpb.SequenceProto)
		}
		return op, nil
	}
	return nil, fmt.Errorf("cannot encode %T", d)
}
