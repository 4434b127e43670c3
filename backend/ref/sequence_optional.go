package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Optional kernels. An omitted input slot (nil) is an empty optional for
// OptionalHasElement; a plain tensor or sequence where an optional is
// expected counts as a present value, as opset 18 allows.

func init() {
	Register("Optional", optionalKernel)
	Register("OptionalHasElement", optionalHasElement)
	Register("OptionalGetElement", optionalGetElement)
}

func optionalKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	var elem ir.Type
	if a := n.Attrs["type"]; a != nil && a.Type != nil {
		elem = *a.Type
	} else if v := n.Out(0); v != nil && v.Type.Kind == ir.OptionalKind && v.Type.Elem != nil {
		elem = *v.Type.Elem
	}
	if len(in) == 0 || in[0] == nil {
		if n.Attrs["type"] == nil {
			return nil, fmt.Errorf("an empty optional needs the type attribute")
		}
		return []ir.Data{&ir.Optional{Elem: elem}}, nil
	}
	return []ir.Data{&ir.Optional{Elem: elem, Value: in[0]}}, nil
}

func optionalHasElement(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	if len(in) == 0 || in[0] == nil {
		return []ir.Data{ir.Scalar(false)}, nil
	}
	has := true
	if opt, ok := in[0].(*ir.Optional); ok {
		has = opt.Value != nil
	}
	return []ir.Data{ir.Scalar(has)}, nil
}

func optionalGetElement(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	opt, ok := in[0].(*ir.Optional)
	if !ok {
		return []ir.Data{in[0]}, nil
	}
	if opt.Value == nil {
		return nil, fmt.Errorf("the optional input is empty")
	}
	return []ir.Data{opt.Value}, nil
}
