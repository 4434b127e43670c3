package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
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
	// Precision is the arithmetic of the step's matrix products
	// (gemm.Precision): bf16 or fp16 make it mixed-precision training, in
	// which parameters (the master weights), optimizer state, activations
	// and gradients stay float32 and only the products' operands are
	// rounded. Evaluation and Predict multiply in float32.
	Precision gemm.Precision
	// Scaling tunes dynamic loss scaling, which StepConfig.LossScaling
	// turns on (zero fields: PyTorch's defaults).
	Scaling LossScaling
	// Profile times every node of the training step (StepProfile).
	Profile bool
}

// Trainer runs training steps and evaluations of one Model.
type Trainer struct {
	m    *Model
	cfg  Config
	sg   *stepGraph
	eval *evaluator

	// Every carried value (parameter, optimizer state, statistic) has two
	// buffers: cur is fed, spare receives the update; they swap after a
	// run. step runs the training step; update, with accumulation, the
	// optimizer on the summed gradients.
	cur, spare  map[string]*ir.Tensor
	step        *binding
	update      *binding
	grads, acc  []*ir.Tensor // per parameter: the step's gradients, their sum
	micro       int          // micro-batches summed into acc
	x, labels   *ir.Tensor
	lr, stepNum *ir.Tensor
	masks       []*ir.Tensor
	maskP       []float64
	maskNormal  []bool
	external    map[string]*ir.Tensor // headers of Model.External inputs
	predict     *runtime.Session      // the inference graph, made by Predict
	lossScale   *ir.Tensor            // the scale input (loss scaling), or nil
	tokenName   string                // a token data input's name (tokens.go)
	tokenVocab  int                   // and the bound of its ids (0: none)

	// LossScale is dynamic loss scaling's state (StepConfig.LossScaling).
	LossScale LossScaleState

	// Steps is the number of optimizer steps taken.
	Steps int
}

