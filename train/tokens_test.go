package train

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/internal/ortrun"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// orderTask is n sequences of 12 tokens from a vocabulary of 10 holding
// one 3 and one 5 at random positions (the rest drawn from the other
// eight), labelled 1 when the 3 comes first: a task that needs the order
// of the tokens, not only which occur. The ids travel as float32, as
// every dataset's features do.
func orderTask(n int, seed uint64) *data.Memory {
	const steps = 12
	r := rand.New(rand.NewPCG(seed, 12))
	others := []int{0, 1, 2, 4, 6, 7, 8, 9}
	x := make([]float32, n*steps)
	classes := make([]int64, n)
	for i := range n {
		row := x[i*steps : (i+1)*steps]
		for j := range row {
			row[j] = float32(others[r.IntN(len(others))])
		}
		p3 := r.IntN(steps)
		p5 := (p3 + 1 + r.IntN(steps-1)) % steps
		row[p3], row[p5] = 3, 5
		if p3 < p5 {
			classes[i] = 1
		}
	}
	m, err := data.NewClassification("order", x, []int{steps}, classes, 2)
	if err != nil {
		panic(err)
	}
	return m
}

// tokenTrainer builds def (token ids in) and its trainer.
func tokenTrainer(t *testing.T, def dsl.Def, batch int) (*dsl.Model, *Trainer) {
	t.Helper()
	d, err := def.Build(1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromDSL(d)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(m, Config{StepConfig: StepConfig{Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: batch}, Threads: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return d, tr
}

// An Embedding + LSTM model built with the DSL, its int64 token input
// fed from float32 batches, learns the order task through Fit (the
// loader, the step, the evaluation); Predict agrees with Evaluate, and
// the exported model computes the same logits in ONNX Runtime. The LSTM
// is sequence first: the embedded batch [batch, steps, dim] goes through
// ToSequenceFirst.
func TestTrainTokenModel(t *testing.T) {
	def := dsl.Sequential("order", []int{12},
		dsl.Embedding(10, 8), dsl.ToSequenceFirst(), dsl.LSTM(16, dsl.SequenceFirst()), dsl.Dense(2))
	def.InputDType = ir.Int64
	d, tr := tokenTrainer(t, def, 32)
	if got := tr.x.DType; got != ir.Int64 {
		t.Fatalf("the step's data input is %s", got)
	}
	train, val := orderTask(2048, 1), orderTask(512, 2)
	start := time.Now()
	res, err := tr.Fit(FitConfig{Epochs: 6, Train: train, Val: val, Loader: data.LoaderOptions{Shuffle: true, Seed: 1},
		Schedule: &Schedule{Kind: "none", Base: 0.02}})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Epochs[len(res.Epochs)-1]
	t.Logf("%d epochs in %v: train loss %.4f, validation loss %.4f accuracy %.3f",
		len(res.Epochs), time.Since(start).Round(time.Millisecond), last.Train.Loss, last.Val.Loss, last.Val.Accuracy)
	if last.Val.Accuracy < 0.95 {
		t.Errorf("validation accuracy %.3f on the order task", last.Val.Accuracy)
	}
	// The task needs the order: the same embedding mean-pooled (which
	// sees which tokens occur, not where) stays near chance.
	pool := dsl.Sequential("pool", []int{12}, dsl.Embedding(10, 8), dsl.MeanTokens(), dsl.Dense(16), dsl.ReLU(), dsl.Dense(2))
	pool.InputDType = ir.Int64
	_, ptr := tokenTrainer(t, pool, 32)
	pres, err := ptr.Fit(FitConfig{Epochs: 6, Train: train, Val: val, Loader: data.LoaderOptions{Shuffle: true, Seed: 1},
		Schedule: &Schedule{Kind: "none", Base: 0.02}})
	if err != nil {
		t.Fatal(err)
	}
	if acc := pres.Epochs[len(pres.Epochs)-1].Val.Accuracy; acc > 0.65 {
		t.Errorf("a mean-pooling model reaches %.3f on the order task: it does not need the order", acc)
	} else {
		t.Logf("mean-pooling control: validation accuracy %.3f", acc)
	}

	// Predict on the first 64 validation samples agrees with the labels
	// as often as Evaluate says, within sampling, and exactly with the
	// export in ORT.
	const n = 64
	x := make([]float32, n*12)
	cls := make([]int64, n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	val.Fill(idx, x, cls, nil)
	logits, err := tr.Predict(x, n)
	if err != nil {
		t.Fatal(err)
	}
	if c := countCorrect(logits, cls); float64(c) < 0.9*n {
		t.Errorf("Predict gets %d of %d right", c, n)
	}
	if err := tr.ToDSL(d); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "order.onnx")
	if err := d.Export(path); err != nil {
		t.Fatal(err)
	}
	ort, err := ortrun.Find("..")
	if err != nil {
		t.Skipf("ONNX Runtime not available (%v); the export is not checked", err)
	}
	ids := make([]int64, len(x))
	for i, v := range x {
		ids[i] = int64(v)
	}
	outs, err := ort.Run(path, map[string]*ir.Tensor{dsl.InputName: ir.FromSlice([]int{n, 12}, ids)})
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range logits.Len() {
		worst = max(worst, math.Abs(outs[0].Float64At(i)-logits.Float64At(i)))
	}
	t.Logf("largest difference of the exported logits in ONNX Runtime: %g", worst)
	if outs[0].Len() != logits.Len() || worst > 1e-4 {
		t.Errorf("ONNX Runtime gives %v, differing from Predict by %g", outs[0].Shape, worst)
	}
}

// Values that are not token ids are errors naming the input, from Step,
// Evaluate and Predict, for int64 and int32 inputs; nothing is updated.
func TestTokenInputErrors(t *testing.T) {
	for _, dt := range []ir.DType{ir.Int64, ir.Int32} {
		def := dsl.Sequential("pool", []int{4}, dsl.Embedding(6, 3), dsl.MeanTokens(), dsl.Dense(2))
		def.InputDType = dt
		_, tr := tokenTrainer(t, def, 2)
		if tr.x.DType != dt {
			t.Fatalf("the step's data input is %s, want %s", tr.x.DType, dt)
		}
		good := []float32{0, 1, 2, 3, 4, 5, 5, 0}
		if _, err := tr.Step(good, []int64{0, 1}, nil, 0.1); err != nil {
			t.Fatalf("%s: %v", dt, err)
		}
		before := tr.Values()["dense_1.weight"].Clone()
		for _, c := range []struct {
			bad  float32
			want string
		}{
			{2.5, "element 3 is 2.5, not a token id"},
			{float32(math.NaN()), "not a token id"},
			{6, "token id 6 at element 3 is outside the embedding's range [0, 6)"},
			{-1, "token id -1 at element 3 is outside"},
			{1e10, "outside"},
		} {
			x := append([]float32{}, good...)
			x[3] = c.bad
			_, err := tr.Step(x, []int64{0, 1}, nil, 0.1)
			if err == nil || !strings.Contains(err.Error(), `input "input"`) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: step on %v: error %v, want one naming the input with %q", dt, c.bad, err, c.want)
			}
			if _, err := tr.Predict(x, 2); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: predict on %v: error %v", dt, c.bad, err)
			}
			ds, err := data.NewClassification("bad", x, []int{4}, []int64{0, 1}, 2)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tr.Evaluate(ds); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "samples 0 to 1") {
				t.Errorf("%s: evaluate on %v: error %v", dt, c.bad, err)
			}
		}
		if _, err := tr.Step(good[:6], []int64{0, 1}, nil, 0.1); err == nil || !strings.Contains(err.Error(), "6 values for a batch of 8 token ids") {
			t.Errorf("%s: short batch: error %v", dt, err)
		}
		if after := tr.Values()["dense_1.weight"]; maxAbsDiff(before, after) != 0 || tr.Steps != 1 {
			t.Errorf("%s: a rejected batch changed the weights or the step count (%d)", dt, tr.Steps)
		}
		// The ids reach the Embedding as given: Predict on one-token
		// sequences is the Dense of that token's row.
		logits, err := tr.Predict([]float32{2, 2, 2, 2}, 1)
		if err != nil {
			t.Fatal(err)
		}
		v := tr.Values()
		emb, w, b := v["embedding_1.weight"], v["dense_1.weight"], v["dense_1.bias"]
		for o := range 2 {
			want := b.Float64At(o)
			for j := range 3 {
				want += w.Float64At(o*3+j) * emb.Float64At(2*3+j)
			}
			if math.Abs(logits.Float64At(o)-want) > 1e-5 {
				t.Errorf("%s: logit %d is %v, want %v", dt, o, logits.Float64At(o), want)
			}
		}
	}
}

func maxAbsDiff(a, b *ir.Tensor) float64 {
	d := 0.0
	for i := range a.Len() {
		d = max(d, math.Abs(a.Float64At(i)-b.Float64At(i)))
	}
	return d
}
