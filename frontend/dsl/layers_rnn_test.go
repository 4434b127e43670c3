package dsl

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// rnnKinds are the recurrent layers under test, GRU in both reset forms.
var rnnKinds = []struct {
	name string
	make func(hidden int, opts ...Option) Layer
	op   string
	opts []Option
}{
	{"lstm", LSTM, "LSTM", nil},
	{"gru", GRU, "GRU", nil},
	{"gru_reset_before", GRU, "GRU", []Option{LinearBeforeReset(false)}},
	{"rnn", SimpleRNN, "RNN", nil},
}

// rnnCase is one option combination.
type rnnCase struct {
	layout, layers int
	bidir, seq     bool
	noBias         bool
	seqFirst       bool
}

func (c rnnCase) String() string {
	s := fmt.Sprintf("layout%d/layers%d/bidir=%v/seq=%v/nobias=%v", c.layout, c.layers, c.bidir, c.seq, c.noBias)
	if c.seqFirst {
		s += "/seq_first"
	}
	return s
}

// stack is the recurrent layer of kind with c's options; sequence first,
// between ToSequenceFirst and (for sequences) ToBatchFirst, so the model
// still takes and gives batch-first values.
func (c rnnCase) stack(kind, hidden int) []Layer {
	k := rnnKinds[kind]
	cell := k.make(hidden, append(c.opts(), k.opts...)...)
	if !c.seqFirst {
		return []Layer{cell}
	}
	ls := []Layer{ToSequenceFirst(), cell}
	if c.seq {
		ls = append(ls, ToBatchFirst())
	}
	return ls
}

func (c rnnCase) opts() []Option {
	o := []Option{ExportLayout(c.layout), NumLayers(c.layers)}
	if c.bidir {
		o = append(o, Bidirectional())
	}
	if c.seq {
		o = append(o, ReturnSequences())
	}
	if c.noBias {
		o = append(o, NoBias())
	}
	if c.seqFirst {
		o = append(o, SequenceFirst())
	}
	return o
}

// rnnCases is every combination of layout, stacking, direction, output
// and input layout (batch or sequence first), plus bias-free ones.
func rnnCases() []rnnCase {
	var cs []rnnCase
	for _, seqFirst := range []bool{false, true} {
		for _, layout := range []int{0, 1} {
			for _, layers := range []int{1, 2} {
				for _, bidir := range []bool{false, true} {
					for _, seq := range []bool{false, true} {
						cs = append(cs, rnnCase{layout: layout, layers: layers, bidir: bidir, seq: seq, seqFirst: seqFirst})
					}
				}
			}
		}
	}
	return append(cs, rnnCase{layers: 2, bidir: true, seq: true, noBias: true},
		rnnCase{layers: 2, bidir: true, seq: true, noBias: true, seqFirst: true})
}

// rnnModel is input [steps, features] through one recurrent layer (see
// rnnCase.stack).
func rnnModel(t *testing.T, kind int, c rnnCase, dt ir.DType, steps, features, hidden int) *Model {
	d := Sequential("rnn_test", []int{steps, features}, c.stack(kind, hidden)...)
	d.DType = dt
	return mustBuild(t, d, 5)
}

// The unrolled Train graph and the ONNX-op Eval graph compute the same
// outputs for every option combination, in float32 (fixed batch, the
// Eval graph on the fast kernels and on the reference ones) and float64
// (symbolic batch).
func TestRecurrentTrainMatchesEval(t *testing.T) {
	const steps, features, hidden, batch = 4, 3, 5, 3
	for kind, k := range rnnKinds {
		for _, c := range rnnCases() {
			for _, dt := range []ir.DType{ir.Float32, ir.Float64} {
				name := fmt.Sprintf("%s/%s/%s", k.name, c, dt)
				m := rnnModel(t, kind, c, dt, steps, features, hidden)
				x := randomInput(m, batch, rand.New(rand.NewPCG(uint64(kind), 7)))
				want := []int{batch, c.dirs() * hidden}
				if c.seq {
					want = []int{batch, steps, c.dirs() * hidden}
				}
				if dt == ir.Float64 {
					checkTrainEval(t, name, m, k.op, c.layers, 0, x, want, 1e-12)
				} else {
					checkTrainEval(t, name, m, k.op, c.layers, batch, x, want, 1e-5)
				}
			}
		}
	}
}

