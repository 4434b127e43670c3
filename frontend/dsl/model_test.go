package dsl

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

func TestTrainAndEvalGraphsRun(t *testing.T) {
	m := mustBuild(t, FashionCNN(), 1)
	r := rand.New(rand.NewPCG(1, 2))
	for _, batch := range []int{0, 3} {
		for _, mode := range []Mode{Train, Eval} {
			g, err := m.Graph(mode, batch)
			if err != nil {
				t.Fatal(err)
			}
			feeds := map[string]ir.Data{}
			if mode == Train {
				feeds = masksFor(m, 3, r)
			}
			feeds[InputName] = randomInput(m, 3, r)
			for _, opt := range []runtime.Options{{Reference: true, CheckTypes: true}, runtime.DefaultOptions()} {
				outs := run(t, g, opt, feeds)
				checkFinite(t, "logits", outs[0], 3, 10)
				if mode == Train {
					checkFinite(t, "batchnorm_1.running_mean:new", outs[1], 32)
				}
			}
		}
	}
}

func TestTrainGraphHasMasksAndBatchStatistics(t *testing.T) {
	m := mustBuild(t, FashionCNN(), 1)
	masks := m.Masks()
	if len(masks) != 1 || masks[0].Input != "dropout_1.mask" || masks[0].P != 0.3 || !slices.Equal(masks[0].Shape, []int{128}) {
		t.Fatalf("masks %+v, want dropout_1.mask p=0.3 [128]", masks)
	}
	var updates []string
	for _, s := range m.State() {
		updates = append(updates, s.Update)
		if s.Trainable {
			t.Errorf("state %s is trainable", s.Name)
		}
	}
	wantUpdates := []string{"batchnorm_1.running_mean:new", "batchnorm_1.running_var:new",
		"batchnorm_2.running_mean:new", "batchnorm_2.running_var:new"}
	if !slices.Equal(updates, wantUpdates) {
		t.Fatalf("state updates %v, want %v", updates, wantUpdates)
	}
	for _, mode := range []Mode{Train, Eval} {
		g, err := m.Graph(mode, 0)
		if err != nil {
			t.Fatal(err)
		}
		var inputs, outputs []string
		for _, v := range g.Graph.Inputs {
			inputs = append(inputs, v.Name)
		}
		for _, v := range g.Graph.Outputs {
			outputs = append(outputs, v.Name)
		}
		wantIn, wantOut := []string{"input"}, []string{"logits"}
		if mode == Train {
			wantIn = append(wantIn, "dropout_1.mask")
			wantOut = append(wantOut, wantUpdates...)
		}
		if !slices.Equal(inputs, wantIn) || !slices.Equal(outputs, wantOut) {
			t.Errorf("%s graph: inputs %v outputs %v, want %v and %v", mode, inputs, outputs, wantIn, wantOut)
		}
		if d := g.Graph.Inputs[0].Type.Shape.Dims[0]; d.Sym != BatchDim {
			t.Errorf("%s graph: input batch dim %v, want symbolic %q", mode, d, BatchDim)
		}
		bn, mul := 0, 0
		for _, n := range g.Graph.Nodes {
			switch n.Op {
			case "BatchNormalization":
				bn++
				if got, want := n.Int("training_mode"), map[Mode]int64{Train: 1, Eval: 0}[mode]; got != want {
					t.Errorf("%s graph: %s training_mode %d, want %d", mode, n, got, want)
				}
				if mode == Train && math.Abs(float64(n.Float("momentum"))-0.9) > 1e-6 {
					t.Errorf("%s: ONNX momentum %v, want 0.9 (PyTorch's 0.1)", n, n.Float("momentum"))
				}
			case "Mul", "Dropout":
				mul++
			}
		}
		if bn != 2 || mul != map[Mode]int{Train: 1, Eval: 0}[mode] {
			t.Errorf("%s graph: %d BatchNormalization and %d dropout nodes", mode, bn, mul)
		}
	}
}

