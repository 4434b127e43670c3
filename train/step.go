package train

import (
	"fmt"
	"maps"
	"slices"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
	"github.com/dlc-go/dlc/train/autodiff"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// Names of the step graph's own inputs and outputs.
const (
	inLabels = "labels"
	inLR     = "lr"
	inStep   = "step"
	outLoss  = "loss"
)

// StepConfig is what the training step computes besides the forward pass.
type StepConfig struct {
	Loss      loss.Loss
	Optimizer optim.Optimizer
	// ClipNorm > 0 scales the gradients to that global 2-norm when above.
	ClipNorm float64
	// Batch is the batch size the step is planned for.
	Batch int
	// Labels is the label dtype and per-sample shape: int64 [] for class
	// indices, float32 [K] for regression targets.
	LabelType  ir.DType
	LabelShape []int
	// Accumulate > 1 sums the gradients of that many steps (micro-batches
	// of Batch) before one optimizer update.
	Accumulate int
	// LRScale multiplies the learning rate of the named parameters (a
	// lower rate for a pretrained backbone when fine-tuning).
	LRScale map[string]float64
	// TargetInput makes the loss compare the output with the input
	// itself (autoencoders): there are no labels.
	TargetInput bool
	// NoLabels gives the loss no target at all (nil): its own objective
	// of the output alone (a GAN's).
	NoLabels bool
	// LossScaling differentiates the loss times a scale fed each step and
	// unscales the gradients, with an output telling whether they are
	// finite (dynamic loss scaling for fp16; see LossScaling).
	LossScaling bool
}

// stepGraph is the compiled form of one training step: a model whose
// inputs are the batch, labels, lr, step, the parameters, their optimizer
// state, the running statistics and the dropout masks, and whose outputs
// are the loss, the logits, then the updated parameters, states and
// statistics in the same order as their inputs.
//
// With gradient accumulation the step stops at the gradients: its outputs
// after loss and logits are the gradients (named by grads), then the
// statistics; update is the graph that applies the summed gradients.
type stepGraph struct {
	model *ir.Model
	// carried names each input whose updated value is an output, in
	// output order after loss, logits and gradients: parameters, then
	// their states (param + "." + suffix), then statistics.
	carried []string
	grads   []string
	states  []optim.StateSpec
	update  *stepGraph
	// checkOut is the index of the output that is finite when the
	// unscaled gradients are (loss scaling), 0 without one.
	checkOut int
}

// buildStep appends loss, gradients and update to a clone of m.Train.
func buildStep(m *Model, cfg StepConfig) (*stepGraph, error) {
	c := ir.CloneModel(m.Train)
	g := c.Graph
	namer := ir.NewNamer(g)
	fresh := namer.Name
	var input *ir.Value
	for _, v := range g.Inputs {
		if v.Init == nil && !isMask(m, v.Name) {
			input = v
		}
	}
	if input == nil {
		return nil, fmt.Errorf("the training graph has no data input")
	}
	shape, err := batchShape(input, cfg.Batch)
	if err != nil {
		return nil, err
	}
	fixed := map[string][]int{input.Name: shape}
	for _, mk := range m.Masks {
		v := graphInput(g, mk.Input)
		if v == nil {
			return nil, fmt.Errorf("the training graph has no dropout input %q", mk.Input)
		}
		if fixed[mk.Input], err = batchShape(v, cfg.Batch); err != nil {
			return nil, err
		}
	}
	if err := passes.FixInputShapes(g, fixed); err != nil {
		return nil, err
	}
	params, err := promote(g, m.Params)
	if err != nil {
		return nil, err
	}
	if _, err := promote(g, m.External); err != nil {
		return nil, err
	}
	statNames := slices.Sorted(maps.Keys(m.Stats))
	_, err = promote(g, statNames)
	if err != nil {
		return nil, err
	}
	logits := g.Outputs[0]
	var target *ir.Value
	switch {
	case cfg.NoLabels:
	case cfg.TargetInput:
		if target, err = inputAsTarget(g, input, logits, fresh); err != nil {
			return nil, err
		}
	default:
		target = g.AddInput(inLabels, ir.TensorType(cfg.LabelType, ir.ShapeOf(append([]int{cfg.Batch}, cfg.LabelShape...)...)))
	}
	lossV, err := cfg.Loss.Append(g, logits, target, fresh)
	if err != nil {
		return nil, fmt.Errorf("loss: %w", err)
	}
	for _, name := range m.Aux {
		aux := graphOutput(g, name)
		if aux == nil {
			return nil, fmt.Errorf("the training graph has no auxiliary loss output %q", name)
		}
		n, err := g.AddNode(ir.NodeSpec{Op: "Add", Inputs: []*ir.Value{lossV, aux}, Outputs: []string{fresh("loss_with_" + name)}})
		if err != nil {
			return nil, fmt.Errorf("auxiliary loss %q: %w", name, err)
		}
		lossV = n.Outputs[0]
	}
	diffed := lossV
	if cfg.LossScaling {
		if diffed, err = scaleLoss(g, lossV, fresh); err != nil {
			return nil, err
		}
	}
	grads, err := autodiff.Gradients(g, diffed, params, fresh)
	if err != nil {
		return nil, fmt.Errorf("gradients: %w", err)
	}
	sg := &stepGraph{states: cfg.Optimizer.States()}
	outs := []*ir.Value{identity(g, lossV, outLoss), logits}
	if cfg.LossScaling {
		var check *ir.Value
		if grads, check, err = unscaleGradients(g, grads, fresh); err != nil {
			return nil, err
		}
		sg.checkOut = len(outs)
		outs = append(outs, identity(g, check, outGradCheck))
	}
	if cfg.Accumulate > 1 {
		// The gradients leave the graph; the update graph applies their
		// sum over the micro-batches.
		for i, p := range params {
			outs = append(outs, identity(g, grads[i], p.Name+gradSuffix))
			sg.grads = append(sg.grads, p.Name)
		}
	} else {
		upd, err := appendUpdate(g, params, grads, cfg, sg.states, fresh)
		if err != nil {
			return nil, err
		}
		outs, sg.carried = append(outs, upd...), updatedNames(params, sg.states)
	}
	for _, name := range statNames {
		v := graphOutput(g, m.Stats[name])
		if v == nil {
			return nil, fmt.Errorf("the training graph has no output %q for statistic %q", m.Stats[name], name)
		}
		outs = append(outs, v)
		sg.carried = append(sg.carried, name)
	}
	g.Outputs = outs
	g.RemoveDead()
	if err := ir.Verify(g); err != nil {
		return nil, fmt.Errorf("training step graph: %w", err)
	}
	sg.model = c
	if cfg.Accumulate > 1 {
		if sg.update, err = buildUpdate(params, cfg, sg.states, c.Opsets); err != nil {
			return nil, err
		}
	}
	return sg, nil
}

// inputAsTarget is the data input reshaped to the output's shape: the
// target of an autoencoder's reconstruction loss.
func inputAsTarget(g *ir.Graph, input, out *ir.Value, fresh func(string) string) (*ir.Value, error) {
	shape, ok := out.Type.Shape.Static()
	if !ok {
		return nil, fmt.Errorf("the output %q has shape %s; a reconstruction target needs it static", out.Name, out.Type.Shape)
	}
	in, _ := input.Type.Shape.Static()
	if size(in) != size(shape) {
		return nil, fmt.Errorf("the output %v and the input %v differ in size: the input cannot be the target", shape, in)
	}
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	c := g.AddInit(fresh("target_shape"), ir.FromSlice([]int{len(dims)}, dims))
	n, err := g.AddNode(ir.NodeSpec{Op: "Reshape", Inputs: []*ir.Value{input, c}, Outputs: []string{fresh("target")}})
	if err != nil {
		return nil, err
	}
	return n.Outputs[0], nil
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// gradSuffix names a gradient input or output after its parameter.
const gradSuffix = ".grad"

// appendUpdate appends clipping and the optimizer update to g and returns
// the updated parameters, then their states, in updatedNames' order.
func appendUpdate(g *ir.Graph, params, grads []*ir.Value, cfg StepConfig, states []optim.StateSpec, fresh func(string) string) ([]*ir.Value, error) {
	var err error
	if cfg.ClipNorm > 0 {
		if grads, _, err = optim.ClipGradNorm(g, grads, cfg.ClipNorm, fresh); err != nil {
			return nil, fmt.Errorf("clipping: %w", err)
		}
	}
	dt := params[0].Type.DType
	hyper := optim.Hyper{
		LR:   g.AddInput(inLR, ir.TensorType(dt, ir.ShapeOf())),
		Step: g.AddInput(inStep, ir.TensorType(dt, ir.ShapeOf())),
	}
	ps := make([]optim.Param, len(params))
	for i, p := range params {
		ps[i] = optim.Param{Name: p.Name, Value: p, Grad: grads[i]}
		for _, st := range states {
			ps[i].State = append(ps[i].State, g.AddInput(p.Name+"."+st.Suffix, p.Type))
		}
	}
	upd := make([]optim.Updated, len(ps))
	scaled := map[float64]*ir.Value{1: hyper.LR}
	for i, p := range ps {
		f, ok := cfg.LRScale[p.Name]
		if !ok {
			f = 1
		}
		if scaled[f] == nil {
			c := g.AddInit(fresh("lr_scale"), scalarOf(dt, f))
			n, err := g.AddNode(ir.NodeSpec{Op: "Mul", Inputs: []*ir.Value{hyper.LR, c}, Outputs: []string{fresh("lr_scaled")}})
			if err != nil {
				return nil, err
			}
			scaled[f] = n.Outputs[0]
		}
		if upd[i], err = cfg.Optimizer.Update(g, p, optim.Hyper{LR: scaled[f], Step: hyper.Step}, fresh); err != nil {
			return nil, fmt.Errorf("optimizer: %w", err)
		}
	}
	var outs []*ir.Value
	for i := range params {
		outs = append(outs, upd[i].Value)
	}
	for i := range params {
		outs = append(outs, upd[i].State...)
	}
	return outs, nil
}

// scalarOf is a rank-0 tensor of dt holding x.
func scalarOf(dt ir.DType, x float64) *ir.Tensor {
	t := ir.Zeros(dt, nil)
	t.SetFloat64At(0, x)
	return t
}

// updatedNames names appendUpdate's outputs: the parameters, then each
// one's states.
func updatedNames(params []*ir.Value, states []optim.StateSpec) []string {
	var names []string
	for _, p := range params {
		names = append(names, p.Name)
	}
	for _, p := range params {
		for _, st := range states {
			names = append(names, p.Name+"."+st.Suffix)
		}
	}
	return names
}

// buildUpdate is the update graph of gradient accumulation: inputs the
// parameters, their summed gradients (param + gradSuffix), states, lr and
// step; outputs the updated parameters and states.
func buildUpdate(params []*ir.Value, cfg StepConfig, states []optim.StateSpec, opsets map[string]int64) (*stepGraph, error) {
	g := ir.NewGraph("update")
	var ps, grads []*ir.Value
	for _, p := range params {
		ps = append(ps, g.AddInput(p.Name, p.Type))
	}
	for _, p := range params {
		grads = append(grads, g.AddInput(p.Name+gradSuffix, p.Type))
	}
	namer := ir.NewNamer(g)
	outs, err := appendUpdate(g, ps, grads, cfg, states, namer.Name)
	if err != nil {
		return nil, err
	}
	// Identity outputs: an output may not be an input of the same name.
	for i, v := range outs {
		outs[i] = identity(g, v, v.Name+"_out")
	}
	g.Outputs = outs
	if err := ir.Verify(g); err != nil {
		return nil, fmt.Errorf("update graph: %w", err)
	}
	return &stepGraph{model: &ir.Model{Graph: g, Opsets: maps.Clone(opsets)}, carried: updatedNames(params, states), states: states}, nil
}

// evalGraph is m.Eval with the parameters and statistics as inputs, so
// one session evaluates whatever values training has reached.
func evalGraph(m *Model) (*ir.Model, error) {
	c := ir.CloneModel(m.Eval)
	// Parameters of the training graph only (a projection head) are
	// absent here.
	var names []string
	for _, name := range append(slices.Clone(m.Params), slices.Sorted(maps.Keys(m.Stats))...) {
		if initValue(c.Graph, name) != nil {
			names = append(names, name)
		}
	}
	if _, err := promote(c.Graph, names); err != nil {
		return nil, err
	}
	c.Graph.Outputs = c.Graph.Outputs[:1]
	c.Graph.RemoveDead()
	return c, ir.Verify(c.Graph)
}

// identity names v: a graph output needs a value of its own name.
func identity(g *ir.Graph, v *ir.Value, name string) *ir.Value {
	n, err := g.AddNode(ir.NodeSpec{Op: "Identity", Inputs: []*ir.Value{v}, Outputs: []string{g.UniqueName(name)}})
	if err != nil {
		panic(err) // Identity of a typed value cannot fail
	}
	return n.Outputs[0]
}

func isMask(m *Model, name string) bool {
	return slices.ContainsFunc(m.Masks, func(mk Mask) bool { return mk.Input == name })
}

func graphInput(g *ir.Graph, name string) *ir.Value {
	for _, v := range g.Inputs {
		if v.Name == name {
			return v
		}
	}
	return nil
}

func graphOutput(g *ir.Graph, name string) *ir.Value {
	for _, v := range g.Outputs {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// batchShape is v's declared shape with its first dim set to batch.
func batchShape(v *ir.Value, batch int) ([]int, error) {
	s := v.Type.Shape
	if !s.Ranked || s.Rank() == 0 {
		return nil, fmt.Errorf("input %q has shape %s: want [batch, ...]", v.Name, s)
	}
	out := []int{batch}
	for _, d := range s.Dims[1:] {
		if !d.Known() {
			return nil, fmt.Errorf("input %q has shape %s: only the batch dim may be symbolic", v.Name, s)
		}
		out = append(out, int(d.Size))
	}
	return out, nil
}
