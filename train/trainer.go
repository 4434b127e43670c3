package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// Config configures a Trainer.
type Config struct {
	StepConfig
	// Threads for the kernels; 0 is one per core.
	Threads int
	// Seed draws the dropout masks (with the step number).
	Seed uint64
}

// Trainer runs training steps and evaluations of one Model.
type Trainer struct {
	m    *Model
	cfg  Config
	sg   *stepGraph
	sess *runtime.Session
	eval *evaluator

	// ins and outs are RunInto's arguments; carried[i] is fed at
	// ins[carriedIn[i]] and comes back at outs[2+i]; cur and spare hold
	// the two buffers of each carried value.
	ins, outs   []*ir.Tensor
	carriedIn   []int
	cur, spare  []*ir.Tensor
	x, labels   *ir.Tensor
	lr, stepNum *ir.Tensor
	masks       []*ir.Tensor
	maskP       []float64

	// Steps is the number of optimizer steps taken.
	Steps int
}

// ErrNonFinite is returned (wrapped, naming the step) when a step's loss
// is NaN or infinite; the step's updates are not kept.
var ErrNonFinite = errors.New("the loss is not finite")

// New compiles the training step and the evaluation graph of m.
func New(m *Model, cfg Config) (*Trainer, error) {
	if cfg.Batch < 1 {
		return nil, fmt.Errorf("batch size %d: want at least 1", cfg.Batch)
	}
	if cfg.LabelType == ir.Undefined {
		cfg.LabelType = ir.Int64
	}
	sg, err := buildStep(m, cfg.StepConfig)
	if err != nil {
		return nil, err
	}
	opt := runtime.DefaultOptions()
	opt.Threads = cfg.Threads
	sess, err := runtime.New(sg.model, opt)
	if err != nil {
		return nil, fmt.Errorf("training step: %w", err)
	}
	t := &Trainer{m: m, cfg: cfg, sg: sg, sess: sess}
	if t.eval, err = newEvaluator(m, cfg); err != nil {
		return nil, err
	}
	return t, t.bind()
}

// bind makes the step's argument lists: every input's tensor, in the
// order the session takes them, and every output's buffer.
func (t *Trainer) bind() error {
	g := t.sg.model.Graph
	index := map[string]int{}
	for i, name := range t.sg.carried {
		index[name] = i
	}
	t.cur = make([]*ir.Tensor, len(t.sg.carried))
	t.spare = make([]*ir.Tensor, len(t.sg.carried))
	t.carriedIn = make([]int, len(t.sg.carried))
	t.lr, t.stepNum = ir.Zeros(g.Outputs[1].Type.DType, nil), ir.Zeros(g.Outputs[1].Type.DType, nil)
	for k, v := range t.sess.Inputs() {
		shape, _ := v.Type.Shape.Static()
		var tensor *ir.Tensor
		switch i, carried := index[v.Name]; {
		case carried:
			init, err := t.initial(v.Name, v.Type.DType, shape)
			if err != nil {
				return err
			}
			t.cur[i], t.spare[i], t.carriedIn[i] = init, ir.Zeros(init.DType, init.Shape), k
			tensor = init
		case v.Name == inLabels:
			t.labels = ir.Zeros(v.Type.DType, shape)
			tensor = t.labels
		case v.Name == inLR:
			tensor = t.lr
		case v.Name == inStep:
			tensor = t.stepNum
		case isMask(t.m, v.Name):
			mk := ir.Zeros(v.Type.DType, shape)
			t.masks = append(t.masks, mk)
			t.maskP = append(t.maskP, t.m.Masks[slices.IndexFunc(t.m.Masks, func(m Mask) bool { return m.Input == v.Name })].P)
			tensor = mk
		default:
			if t.x != nil {
				return fmt.Errorf("the training step has two data inputs (%q and %q)", t.x.String(), v.Name)
			}
			t.x = &ir.Tensor{DType: v.Type.DType, Shape: shape}
			tensor = t.x
		}
		t.ins = append(t.ins, tensor)
	}
	for _, v := range g.Outputs[:2] {
		shape, ok := v.Type.Shape.Static()
		if !ok {
			return fmt.Errorf("training step output %q has shape %s", v.Name, v.Type.Shape)
		}
		t.outs = append(t.outs, ir.Zeros(v.Type.DType, shape))
	}
	t.outs = append(t.outs, t.spare...)
	return nil
}