// The running statistics a Train step outputs follow PyTorch's momentum
// convention: new = 0.9·old + 0.1·batch (the variance is the population
// variance, as ONNX defines it).
func TestBatchNormRunningStatistics(t *testing.T) {
	m := mustBuild(t, Sequential("bn", []int{2}, BatchNorm(Name("bn"))), 1)
	g, err := m.Graph(Train, 4)
	if err != nil {
		t.Fatal(err)
	}
	x := ir.FromSlice([]int{4, 2}, []float32{1, 10, 2, 20, 3, 30, 6, 40})
	outs := run(t, g, runtime.Options{Reference: true, CheckTypes: true}, map[string]ir.Data{InputName: x})
	wantMean := []float64{0.1 * 3, 0.1 * 25}
	wantVar := []float64{0.9 + 0.1*3.5, 0.9 + 0.1*125}
	for c := range 2 {
		if got := outs[1].Float64At(c); math.Abs(got-wantMean[c]) > 1e-5 {
			t.Errorf("running_mean:new[%d] = %v, want %v", c, got, wantMean[c])
		}
		if got := outs[2].Float64At(c); math.Abs(got-wantVar[c]) > 1e-4 {
			t.Errorf("running_var:new[%d] = %v, want %v", c, got, wantVar[c])
		}
	}
	// Eval mode normalizes with the running statistics: set them and check.
	if err := m.SetParam("bn.running_mean", ir.FromSlice([]int{2}, []float32{1, 2})); err != nil {
		t.Fatal(err)
	}
	if err := m.SetParam("bn.running_var", ir.FromSlice([]int{2}, []float32{4, 16})); err != nil {
		t.Fatal(err)
	}
	g, err = m.Graph(Eval, 0)
	if err != nil {
		t.Fatal(err)
	}
	y := run(t, g, runtime.DefaultOptions(), map[string]ir.Data{InputName: x})[0]
	for i := range 8 {
		want := (x.Float64At(i) - float64(1+i%2)) / math.Sqrt(float64(4+12*(i%2))+1e-5)
		if math.Abs(y.Float64At(i)-want) > 1e-5 {
			t.Errorf("eval y[%d] = %v, want %v", i, y.Float64At(i), want)
		}
	}
}

// Window layers' own shape arithmetic must agree with the IR's inference
// (Builder.Op compares them when the batch is fixed) and with what the
// kernels produce.
func TestWindowShapes(t *testing.T) {
	d := Sequential("win", []int{3, 17, 13},
		Conv2D(8, 3, Padding(Same), Stride(2)),
		Conv2D(8, 3, Padding(Same), Dilation(2), Groups(4)),
		Conv2D(6, 5, Padding(PadN(1)), Stride2(2, 1)),
		MaxPool2D(3, Stride(2), Padding(PadN(1))),
		AvgPool2D(2, Padding(Same)),
		Conv2D(4, 1, NoBias()),
		GlobalAvgPool(),
	)
	m := mustBuild(t, d, 1)
	want := map[string][]int{
		"conv2d_1": {8, 9, 7}, "conv2d_2": {8, 9, 7}, "conv2d_3": {6, 4, 5},
		"maxpool2d_1": {6, 2, 3}, "avgpool2d_1": {6, 1, 2}, "conv2d_4": {4, 1, 2}, "global_avgpool_1": {4},
	}
	for _, l := range m.Layers() {
		if !slices.Equal(l.Output, want[l.Name]) {
			t.Errorf("%s: output %v, want %v", l.Name, l.Output, want[l.Name])
		}
	}
	for _, batch := range []int{0, 2} {
		g, err := m.Graph(Eval, batch)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(3, 3))
		out := run(t, g, runtime.Options{Reference: true, CheckTypes: true}, map[string]ir.Data{InputName: randomInput(m, 2, r)})
		checkFinite(t, "logits", out[0], 2, 4)
	}
}

func TestActivationsAndShapeLayers(t *testing.T) {
	d := Sequential("acts", []int{2, 3, 4},
		Reshape([]int{6, -1}), Sigmoid(), Tanh(), GELU(), SiLU(), LeakyReLU(Alpha(0.2)),
		Softmax(Axis(1)), LogSoftmax(), Flatten(), Dense(5, NoBias(), WeightInit(XavierNormal)), ReLU(),
		Dropout(0.5), BatchNorm(Momentum(0.2), Epsilon(1e-3)),
	)
	m := mustBuild(t, d, 4)
	if got := m.OutputShape(); !slices.Equal(got, []int{5}) {
		t.Fatalf("output shape %v, want [5]", got)
	}
	if m.Layers()[0].Output[1] != 4 {
		t.Errorf("reshape -1 resolved to %v, want [6 4]", m.Layers()[0].Output)
	}
	r := rand.New(rand.NewPCG(5, 5))
	for _, mode := range []Mode{Train, Eval} {
		g, err := m.Graph(mode, 0)
		if err != nil {
			t.Fatal(err)
		}
		feeds := masksFor(m, 3, r)
		if mode == Eval {
			feeds = map[string]ir.Data{}
		}
		feeds[InputName] = randomInput(m, 3, r)
		checkFinite(t, "logits", run(t, g, runtime.Options{Reference: true, CheckTypes: true}, feeds)[0], 3, 5)
	}
}

