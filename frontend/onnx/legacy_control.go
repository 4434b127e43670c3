package onnx

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Older forms of the control-flow operators. If and Loop kept their
// meaning across opsets (later versions only widened the types), so only
// Scan needs a rewrite.

func init() {
	legacy("Scan", 9, scanBatched)
}

// scanBatched rewrites opset-8 Scan into canonical IR. Opset 8 had an
// optional sequence_lens first input and a leading batch axis on every
// state and scan input and output; opset 9 dropped both. The rewrite is a
// Loop over the batch whose body gathers batch element i of each input,
// runs an opset-9 Scan with the original body on it, and returns the
// Scan's outputs as Loop scan outputs, which the Loop stacks back into a
// leading batch axis:
//
//	batch = Gather(Shape(x0, end=1), 0)
//	outs... = Loop(batch, _) { i, cond ->
//	    cond, Scan(Gather(s, i)..., Gather(x, i)...; body, directions) }
//
// Per-batch sequence lengths cannot be expressed this way; a model that
// passes sequence_lens is refused.
func scanBatched(c *convCtx) error {
	if len(c.in) > 0 && c.in[0] != nil {
		return fmt.Errorf("Scan (opset %d) with a sequence_lens input is not supported", c.opset)
	}
	bodyAttr := c.takeAttr("body")
	numScan := c.takeAttr("num_scan_inputs")
	if bodyAttr == nil || bodyAttr.G == nil || numScan == nil {
		return fmt.Errorf("Scan needs the body and num_scan_inputs attributes")
	}
	inputs := c.in[min(1, len(c.in)):]
	if int(numScan.I) < 1 || int(numScan.I) > len(inputs) {
		return fmt.Errorf("num_scan_inputs %d does not fit %d inputs", numScan.I, len(inputs))
	}
	x0 := inputs[len(inputs)-int(numScan.I)]
	shape, err := c.emitTemp("Shape", []*ir.Value{x0}, map[string]*ir.Attr{"end": ir.IntAttr(1)})
	if err != nil {
		return err
	}
	batch, err := c.emitTemp("Gather", []*ir.Value{shape, c.constant(ir.Scalar(int64(0)))}, nil)
	if err != nil {
		return err
	}

	loopBody := c.sc.g.NewSubgraph(c.im.freshName(bodyAttr.G.Name + "_batch"))
	iter := loopBody.AddInput(c.im.freshName("batch_index"), ir.TensorType(ir.Int64, ir.ShapeOf()))
	cond := loopBody.AddInput(c.im.freshName("cond"), ir.TensorType(ir.Bool, ir.ShapeOf()))
	scanIn := make([]*ir.Value, len(inputs))
	for i, v := range inputs {
		if v == nil {
			return fmt.Errorf("Scan input %d is omitted", i+1)
		}
		g, err := loopBody.AddNode(ir.NodeSpec{Op: "Gather", Name: c.np.GetName(),
			Inputs: []*ir.Value{v, iter}, Outputs: []string{c.im.freshName(v.Name + "_item")}})
		if err != nil {
			return err
		}
		scanIn[i] = g.Outputs[0]
	}
	// The original body moves into the Loop body; it still reads outer
	// values by pointer, which the Loop body's scope chain reaches.
	bodyAttr.G.Parent = loopBody
	attrs := map[string]*ir.Attr{"body": bodyAttr, "num_scan_inputs": numScan}
	if d := c.takeAttr("directions"); d != nil {
		attrs["scan_input_directions"] = d
	}
	if len(c.attrs) > 0 {
		return fmt.Errorf("Scan (opset %d): unexpected attributes %v", c.opset, c.attrs)
	}
	outNames := make([]string, len(c.out))
	for i, name := range c.out {
		if name == "" {
			name = "unused"
		}
		outNames[i] = c.im.freshName(name + "_item")
	}
	scan, err := loopBody.AddNode(ir.NodeSpec{Op: "Scan", Name: c.np.GetName(),
		Inputs: scanIn, Outputs: outNames, Attrs: attrs})
	if err != nil {
		return err
	}
	loopBody.Outputs = append([]*ir.Value{cond}, scan.Outputs...)

	_, err = c.emit("Loop", []*ir.Value{batch, nil}, c.out, map[string]*ir.Attr{"body": ir.GraphAttr(loopBody)})
	return err
}

// DFT before opset 20 took its axis as an attribute (default 1); the
// canonical form takes it as a scalar third input. (It lives here because
// the signal operators have no legacy file of their own.)
func init() {
	legacy("DFT", 20, func(c *convCtx) error {
		axis := int64(1)
		if a := c.takeAttr("axis"); a != nil {
			axis = a.I
		}
		c.setInput(2, c.constant(ir.Scalar(axis)))
		return c.emitDefault()
	})
}
