package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Control-flow kernels. Bodies run through ctx.RunGraph, which resolves
// the values a body captures from enclosing graphs.

func init() {
	Register("If", ifKernel)
	Register("Loop", loopKernel)
	Register("Scan", scanKernel)
}

func ifKernel(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	cond, err := scalarBool(Tensor(in, 0), "cond")
	if err != nil {
		return nil, err
	}
	g := n.GraphAttr("else_branch")
	if cond {
		g = n.GraphAttr("then_branch")
	}
	outs, err := ctx.RunGraph(g, nil)
	if err != nil {
		return nil, err
	}
	if len(outs) < len(n.Outputs) {
		return nil, fmt.Errorf("branch %q returned %d outputs, node has %d", g.Name, len(outs), len(n.Outputs))
	}
	return outs, nil
}

// loopKernel runs the body with (iteration number, condition, carried
// values...) until the trip count M is reached or the body returns a false
// condition. Either bound may be absent; with both absent the body's
// condition alone ends the loop.
func loopKernel(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	body := n.GraphAttr("body")
	trip := int64(-1) // unbounded
	if t := Tensor(in, 0); t != nil {
		v, err := scalarInt(t, "M")
		if err != nil {
			return nil, err
		}
		trip = v
	}
	cond := true
	if t := Tensor(in, 1); t != nil {
		v, err := scalarBool(t, "cond")
		if err != nil {
			return nil, err
		}
		cond = v
	}
	var carried []ir.Data
	if len(in) > 2 {
		carried = append(carried, in[2:]...)
	}
	nCarried := len(carried)
	if len(body.Outputs) < 1+nCarried {
		return nil, fmt.Errorf("body has %d outputs, needs the condition and %d loop-carried values", len(body.Outputs), nCarried)
	}
	nScan := len(body.Outputs) - 1 - nCarried
	scans := make([][]*ir.Tensor, nScan)
	for i := int64(0); cond && (trip < 0 || i < trip); i++ {
		args := append([]ir.Data{ir.Scalar(i), ir.Scalar(cond)}, carried...)
		outs, err := ctx.RunGraph(body, args)
		if err != nil {
			return nil, fmt.Errorf("iteration %d: %w", i, err)
		}
		c, ok := outs[0].(*ir.Tensor)
		if !ok {
			return nil, fmt.Errorf("iteration %d: body condition is %T, want a bool tensor", i, outs[0])
		}
		if cond, err = scalarBool(c, "body condition"); err != nil {
			return nil, fmt.Errorf("iteration %d: %w", i, err)
		}
		carried = outs[1 : 1+nCarried]
		for k := range scans {
			t, ok := outs[1+nCarried+k].(*ir.Tensor)
			if !ok {
				return nil, fmt.Errorf("iteration %d: scan output %d is %T, want a tensor", i, k, outs[1+nCarried+k])
			}
			scans[k] = append(scans[k], t)
		}
	}
	res := make([]ir.Data, len(n.Outputs))
	copy(res, carried)
	for k := range scans {
		if nCarried+k >= len(res) {
			break
		}
		if len(scans[k]) == 0 {
			res[nCarried+k] = emptyStack(body.Outputs[1+nCarried+k].Type, 0)
			continue
		}
		t, err := stackAxis(scans[k], 0)
		if err != nil {
			return nil, fmt.Errorf("scan output %d: %w", k, err)
		}
		res[nCarried+k] = t
	}
	return res, nil
}

// scanKernel runs the body once per position along the scan axis of the
// scan inputs (the last num_scan_inputs inputs), threading the state
// inputs (the leading ones). Directions 1 walk an input backwards, or
// fill an output from its end.
func scanKernel(ctx Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	body := n.GraphAttr("body")
	nScanIn := int(n.Int("num_scan_inputs"))
	nState := len(in) - nScanIn
	if nScanIn < 1 || nState < 0 {
		return nil, fmt.Errorf("num_scan_inputs %d does not fit %d inputs", nScanIn, len(in))
	}
	nScanOut := len(body.Outputs) - nState
	if nScanOut < 0 {
		return nil, fmt.Errorf("body has %d outputs, fewer than the %d states", len(body.Outputs), nState)
	}
	inAxes, err := scanAxes(n, "scan_input_axes", nScanIn)
	if err != nil {
		return nil, err
	}
	inDirs := n.Ints("scan_input_directions")
	outDirs := n.Ints("scan_output_directions")
	scanIn := make([]*ir.Tensor, nScanIn)
	length := -1
	for j := range scanIn {
		t := Tensor(in, nState+j)
		if t == nil {
			return nil, fmt.Errorf("scan input %d is missing", j)
		}
		ax, err := NormAxis(int64(inAxes[j]), t.Rank())
		if err != nil {
			return nil, fmt.Errorf("scan input %d: %w", j, err)
		}
		inAxes[j] = ax
		if length >= 0 && t.Shape[ax] != length {
			return nil, fmt.Errorf("scan input %d has length %d along its scan axis, input 0 has %d", j, t.Shape[ax], length)
		}
		length = t.Shape[ax]
		scanIn[j] = t
	}
	states := append([]ir.Data{}, in[:nState]...)
	parts := make([][]*ir.Tensor, nScanOut)
	for step := 0; step < length; step++ {
		args := append([]ir.Data{}, states...)
		for j, t := range scanIn {
			pos := step
			if j < len(inDirs) && inDirs[j] == 1 {
				pos = length - 1 - step
			}
			args = append(args, sliceAxis(t, inAxes[j], pos))
		}
		outs, err := ctx.RunGraph(body, args)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", step, err)
		}
		states = outs[:nState]
		for k := range parts {
			t, ok := outs[nState+k].(*ir.Tensor)
			if !ok {
				return nil, fmt.Errorf("step %d: scan output %d is %T, want a tensor", step, k, outs[nState+k])
			}
			parts[k] = append(parts[k], t)
		}
	}
	outAxes := n.Ints("scan_output_axes")
	res := make([]ir.Data, len(n.Outputs))
	copy(res, states)
	for k, p := range parts {
		if nState+k >= len(res) {
			break
		}
		axis := 0
		if k < len(outAxes) {
			axis = int(outAxes[k])
		}
		if len(p) == 0 {
			res[nState+k] = emptyStack(body.Outputs[nState+k].Type, max(axis, 0))
			continue
		}
		if k < len(outDirs) && outDirs[k] == 1 {
			rev := make([]*ir.Tensor, len(p))
			for i := range p {
				rev[i] = p[len(p)-1-i]
			}
			p = rev
		}
		ax, err := NormAxis(int64(axis), p[0].Rank()+1)
		if err != nil {
			return nil, fmt.Errorf("scan output %d: %w", k, err)
		}
		t, err := stackAxis(p, ax)
		if err != nil {
			return nil, fmt.Errorf("scan output %d: %w", k, err)
		}
		res[nState+k] = t
	}
	return res, nil
}

// scanAxes returns an ints attribute as ints, defaulting every entry to 0.
func scanAxes(n *ir.Node, name string, count int) ([]int, error) {
	out := make([]int, count)
	vals := n.Ints(name)
	if len(vals) > 0 && len(vals) != count {
		return nil, fmt.Errorf("%s has %d entries, want %d", name, len(vals), count)
	}
	for i, v := range vals {
		out[i] = int(v)
	}
	return out, nil
}
