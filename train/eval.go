package train

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/dlc-go/dlc/train/data"
)

// evalBatch is the batch size evaluation runs at (the last batch of a
// dataset is smaller: a second plan).
const evalBatch = 256

// evaluator runs the inference graph with the loss appended: inputs the
// batch, the labels and every parameter and statistic; outputs the logits
// and the loss.
type evaluator struct {
	sess  *runtime.Session
	names []string // session inputs by position
	data  string   // the data input's name
	cfg   StepConfig
	// ids is the data input's dtype when it takes token ids (int64,
	// int32), vocab their bound (tokens.go); ids is Undefined otherwise.
	ids   ir.DType
	vocab int
}

func newEvaluator(m *Model, cfg Config) (*evaluator, error) {
	c, err := evalGraph(m)
	if err != nil {
		return nil, fmt.Errorf("evaluation graph: %w", err)
	}
	g := c.Graph
	logits := g.Outputs[0]
	var input *ir.Value
	for _, v := range g.Inputs {
		if v.Init == nil && m.Values[v.Name] == nil {
			input = v
		}
	}
	if input == nil || !input.Type.Shape.Ranked || input.Type.Shape.Rank() == 0 {
		return nil, fmt.Errorf("evaluation graph: no batch input")
	}
	namer := ir.NewNamer(g)
	var target *ir.Value
	if cfg.TargetInput {
		// The input reshaped to the output's shape, batch left free.
		dims := []int64{-1}
		for _, d := range logits.Type.Shape.Dims[1:] {
			dims = append(dims, d.Size)
		}
		c := g.AddInit(namer.Name("target_shape"), ir.FromSlice([]int{len(dims)}, dims))
		n, err := g.AddNode(ir.NodeSpec{Op: "Reshape", Inputs: []*ir.Value{input, c}, Outputs: []string{namer.Name("target")}})
		if err != nil {
			return nil, fmt.Errorf("evaluation graph: %w", err)
		}
		target = n.Outputs[0]
	} else {
		labelDims := []ir.Dim{input.Type.Shape.Dims[0]}
		for _, d := range cfg.LabelShape {
			labelDims = append(labelDims, ir.Static(int64(d)))
		}
		target = g.AddInput(inLabels, ir.TensorType(cfg.LabelType, ir.Shape{Ranked: true, Dims: labelDims}))
	}
	lossV, err := cfg.Loss.Append(g, logits, target, namer.Name)
	if err != nil {
		return nil, fmt.Errorf("evaluation loss: %w", err)
	}
	g.Outputs = []*ir.Value{logits, identity(g, lossV, outLoss)}
	if err := ir.Verify(g); err != nil {
		return nil, fmt.Errorf("evaluation graph: %w", err)
	}
	opt := runtime.DefaultOptions()
	opt.Threads = cfg.Threads
	sess, err := runtime.New(c, opt)
	if err != nil {
		return nil, fmt.Errorf("evaluation graph: %w", err)
	}
	e := &evaluator{sess: sess, data: input.Name, cfg: cfg.StepConfig}
	if isTokenType(input.Type.DType) {
		e.ids = input.Type.DType
		e.vocab = tokenVocab(g, input.Name)
	}
	for _, v := range sess.Inputs() {
		e.names = append(e.names, v.Name)
	}
	return e, nil
}

// Metrics are a loss and an accuracy over a dataset (accuracy only for
// classification: -1 otherwise).
type Metrics struct {
	Loss, Accuracy float64
	Samples        int
}

// Evaluate runs the inference graph over ds with the trainer's current
// values.
func (t *Trainer) Evaluate(ds data.Dataset) (Metrics, error) {
	if t.eval == nil {
		return Metrics{}, fmt.Errorf("evaluation: the training step has no loss target to evaluate")
	}
	return t.eval.run(ds, t.Values())
}

func (e *evaluator) run(ds data.Dataset, values map[string]*ir.Tensor) (Metrics, error) {
	n := ds.Len()
	if n == 0 {
		return Metrics{}, fmt.Errorf("evaluation: the dataset is empty")
	}
	sample := 1
	for _, d := range ds.SampleShape() {
		sample *= d
	}
	classify := !ds.Labels().Regression && !e.cfg.TargetInput
	target := ds.Labels().Size()
	x := make([]float32, evalBatch*sample)
	var ids *ir.Tensor // the token buffer (integer data input)
	if e.ids != ir.Undefined {
		ids = ir.Zeros(e.ids, []int{evalBatch * sample})
	}
	classes := make([]int64, evalBatch)
	targets := make([]float32, evalBatch*max(target, 1))
	idx := make([]int, evalBatch)
	var m Metrics
	var lossSum float64
	correct := 0
	for start := 0; start < n; start += evalBatch {
		b := min(evalBatch, n-start)
		for i := range b {
			idx[i] = start + i
		}
		var cls []int64
		var tg []float32
		if !ds.Labels().Regression {
			cls = classes[:b]
		} else {
			tg = targets[:b*target]
		}
		ds.Fill(idx[:b], x[:b*sample], cls, tg)
		feeds := map[string]ir.Data{}
		for _, name := range e.names {
			switch {
			case name == e.data && ids != nil:
				in, err := tokenBatch(ids, x[:b*sample], append([]int{b}, ds.SampleShape()...), name, e.vocab)
				if err != nil {
					return m, fmt.Errorf("evaluation: samples %d to %d: %w", start, start+b-1, err)
				}
				feeds[name] = in
			case name == e.data:
				feeds[name] = ir.FromSlice(append([]int{b}, ds.SampleShape()...), x[:b*sample])
			case name == inLabels:
				if classify {
					feeds[name] = ir.FromSlice([]int{b}, cls)
				} else {
					feeds[name] = ir.FromSlice(append([]int{b}, e.cfg.LabelShape...), tg)
				}
			default:
				v := values[name]
				if v == nil {
					return m, fmt.Errorf("evaluation: no value for input %q", name)
				}
				feeds[name] = v
			}
		}
		outs, err := e.sess.Run(feeds)
		if err != nil {
			return m, fmt.Errorf("evaluation: %w", err)
		}
		logits, lossT := outs[0].(*ir.Tensor), outs[1].(*ir.Tensor)
		lossSum += lossT.Float64At(0) * float64(b)
		if classify {
			correct += countCorrect(logits, cls)
		}
	}
	m.Samples = n
	m.Loss = lossSum / float64(n)
	m.Accuracy = -1
	if classify {
		m.Accuracy = float64(correct) / float64(n)
	}
	return m, nil
}