// checkTrainEval runs m's Train and Eval graphs, built for batch (0:
// symbolic), on x and compares their outputs (shape want) within tol;
// in float32 the Eval graph runs on the fast kernels and on the
// reference ones. The Eval graph must hold layers nodes of op, the Train
// graph none.
func checkTrainEval(t *testing.T, name string, m *Model, op string, layers, batch int, x *ir.Tensor, want []int, tol float64) {
	t.Helper()
	feeds := map[string]ir.Data{InputName: x}
	tg, err := m.Graph(Train, batch)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	eg, err := m.Graph(Eval, batch)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if n := countOps(eg.Graph, op); n != layers {
		t.Errorf("%s: Eval graph has %d %s nodes, want %d", name, n, op, layers)
	}
	if n := countOps(tg.Graph, op); n != 0 {
		t.Errorf("%s: Train graph has %d %s nodes, want it unrolled", name, n, op)
	}
	got := run(t, tg, runtime.DefaultOptions(), feeds)[0]
	ref := run(t, eg, runtime.DefaultOptions(), feeds)[0]
	checkFinite(t, name+" train", got, want...)
	checkFinite(t, name+" eval", ref, want...)
	if d := maxDiff(got, ref); d > tol {
		t.Errorf("%s (batch %d): Train and Eval graphs differ by %g", name, batch, d)
	}
	if x.DType == ir.Float32 {
		oracle := run(t, eg, runtime.Options{Reference: true}, feeds)[0]
		if d := maxDiff(got, oracle); d > tol {
			t.Errorf("%s: Train graph and reference kernels differ by %g", name, d)
		}
	}
}

// A one-step sequence (no recurrence at all) also agrees, stacked and
// bidirectional.
func TestRecurrentSingleStep(t *testing.T) {
	c := rnnCase{layers: 2, bidir: true, seq: true}
	for kind, k := range rnnKinds {
		m := rnnModel(t, kind, c, ir.Float64, 1, 3, 4)
		x := randomInput(m, 2, rand.New(rand.NewPCG(1, 1)))
		checkTrainEval(t, k.name+"/one step", m, k.op, 2, 0, x, []int{2, 1, 8}, 1e-12)
	}
}

func (c rnnCase) dirs() int {
	if c.bidir {
		return 2
	}
	return 1
}

func countOps(g *ir.Graph, op string) int {
	n := 0
	for _, nd := range g.Nodes {
		if nd.Op == op {
			n++
		}
	}
	return n
}

