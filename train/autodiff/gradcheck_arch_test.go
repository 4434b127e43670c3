package autodiff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Gradient check cases of ConvTranspose and Resize (the transposed
// convolution and upsampling layers of frontend/dsl), kept apart from
// gradcheck_test.go's table and appended to it before the tests run.
var archCases = []gcCase{
	// ConvTranspose: plain with bias, strided with pads, output_padding,
	// groups, dilation, 1-D.
	{op: "ConvTranspose", in: []gcIn{d(2, 3, 3, 3), d(3, 2, 2, 2), d(2)}},
	{op: "ConvTranspose", in: []gcIn{d(1, 2, 3, 4), d(2, 3, 3, 3), d(3)},
		attrs: at("strides", ints(2, 2), "pads", ints(1, 0, 1, 1))},
	{op: "ConvTranspose", in: []gcIn{d(1, 2, 3, 3), d(2, 2, 3, 3)},
		attrs: at("strides", ints(2, 3), "pads", ints(1, 1, 1, 1), "output_padding", ints(1, 2))},
	{op: "ConvTranspose", in: []gcIn{d(2, 4, 3, 2), d(4, 1, 2, 2), d(2)},
		attrs: at("group", one(2), "dilations", ints(2, 1))},
	{op: "ConvTranspose", in: []gcIn{d(2, 2, 4), d(2, 3, 3), d(3)}, attrs: at("strides", ints(2))},

	// Resize: nearest (PyTorch's and ONNX's default rounding), linear
	// (half-pixel and align_corners), downscaling, cubic, sizes.
	{op: "Resize", in: []gcIn{d(1, 2, 3, 3), absent(), scales(1, 1, 2, 2)},
		attrs: at("mode", str("nearest"), "coordinate_transformation_mode", str("asymmetric"), "nearest_mode", str("floor"))},
	{op: "Resize", in: []gcIn{d(2, 1, 3, 4), absent(), scales(1, 1, 1.5, 2)}},
	{op: "Resize", in: []gcIn{d(1, 2, 3, 3), absent(), scales(1, 1, 2, 2)}, attrs: at("mode", str("linear"))},
	{op: "Resize", in: []gcIn{d(1, 1, 3, 4), absent(), scales(1, 1, 2.5, 1.5)},
		attrs: at("mode", str("linear"), "coordinate_transformation_mode", str("align_corners"))},
	{op: "Resize", in: []gcIn{d(1, 1, 6, 5), absent(), scales(1, 1, 0.5, 0.6)}, attrs: at("mode", str("linear"))},
	{op: "Resize", in: []gcIn{d(1, 1, 4, 4), absent(), scales(1, 1, 1.5, 2)}, attrs: at("mode", str("cubic"))},
	{op: "Resize", in: []gcIn{d(2, 3, 5), absent(), absent(), i64s(2, 4, 7)}, attrs: at("mode", str("linear"))},
}

// scales is a float32 Resize scales operand.
func scales(v ...float32) gcIn { return fixed(ir.FromSlice([]int{len(v)}, v)) }

func init() { gcCases = append(gcCases, archCases...) }

// The ConvTranspose rule refuses, in an error naming the node, what its
// Conv-based adjoint cannot express.
func TestConvTransposeRuleErrors(t *testing.T) {
	f64t := func(dims ...ir.Dim) ir.Type { return ir.TensorType(ir.Float64, ir.Shape{Ranked: true, Dims: dims}) }
	s := ir.Static
	cases := []struct {
		x     ir.Type
		attrs attrs
		want  string
	}{
		{f64t(s(1), s(2), ir.Unknown(), s(3)), nil, "spatial"},
		{f64t(s(1), s(2), s(3), s(3)), at("strides", ints(2, 2), "output_padding", ints(2, 0)), "output_padding"},
		{f64t(s(1), s(2), s(3), s(3)), at("output_shape", ints(9, 9)), "output_shape"},
	}
	for _, c := range cases {
		g := ir.NewGraph("g")
		x := g.AddInput("x", c.x)
		w := g.AddInput("w", f64t(s(2), s(1), s(3), s(3)))
		n, err := g.AddNode(ir.NodeSpec{Op: "ConvTranspose", Inputs: []*ir.Value{x, w}, Outputs: []string{"y"}, Attrs: c.attrs})
		if err != nil {
			t.Fatalf("%v: %v", c.attrs, err)
		}
		k := 0
		_, err = Gradients(g, n.Outputs[0], []*ir.Value{x}, func(s string) string { k++; return fmt.Sprint(s, "_", k) })
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "ConvTranspose") {
			t.Errorf("%v: err = %v, want one naming the node and %q", c.attrs, err, c.want)
		}
	}
}
