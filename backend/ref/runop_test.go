package ref

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// runOp is the one harness the kernel tests share: it builds a one-node
// graph of op (default domain) whose inputs are typed after in (nil for an
// omitted input), with output names outs ("" for an omitted output), runs
// the op's reference kernel, and checks that the kernel's tensor outputs
// agree with the types inference gave them. An error from the declaration,
// inference or the kernel is returned.
func runOp(t *testing.T, op string, attrs map[string]*ir.Attr, outs []string, in ...ir.Data) ([]ir.Data, error) {
	t.Helper()
	g := ir.NewGraph("test")
	vals := make([]*ir.Value, len(in))
	for i, d := range in {
		switch x := d.(type) {
		case nil:
		case *ir.Tensor:
			vals[i] = g.AddInput(fmt.Sprintf("x%d", i), ir.TensorType(x.DType, ir.ShapeOf(x.Shape...)))
		case *ir.Sequence:
			vals[i] = g.AddInput(fmt.Sprintf("x%d", i), ir.SequenceOf(x.Elem))
		case *ir.Optional:
			vals[i] = g.AddInput(fmt.Sprintf("x%d", i), ir.OptionalOf(x.Elem))
		}
	}
	n, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: vals, Outputs: outs, Attrs: attrs})
	if err != nil {
		return nil, err
	}
	k := Lookup(op)
	if k == nil {
		t.Fatalf("no kernel for %s", op)
	}
	res, err := k(nil, n, in)
	if err != nil {
		return nil, err
	}
	for i, v := range n.Outputs {
		got, ok := res[i].(*ir.Tensor)
		if v == nil || !ok {
			continue
		}
		if v.Type.DType != ir.Undefined && v.Type.DType != got.DType {
			t.Errorf("%s output %d: inferred dtype %s, kernel gave %s", op, i, v.Type.DType, got.DType)
		}
		if s, ok := v.Type.Shape.Static(); ok && !slices.Equal(s, got.Shape) {
			t.Errorf("%s output %d: inferred shape %v, kernel gave %v", op, i, s, got.Shape)
		}
	}
	return res, nil
}

// outNames names n outputs y0, y1, ...
func outNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("y%d", i)
	}
	return out
}

// tensorsData turns tensors into kernel inputs, keeping nil as omitted.
func tensorsData(in []*ir.Tensor) []ir.Data {
	out := make([]ir.Data, len(in))
	for i, t := range in {
		if t != nil {
			out[i] = t
		}
	}
	return out
}
