package onnx

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train/autodiff"
)

// expanders hold ops that the importer replaces by other IR at every
// opset: they have no declaration or kernel of their own.
var expanders = map[string]func(*convCtx) error{
	ir.OpKey(ir.TrainingDomain, "Gradient"): expandGradient,
}

// expandGradient turns ai.onnx.preview.training.Gradient (the gradient of
// the graph value named by attribute y with respect to the values named by
// xs) into the backward nodes that train/autodiff derives from the
// forward graph, then binds them to the node's outputs.
func expandGradient(c *convCtx) error {
	xsAttr, yAttr := c.attrs["xs"], c.attrs["y"]
	if xsAttr == nil || xsAttr.Kind != ir.AttrStrings || yAttr == nil || yAttr.Kind != ir.AttrString {
		return fmt.Errorf("Gradient needs attributes xs (strings) and y (string)")
	}
	y := c.sc.lookup(yAttr.S)
	if y == nil {
		return fmt.Errorf("Gradient: y %q is not a value of the graph", yAttr.S)
	}
	xs := make([]*ir.Value, len(xsAttr.Strings))
	for i, name := range xsAttr.Strings {
		if xs[i] = c.sc.lookup(name); xs[i] == nil {
			return fmt.Errorf("Gradient: x %q is not a value of the graph", name)
		}
	}
	if len(c.out) > len(xs) {
		return fmt.Errorf("Gradient has %d outputs but %d xs", len(c.out), len(xs))
	}
	grads, err := autodiff.Gradients(c.sc.g, y, xs, c.im.freshName)
	if err != nil {
		return err
	}
	c.domain = ir.DefaultDomain // the outputs are bound by default-domain Identity nodes
	for i, name := range c.out {
		if name == "" {
			continue
		}
		if _, err := c.emit("Identity", []*ir.Value{grads[i]}, []string{name}, nil); err != nil {
			return err
		}
	}
	return nil
}