// A hand-computed one-step, one-unit LSTM pins the gate order (i, o, f,
// c) and the bias halves, which an agreement between two of dlc's own
// graphs would not catch.
func TestLSTMOneStepByHand(t *testing.T) {
	d := Sequential("one", []int{1, 1}, LSTM(1))
	d.DType = ir.Float64
	m := mustBuild(t, d, 1)
	set := func(name string, vals ...float64) {
		p, err := m.Param(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SetParam(name, ir.FromSlice(p.Shape, vals)); err != nil {
			t.Fatal(err)
		}
	}
	// W rows i, o, f, c; B = Wb then Rb.
	set("lstm_1.W_l0", 0.5, -0.3, 0.8, 0.2)
	set("lstm_1.R_l0", 0.1, 0.1, 0.1, 0.1)
	set("lstm_1.B_l0", 0.1, 0.2, 0.3, 0.4, 0.01, 0.02, 0.03, 0.04)
	const x = 0.7
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	i, o := sig(0.5*x+0.11), sig(-0.3*x+0.22)
	c := i * math.Tanh(0.2*x+0.44) // f multiplies the zero state
	want := o * math.Tanh(c)
	feeds := map[string]ir.Data{InputName: ir.FromSlice([]int{1, 1, 1}, []float64{x})}
	for _, mode := range []Mode{Train, Eval} {
		g, err := m.Graph(mode, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := run(t, g, runtime.Options{Reference: true}, feeds)[0].Float64At(0)
		if math.Abs(got-want) > 1e-14 {
			t.Errorf("%s graph: h = %v, want %v", mode, got, want)
		}
	}
}

// Parameters have the ONNX shapes, PyTorch's element count and values
// within PyTorch's U(±1/√hidden).
func TestRecurrentParams(t *testing.T) {
	m := mustBuild(t, Sequential("p", []int{28, 28}, LSTM(128, Bidirectional(), NumLayers(2))), 3)
	shapes := map[string][]int{
		"lstm_1.W_l0": {2, 512, 28}, "lstm_1.R_l0": {2, 512, 128}, "lstm_1.B_l0": {2, 1024},
		"lstm_1.W_l1": {2, 512, 256}, "lstm_1.R_l1": {2, 512, 128}, "lstm_1.B_l1": {2, 1024},
	}
	bound := 1 / math.Sqrt(128)
	for _, p := range m.Params() {
		want, ok := shapes[p.Name]
		if !ok || fmt.Sprint(p.Value.Shape) != fmt.Sprint(want) {
			t.Errorf("%s has shape %v, want %v", p.Name, p.Value.Shape, want)
		}
		hi := 0.0
		for i := range p.Value.Len() {
			hi = max(hi, math.Abs(p.Value.Float64At(i)))
		}
		if hi > bound || hi < 0.9*bound {
			t.Errorf("%s: largest |value| %v, want just under %v", p.Name, hi, bound)
		}
	}
	// torch.nn.LSTM(28, 128, num_layers=2, bidirectional=True):
	// per direction 4·128·(in+128) + 2·4·128, in = 28 then 256.
	want := 2*(4*128*(28+128)+1024) + 2*(4*128*(256+128)+1024)
	if n := m.NumParams(); n != want {
		t.Errorf("%d parameters, PyTorch has %d", n, want)
	}
	gru := mustBuild(t, Sequential("g", []int{5, 7}, GRU(4)), 1)
	if n := gru.NumParams(); n != 3*4*(7+4)+2*3*4 {
		t.Errorf("GRU(4) on 7 features: %d parameters", n)
	}
}

// Bad settings and inputs are errors naming the layer.
func TestRecurrentErrors(t *testing.T) {
	cases := []struct {
		name  string
		input []int
		layer Layer
		want  string
	}{
		{"flat input", []int{12}, LSTM(4), "needs [steps, features]"},
		{"image input", []int{1, 4, 4}, GRU(4), "needs [steps, features]"},
		{"zero hidden", []int{3, 2}, SimpleRNN(0), "hidden size must be positive"},
		{"negative layers", []int{3, 2}, LSTM(2, NumLayers(-1)), "layers must be positive"},
		{"zero layers", []int{3, 2}, GRU(2, NumLayers(0)), "layers must be positive"},
		{"layout", []int{3, 2}, LSTM(2, ExportLayout(2)), "layout must be 0 or 1"},
		{"foreign option", []int{3, 2}, LSTM(2, Stride(2)), "option stride does not apply"},
		{"gru option on lstm", []int{3, 2}, LSTM(2, LinearBeforeReset(false)), "option linear_before_reset does not apply"},
	}
	for _, c := range cases {
		_, err := Sequential("bad", c.input, c.layer).Build(1)
		var le *LayerError
		if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want a LayerError containing %q", c.name, err, c.want)
		}
	}
}

// The lstm and gru presets are listed, have PyTorch's parameter counts
// (LSTM(28, 128) or GRU(28, 128), then Linear(128, 10)) and reject
// settings they cannot use.
func TestRecurrentPresets(t *testing.T) {
	for preset, want := range map[string]int{"lstm": 4*128*(28+128) + 8*128 + 1290, "gru": 3*128*(28+128) + 6*128 + 1290} {
		if _, ok := Presets()[preset]; !ok {
			t.Errorf("Presets() does not list %s", preset)
		}
		def, err := Preset(PresetSpec{Preset: preset})
		if err != nil {
			t.Fatal(err)
		}
		m := mustBuild(t, def, 1)
		if n := m.NumParams(); n != want {
			t.Errorf("%s: %d parameters, PyTorch has %d", preset, n, want)
		}
		if fmt.Sprint(m.OutputShape()) != "[10]" {
			t.Errorf("%s: output shape %v", preset, m.OutputShape())
		}
		stacked, err := Preset(PresetSpec{Preset: preset, Input: []int{6, 5}, Hidden: []int{4, 3}, Classes: 2})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(mustBuild(t, stacked, 1).Layers()); n != 3 {
			t.Errorf("%s with two hidden sizes on [6, 5]: %d layers, want 2 recurrent and a Dense", preset, n)
		}
		for _, bad := range []PresetSpec{
			{Preset: preset, Filters: []int{8}},
			{Preset: preset, Input: []int{784}},
			{Preset: preset, Hidden: []int{}},
		} {
			if _, err := Preset(bad); err == nil {
				t.Errorf("%+v: no error", bad)
			}
		}
	}
}