// binding is one session with its RunInto arguments; inNames and
// outNames give the carried value at each position ("" elsewhere).
type binding struct {
	sess              *runtime.Session
	ins, outs         []*ir.Tensor
	inNames, outNames []string
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
	cfg.Scaling = cfg.Scaling.withDefaults()
	t := &Trainer{m: m, cfg: cfg, sg: sg, cur: map[string]*ir.Tensor{}, spare: map[string]*ir.Tensor{},
		external: map[string]*ir.Tensor{}}
	if cfg.LossScaling {
		t.LossScale.Scale = cfg.Scaling.Init
	}
	if !cfg.NoLabels {
		if t.eval, err = newEvaluator(m, cfg); err != nil {
			return nil, err
		}
	}
	dt := sg.model.Graph.Outputs[1].Type.DType
	t.lr, t.stepNum = ir.Zeros(dt, nil), ir.Zeros(dt, nil)
	if t.step, err = t.bind(sg); err != nil {
		return nil, err
	}
	if sg.update != nil {
		if t.update, err = t.bind(sg.update); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Trainer) session(m *ir.Model) (*runtime.Session, error) {
	opt := runtime.DefaultOptions()
	opt.Threads, opt.Precision, opt.Profile = t.cfg.Threads, t.cfg.Precision, t.cfg.Profile
	s, err := runtime.New(m, opt)
	if err != nil {
		return nil, fmt.Errorf("training step: %w", err)
	}
	return s, nil
}

// bind makes a session of sg and its argument lists: every input's
// tensor in the order the session takes them, every output's buffer.
func (t *Trainer) bind(sg *stepGraph) (*binding, error) {
	sess, err := t.session(sg.model)
	if err != nil {
		return nil, err
	}
	b := &binding{sess: sess}
	carried := map[string]bool{}
	for _, name := range sg.carried {
		carried[name] = true
	}
	for _, v := range sess.Inputs() {
		shape, _ := v.Type.Shape.Static()
		name, tensor := "", (*ir.Tensor)(nil)
		switch {
		case carried[v.Name] || t.cur[v.Name] != nil || t.m.Values[v.Name] != nil:
			if t.cur[v.Name] == nil {
				init, err := t.initial(v.Name, v.Type.DType, shape)
				if err != nil {
					return nil, err
				}
				t.cur[v.Name], t.spare[v.Name] = init, ir.Zeros(init.DType, init.Shape)
			}
			name, tensor = v.Name, t.cur[v.Name]
		case slices.Contains(t.m.External, v.Name):
			tensor = &ir.Tensor{DType: v.Type.DType, Shape: shape}
			t.external[v.Name] = tensor
		case v.Name == inLabels:
			t.labels = ir.Zeros(v.Type.DType, shape)
			tensor = t.labels
		case v.Name == inLR:
			tensor = t.lr
		case v.Name == inStep:
			tensor = t.stepNum
		case v.Name == inLossScale:
			t.lossScale = ir.Zeros(v.Type.DType, nil)
			tensor = t.lossScale
		case isMask(t.m, v.Name):
			tensor = ir.Zeros(v.Type.DType, shape)
			mk := t.m.Masks[slices.IndexFunc(t.m.Masks, func(m Mask) bool { return m.Input == v.Name })]
			t.masks = append(t.masks, tensor)
			t.maskP, t.maskNormal = append(t.maskP, mk.P), append(t.maskNormal, mk.Normal)
		case len(v.Name) > len(gradSuffix) && v.Name[len(v.Name)-len(gradSuffix):] == gradSuffix:
			tensor = ir.Zeros(v.Type.DType, shape)
			t.acc = append(t.acc, tensor)
		default:
			if t.x != nil {
				return nil, fmt.Errorf("the training step has two data inputs (%s and %q)", t.x, v.Name)
			}
			t.x = newDataInput(v.Type.DType, shape)
			if isTokenType(v.Type.DType) {
				t.tokenName, t.tokenVocab = tokenInput(t.m.Train.Graph)
			}
			tensor = t.x
		}
		b.ins, b.inNames = append(b.ins, tensor), append(b.inNames, name)
	}
	outs := sg.model.Graph.Outputs
	first := len(outs) - len(sg.carried)
	for k, v := range outs {
		if k >= first {
			name := sg.carried[k-first]
			b.outs, b.outNames = append(b.outs, t.spare[name]), append(b.outNames, name)
			continue
		}
		shape, ok := v.Type.Shape.Static()
		if !ok {
			return nil, fmt.Errorf("training step output %q has shape %s", v.Name, v.Type.Shape)
		}
		out := ir.Zeros(v.Type.DType, shape)
		if k >= 2 && k != sg.checkOut { // a gradient, with accumulation
			t.grads = append(t.grads, out)
		}
		b.outs, b.outNames = append(b.outs, out), append(b.outNames, "")
	}
	return b, nil
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

// run runs a binding and swaps the buffers of the values it carries.
func (t *Trainer) run(b *binding) error {
	if err := b.sess.RunInto(b.ins, b.outs); err != nil {
		return err
	}
	t.commit(b)
	return nil
}

// SetExternal points the Model.External inputs at vals (by name; the
// data is read, not copied, by the next steps). Every external input must
// be set before the first step.
func (t *Trainer) SetExternal(vals map[string]*ir.Tensor) error {
	for name, v := range vals {
		h := t.external[name]
		if h == nil {
			return fmt.Errorf("%q is not an external input of the training step", name)
		}
		if v.DType != h.DType || !slices.Equal(v.Shape, h.Shape) {
			return fmt.Errorf("external %q: got %s, the step takes %s%v", name, v, h.DType, h.Shape)
		}
		h.Data = v.Data
	}
	return nil
}

// BatchShape is the shape of the data a step takes.
func (t *Trainer) BatchShape() []int { return slices.Clone(t.x.Shape) }

// StepResult is what one step measured.
type StepResult struct {
	Loss float64
	// Correct counts the samples whose largest logit is their class
	// (classification only).
	Correct int
	// Skipped: the gradients overflowed under loss scaling, so nothing
	// was updated and the scale was lowered.
	Skipped bool
}

// Step runs one training step on x (the batch, BatchShape's size; token
// ids as whole numbers for an int64 or int32 data input) and
// labels (class indices, or targets for regression) at learning rate lr;
// with accumulation, every Accumulate-th call applies the mean of the
// summed gradients (a partial sum carries over to the next epoch, and is
// not in checkpoints). A non-finite loss returns ErrNonFinite and leaves
// every value as it was.
func (t *Trainer) Step(x []float32, classes []int64, targets []float32, lr float64) (StepResult, error) {
	if err := t.feedData(x); err != nil {
		return StepResult{}, fmt.Errorf("step %d: %w", t.Steps+1, err)
	}
	if t.labels != nil {
		switch d := t.labels.Data.(type) {
		case []int64:
			copy(d, classes)
		case []float32:
			copy(d, targets)
		}
	}
	t.lr.SetFloat64At(0, lr)
	t.stepNum.SetFloat64At(0, float64(t.Steps+1))
	if t.lossScale != nil {
		t.lossScale.SetFloat64At(0, t.LossScale.Scale)
	}
	t.fillMasks()
	out := t.step.outs
	if err := t.step.sess.RunInto(t.step.ins, out); err != nil {
		return StepResult{}, fmt.Errorf("step %d: %w", t.Steps+1, err)
	}
	res := StepResult{Loss: out[0].Float64At(0)}
	if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
		return res, fmt.Errorf("step %d: %w (%v)", t.Steps+1, ErrNonFinite, res.Loss)
	}
	if classes != nil && !t.cfg.TargetInput && !t.cfg.NoLabels {
		res.Correct = countCorrect(out[1], classes)
	}
	if c := t.sg.checkOut; c > 0 && !t.LossScale.afterStep(t.cfg.Scaling, isFinite(out[c].Float64At(0))) {
		res.Skipped = true
		return res, nil
	}
	t.commit(t.step)
	if t.update == nil {
		t.Steps++
		return res, nil
	}
	for i, g := range t.grads {
		addInto(t.acc[i], g, t.micro == 0)
	}
	t.micro++
	if t.micro < t.cfg.Accumulate {
		return res, nil
	}
	for _, a := range t.acc {
		scale(a, 1/float64(t.micro))
	}
	t.micro = 0
	if err := t.run(t.update); err != nil {
		return res, fmt.Errorf("step %d: update: %w", t.Steps+1, err)
	}
	t.Steps++
	return res, nil
}

// commit swaps the buffers of the values a binding that has just run
// carries.
func (t *Trainer) commit(b *binding) {
	for _, name := range b.outNames {
		if name != "" {
			t.cur[name], t.spare[name] = t.spare[name], t.cur[name]
		}
	}
	t.rebind()
}

// rebind points every binding's carried arguments at the current buffers.
func (t *Trainer) rebind() {
	for _, bb := range []*binding{t.step, t.update} {
		if bb == nil {
			continue
		}
		for k, name := range bb.inNames {
			if name != "" {
				bb.ins[k] = t.cur[name]
			}
		}
		for k, name := range bb.outNames {
			if name != "" {
				bb.outs[k] = t.spare[name]
			}
		}
	}
}

// addInto sets dst to src (first) or adds src into it.
func addInto(dst, src *ir.Tensor, first bool) {
	switch d := dst.Data.(type) {
	case []float32:
		s := src.Data.([]float32)
		if first {
			copy(d, s)
			return
		}
		for i := range d {
			d[i] += s[i]
		}
	case []float64:
		s := src.Data.([]float64)
		if first {
			copy(d, s)
			return
		}
		for i := range d {
			d[i] += s[i]
		}
	}
}

func scale(t *ir.Tensor, f float64) {
	switch d := t.Data.(type) {
	case []float32:
		for i := range d {
			d[i] *= float32(f)
		}
	case []float64:
		for i := range d {
			d[i] *= f
		}
	}
}

// fillMasks draws this step's dropout masks, from the seed and the step
// number so a resumed run draws the same ones.
func (t *Trainer) fillMasks() {
	if len(t.masks) == 0 {
		return
	}
	r := rand.New(rand.NewPCG(t.cfg.Seed, uint64(t.Steps*max(t.cfg.Accumulate, 1)+t.micro)+0x9e3779b97f4a7c15))
	for i, mk := range t.masks {
		p := t.maskP[i]
		keep := float32(1 / (1 - p))
		d := mk.Data.([]float32)
		if t.maskNormal[i] {
			for j := range d {
				d[j] = float32(r.NormFloat64())
			}
			continue
		}
		for j := range d {
			if r.Float64() < p {
				d[j] = 0
			} else {
				d[j] = keep
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
	for name, v := range t.cur {
		out[name] = v
	}
	return out
}

// SetValues replaces current values by name (a checkpoint's); every name
// must be one the trainer carries, with its dtype and shape.
func (t *Trainer) SetValues(vals map[string]*ir.Tensor) error {
	for name, v := range vals {
		cur := t.cur[name]
		if cur == nil {
			return fmt.Errorf("%q is not a value of this model", name)
		}
		if v.DType != cur.DType || !slices.Equal(v.Shape, cur.Shape) {
			return fmt.Errorf("%q: got %s, the model holds %s", name, v, cur)
		}
		cur.CopyFrom(v)
	}
	return nil
}

// Sync writes the current parameters and statistics back into the
// Model's Values (for export).
func (t *Trainer) Sync() {
	for name := range t.m.Values {
		if v := t.cur[name]; v != nil {
			t.m.Values[name] = v.Clone()
		}
	}
}

// Plan describes the training step's execution plan (steps on fast and
// reference kernels, arena bytes).
func (t *Trainer) Plan() (*runtime.PlanInfo, error) { return t.step.sess.Plan(nil) }