// A residual block built with the functional core: Add joins two paths.
func TestFunctionalResidual(t *testing.T) {
	d := New("res", []int{8}, func(x *Value) *Value {
		h := Dense(8).Apply(x)
		h = ReLU().Apply(h)
		return Dense(3).Apply(Add(x, h))
	})
	m := mustBuild(t, d, 1)
	if m.NumParams() != 8*8+8+8*3+3 {
		t.Errorf("params %d", m.NumParams())
	}
	g, err := m.Graph(Eval, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, g, runtime.DefaultOptions(), map[string]ir.Data{InputName: randomInput(m, 2, rand.New(rand.NewPCG(1, 1)))})
	checkFinite(t, "logits", out[0], 2, 3)
}

func TestFreezeAndSetParam(t *testing.T) {
	m := mustBuild(t, MLP([]int{4}, 3, 2), 1)
	if err := m.Freeze("dense_1"); err != nil {
		t.Fatal(err)
	}
	var frozen []string
	for _, p := range m.Params() {
		if !p.Trainable {
			frozen = append(frozen, p.Name)
		}
	}
	if !slices.Equal(frozen, []string{"dense_1.weight", "dense_1.bias"}) {
		t.Errorf("frozen %v", frozen)
	}
	if m.NumTrainable() != 2*3+2 || m.NumParams() != 4*3+3+2*3+2 {
		t.Errorf("trainable %d of %d", m.NumTrainable(), m.NumParams())
	}
	if err := m.Freeze("dense_2.weight", "nothing*"); err == nil || !strings.Contains(err.Error(), "nothing*") {
		t.Errorf("freezing an unknown pattern: %v", err)
	}
	if !m.TrainableParams()[0].Trainable || m.TrainableParams()[0].Name != "dense_2.weight" {
		t.Errorf("a failed Freeze changed parameters")
	}
	if err := m.Unfreeze("dense*"); err != nil || m.NumTrainable() != m.NumParams() {
		t.Errorf("unfreeze: %v, trainable %d", err, m.NumTrainable())
	}
	w := ir.FromSlice([]int{2, 3}, []float64{1, 2, 3, 4, 5, 6})
	if err := m.SetParam("dense_2.weight", w); err != nil {
		t.Fatal(err)
	}
	got, _ := m.Param("dense_2.weight")
	if got.DType != ir.Float32 || got.Float64At(5) != 6 {
		t.Errorf("SetParam stored %v %v", got, got.Float64s())
	}
	g, err := m.Graph(Eval, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range g.Graph.Inits {
		if v.Name == "dense_2.weight" && v.Init.Float64At(3) != 4 {
			t.Errorf("graph initializer does not hold the value set")
		}
	}
	for _, bad := range []struct {
		name string
		t    *ir.Tensor
	}{{"dense_9.weight", w}, {"dense_2.weight", ir.Zeros(ir.Float32, []int{3, 2})}, {"dense_2.bias", ir.Zeros(ir.Int64, []int{2})}} {
		if err := m.SetParam(bad.name, bad.t); err == nil {
			t.Errorf("SetParam(%s, %v) accepted", bad.name, bad.t)
		}
	}
	if _, err := m.Param("nope"); err == nil {
		t.Error("Param of an unknown name succeeded")
	}
}

func TestSummary(t *testing.T) {
	m := mustBuild(t, FashionCNN(), 1)
	s := m.Summary()
	for _, want := range []string{"conv2d_1", "[N 32 28 28]", "18,496", "dense_1", "401,536", "dropout_1",
		"total parameters: 421,834", "state (not trained): 192"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}