// initial is the starting value of a carried input: a parameter's or
// statistic's current value (copied: the trainer writes its buffers), or
// an optimizer state's initial value.
func (t *Trainer) initial(name string, dt ir.DType, shape []int) (*ir.Tensor, error) {
	if v := t.m.Values[name]; v != nil {
		if !slices.Equal(v.Shape, shape) || v.DType != dt {
			return nil, fmt.Errorf("%q holds %s, the graph takes %s%v", name, v, dt, shape)
		}
		return v.Clone(), nil
	}
	for _, p := range t.m.Params {
		for _, st := range t.sg.states {
			if name == p+"."+st.Suffix {
				return st.Initial(dt, shape), nil
			}
		}
	}
	return nil, fmt.Errorf("no value for %q", name)
}

// BatchShape is the shape of the data a step takes.
func (t *Trainer) BatchShape() []int { return slices.Clone(t.x.Shape) }

// StepResult is what one step measured.
type StepResult struct {
	Loss float64
	// Correct counts the samples whose largest logit is their class
	// (classification only).
	Correct int
}

// Step runs one training step on x (the batch, BatchShape's size) and
// labels (class indices, or targets for regression) at learning rate lr.
// A non-finite loss returns ErrNonFinite and leaves every value as it was.
func (t *Trainer) Step(x []float32, classes []int64, targets []float32, lr float64) (StepResult, error) {
	t.x.Data = x
	switch d := t.labels.Data.(type) {
	case []int64:
		copy(d, classes)
	case []float32:
		copy(d, targets)
	}
	t.lr.SetFloat64At(0, lr)
	t.stepNum.SetFloat64At(0, float64(t.Steps+1))
	t.fillMasks()
	if err := t.sess.RunInto(t.ins, t.outs); err != nil {
		return StepResult{}, fmt.Errorf("step %d: %w", t.Steps+1, err)
	}
	res := StepResult{Loss: t.outs[0].Float64At(0)}
	if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
		return res, fmt.Errorf("step %d: %w (%v)", t.Steps+1, ErrNonFinite, res.Loss)
	}
	if classes != nil {
		res.Correct = countCorrect(t.outs[1], classes)
	}
	// The outputs become the next step's inputs.
	for i := range t.cur {
		t.cur[i], t.spare[i] = t.spare[i], t.cur[i]
		t.ins[t.carriedIn[i]] = t.cur[i]
		t.outs[2+i] = t.spare[i]
	}
	t.Steps++
	return res, nil
}

// fillMasks draws this step's dropout masks, from the seed and the step
// number so a resumed run draws the same ones.
func (t *Trainer) fillMasks() {
	if len(t.masks) == 0 {
		return
	}
	r := rand.New(rand.NewPCG(t.cfg.Seed, uint64(t.Steps)+0x9e3779b97f4a7c15))
	for i, mk := range t.masks {
		p := t.maskP[i]
		keep := 1 / (1 - p)
		d := mk.Data.([]float32)
		for j := range d {
			if r.Float64() < p {
				d[j] = 0
			} else {
				d[j] = float32(keep)
			}
		}
	}
}

// countCorrect counts rows of logits whose argmax is the label.
func countCorrect(logits *ir.Tensor, classes []int64) int {
	n := len(classes)
	if n == 0 {
		return 0
	}
	c := logits.Len() / n
	correct := 0
	for i := range n {
		best := 0
		for j := 1; j < c; j++ {
			if logits.Float64At(i*c+j) > logits.Float64At(i*c+best) {
				best = j
			}
		}
		if int64(best) == classes[i] {
			correct++
		}
	}
	return correct
}

// Values returns the current value of every parameter, statistic and
// optimizer state, by name (the trainer's own buffers: copy to keep).
func (t *Trainer) Values() map[string]*ir.Tensor {
	out := map[string]*ir.Tensor{}
	for i, name := range t.sg.carried {
		out[name] = t.cur[i]
	}
	return out
}

// SetValues replaces current values by name (a checkpoint's); every name
// must be one the trainer carries, with its dtype and shape.
func (t *Trainer) SetValues(vals map[string]*ir.Tensor) error {
	index := map[string]int{}
	for i, name := range t.sg.carried {
		index[name] = i
	}
	for name, v := range vals {
		i, ok := index[name]
		if !ok {
			return fmt.Errorf("%q is not a value of this model", name)
		}
		if v.DType != t.cur[i].DType || !slices.Equal(v.Shape, t.cur[i].Shape) {
			return fmt.Errorf("%q: got %s, the model holds %s", name, v, t.cur[i])
		}
		t.cur[i].CopyFrom(v)
	}
	return nil
}

// Sync writes the current parameters and statistics back into the
// Model's Values (for export).
func (t *Trainer) Sync() {
	for i, name := range t.sg.carried {
		if v := t.m.Values[name]; v != nil {
			t.m.Values[name] = t.cur[i].Clone()
		}
	}
}
