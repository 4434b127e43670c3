package dsl

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Definitions that do not fit fail at Build with a *LayerError naming the
// layer at fault.
func TestShapeErrorsNameTheLayer(t *testing.T) {
	cases := []struct {
		name  string
		def   Def
		layer string
		says  string
	}{
		{"dense on an image", Sequential("m", []int{1, 28, 28}, Dense(10)), "dense_1", "add Flatten"},
		{"conv on a vector", Sequential("m", []int{784}, Conv2D(8, 3)), "conv2d_1", "[channels, height, width]"},
		{"named layer", Sequential("m", []int{3, 8, 8}, Conv2D(4, 3), Flatten(), Dense(5, Name("head")), Conv2D(2, 1)), "conv2d_2", "needs [channels"},
		{"window too large", Sequential("m", []int{1, 4, 4}, MaxPool2D(2), MaxPool2D(3)), "maxpool2d_2", "larger than"},
		{"groups", Sequential("m", []int{6, 8, 8}, Conv2D(4, 3, Groups(4))), "conv2d_1", "groups 4"},
		{"option misplaced", Sequential("m", []int{4}, Dense(3, Stride(2))), "dense_1", "option stride"},
		{"duplicate name", Sequential("m", []int{4}, Dense(3, Name("fc")), Dense(3, Name("fc"))), "fc", "twice"},
		{"reshape count", Sequential("m", []int{2, 3}, Reshape([]int{4, -1})), "reshape_1", "cannot reshape"},
		{"dropout p", Sequential("m", []int{4}, Dropout(1)), "dropout_1", "p must be"},
		{"softmax axis", Sequential("m", []int{4}, Softmax(Axis(2))), "softmax_1", "axis 2"},
		{"units", Sequential("m", []int{4}, Dense(0)), "dense_1", "units"},
		{"add shapes", New("m", []int{4}, func(x *Value) *Value { return Add(x, Dense(3).Apply(x)) }), "add_1", "differ"},
	}
	for _, c := range cases {
		_, err := c.def.Build(1)
		var le *LayerError
		if !errors.As(err, &le) {
			t.Errorf("%s: got %v, want a *LayerError", c.name, err)
			continue
		}
		if le.Layer != c.layer || !strings.Contains(err.Error(), `layer "`+c.layer+`"`) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: error %q names layer %q, want %q saying %q", c.name, err, le.Layer, c.layer, c.says)
		}
	}
}

func TestBadDefinitionsAreErrors(t *testing.T) {
	for _, d := range []Def{
		{Name: "nofn", Input: []int{3}},
		{Name: "dims", Input: []int{0}, Fn: func(x *Value) *Value { return x }},
		{Name: "dtype", Input: []int{3}, DType: ir.Int64, Fn: func(x *Value) *Value { return x }},
		{Name: "nil", Input: []int{3}, Fn: func(*Value) *Value { return nil }},
		Sequential("nillayer", []int{3}, ReLU(), nil),
	} {
		if _, err := d.Build(1); err == nil || !strings.Contains(err.Error(), d.Name) {
			t.Errorf("%s: Build error %v does not name the model", d.Name, err)
		}
	}
	// A definition that builds different layers on each run is caught
	// (Build builds twice), not silently given fresh parameters.
	calls := 0
	_, err := New("shifty", []int{3}, func(x *Value) *Value {
		calls++
		return Dense(2, Name(strings.Repeat("d", calls))).Apply(x)
	}).Build(1)
	if err == nil || !strings.Contains(err.Error(), `layer "dd": dd.weight was not created`) {
		t.Errorf("nondeterministic definition: %v", err)
	}
	m := mustBuild(t, MLP([]int{3}, 2), 1)
	if _, err := m.Graph(Eval, -1); err == nil {
		t.Error("negative batch accepted")
	}
}

// Parameter counts equal PyTorch's for the same architectures, computed
// here from the layer formulas: Linear in·out+out, Conv2d
// out·in·k·k+out, BatchNorm2d 2·C (running statistics are buffers).
func TestParamCountsMatchPyTorch(t *testing.T) {
	linear := func(in, out int) int { return in*out + out }
	conv := func(in, out, k int) int { return out*in*k*k + out }
	mlp := linear(784, 256) + linear(256, 256) + linear(256, 10)
	cnn := conv(1, 32, 3) + 2*32 + conv(32, 64, 3) + 2*64 + linear(64*7*7, 128) + linear(128, 10)
	if mlp != 269322 {
		t.Fatalf("hand count of the MLP is %d", mlp)
	}
	mlpPreset, err := Preset(PresetSpec{Preset: "mlp", Hidden: []int{256, 256}})
	if err != nil {
		t.Fatal(err)
	}
	cnnPreset, err := Preset(PresetSpec{Preset: "cnn"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		def  Def
		want int
	}{
		{"MLP", MLP([]int{1, 28, 28}, 256, 256, 10), mlp},
		{"mlp preset", mlpPreset, mlp},
		{"FashionCNN", FashionCNN(), cnn},
		{"cnn preset", cnnPreset, cnn},
	} {
		m := mustBuild(t, c.def, 1)
		if got := m.NumParams(); got != c.want {
			t.Errorf("%s: %d parameters, PyTorch has %d", c.name, got, c.want)
		}
		sum := 0
		for _, l := range m.Layers() {
			sum += l.Params
		}
		if sum != c.want {
			t.Errorf("%s: layers' parameter counts sum to %d, want %d", c.name, sum, c.want)
		}
	}
	// Grouped and bias-free convolutions: out·(in/groups)·k·k (+out).
	m := mustBuild(t, Sequential("g", []int{8, 5, 5}, Conv2D(16, 3, Groups(4)), Conv2D(4, 1, NoBias())), 1)
	if got, want := m.NumParams(), 16*2*9+16+4*16; got != want {
		t.Errorf("grouped conv: %d parameters, want %d", got, want)
	}
}

func TestPresets(t *testing.T) {
	zero := 0.0
	d, err := Preset(PresetSpec{Preset: "cnn", Input: []int{3, 32, 32}, Classes: 100, Filters: []int{16}, Hidden: []int{64, 32}, Dropout: &zero})
	if err != nil {
		t.Fatal(err)
	}
	m := mustBuild(t, d, 1)
	if len(m.Masks()) != 0 || !slices.Equal(m.OutputShape(), []int{100}) {
		t.Errorf("cnn preset: masks %v, output %v", m.Masks(), m.OutputShape())
	}
	if got, want := m.NumParams(), 16*3*9+16+32+(16*16*16*64+64)+(64*32+32)+(32*100+100); got != want {
		t.Errorf("cnn preset: %d parameters, want %d", got, want)
	}
	p := 0.2
	d, _ = Preset(PresetSpec{Preset: "mlp", Input: []int{10}, Hidden: []int{5, 5}, Dropout: &p})
	if m := mustBuild(t, d, 1); len(m.Masks()) != 2 {
		t.Errorf("mlp with dropout has masks %v", m.Masks())
	}
	for _, bad := range []PresetSpec{
		{Preset: "resnet"}, {Preset: "mlp", Hidden: []int{0}}, {Preset: "cnn", Input: []int{784}},
		{Preset: "mlp", Filters: []int{3}}, {Preset: "mlp", Classes: -1}, {Preset: "cnn", Dropout: new(1.5)},
	} {
		if _, err := Preset(bad); err == nil {
			t.Errorf("Preset(%+v) succeeded", bad)
		}
	}
	if len(Presets()) < 2 {
		t.Error("Presets lists fewer than 2 presets")
	}
}

// stats returns the mean and standard deviation of t.
func stats(t *ir.Tensor) (mean, std float64) {
	xs := t.Float64s()
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}

// Initial values follow the formulas: uniform bounds b give std b/√3.
func TestInitializerStatistics(t *testing.T) {
	const in, out = 1024, 512
	sq := math.Sqrt
	cases := []struct {
		init      Initializer
		std       float64
		bound     float64 // 0: normal
		biasBound float64
	}{
		{TorchDefault, 1 / sq(in) / sq(3), 1 / sq(in), 1 / sq(in)},
		{HeUniform, sq(6.0/in) / sq(3), sq(6.0 / in), 1 / sq(in)},
		{HeNormal, sq(2.0 / in), 0, 1 / sq(in)},
		{XavierUniform, sq(6.0/(in+out)) / sq(3), sq(6.0 / (in + out)), 1 / sq(in)},
		{XavierNormal, sq(2.0 / (in + out)), 0, 1 / sq(in)},
	}
	for _, c := range cases {
		m := mustBuild(t, Sequential("m", []int{in}, Dense(out, WeightInit(c.init))), 7)
		w, _ := m.Param("dense_1.weight")
		mean, std := stats(w)
		// 524,288 draws: the mean's standard error is std/724.
		if math.Abs(mean) > 5*c.std/724 || math.Abs(std-c.std) > 0.01*c.std {
			t.Errorf("%s: mean %v std %v, want 0 and %v", c.init, mean, std, c.std)
		}
		maxAbs := 0.0
		for _, x := range w.Float64s() {
			maxAbs = max(maxAbs, math.Abs(x))
		}
		if c.bound > 0 && (maxAbs > c.bound || maxAbs < 0.999*c.bound) {
			t.Errorf("%s: max |w| %v, want just under %v", c.init, maxAbs, c.bound)
		}
		b, _ := m.Param("dense_1.bias")
		for _, x := range b.Float64s() {
			if math.Abs(x) > c.biasBound {
				t.Errorf("%s: bias %v outside ±%v", c.init, x, c.biasBound)
				break
			}
		}
		if _, bstd := stats(b); math.Abs(bstd-c.biasBound/sq(3)) > 0.15*c.biasBound/sq(3) {
			t.Errorf("%s: bias std %v, want %v", c.init, bstd, c.biasBound/sq(3))
		}
	}
	// Conv fans: fan_in = in/groups·k·k = 4·9 for this layer.
	m := mustBuild(t, Sequential("c", []int{8, 5, 5}, Conv2D(256, 3, Groups(2), WeightInit(HeUniform), BiasInit(Zeros))), 1)
	w, _ := m.Param("conv2d_1.weight")
	if _, std := stats(w); math.Abs(std-sq(6.0/36)/sq(3)) > 0.02*std {
		t.Errorf("conv HeUniform std %v, want %v", std, sq(6.0/36)/sq(3))
	}
	if b, _ := m.Param("conv2d_1.bias"); slices.ContainsFunc(b.Float64s(), func(x float64) bool { return x != 0 }) {
		t.Error("BiasInit(Zeros) left non-zero biases")
	}
	bn := mustBuild(t, Sequential("bn", []int{3}, BatchNorm()), 1)
	for name, want := range map[string]float64{"batchnorm_1.weight": 1, "batchnorm_1.bias": 0,
		"batchnorm_1.running_mean": 0, "batchnorm_1.running_var": 1} {
		v, _ := bn.Param(name)
		if slices.ContainsFunc(v.Float64s(), func(x float64) bool { return x != want }) {
			t.Errorf("%s = %v, want all %v", name, v.Float64s(), want)
		}
	}
}

func TestSeedReproducibility(t *testing.T) {
	values := func(d Def, seed uint64, name string) []float64 {
		v, err := mustBuild(t, d, seed).Param(name)
		if err != nil {
			t.Fatal(err)
		}
		return v.Float64s()
	}
	d := FashionCNN()
	a, b, c := values(d, 42, "conv2d_2.weight"), values(d, 42, "conv2d_2.weight"), values(d, 43, "conv2d_2.weight")
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different values")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds gave the same values")
	}
	// Values depend on the seed and the tensor's name, not on what else
	// the model holds.
	small := MLP([]int{1, 28, 28}, 256, 10)
	big := MLP([]int{1, 28, 28}, 256, 256, 10)
	if !slices.Equal(values(small, 5, "dense_1.weight"), values(big, 5, "dense_1.weight")) {
		t.Error("adding a layer changed another layer's initial values")
	}
	if slices.Equal(values(big, 5, "dense_2.bias")[:10], values(big, 5, "dense_3.bias")) {
		t.Error("two tensors drew the same values")
	}
}

func TestParsePadAndCustomInitializer(t *testing.T) {
	for s, want := range map[string]Pad{"same": Same, "VALID": Valid, "": Valid, "2": PadN(2)} {
		if got, err := ParsePad(s); err != nil || got != want {
			t.Errorf("ParsePad(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"-1", "full", "1.5x"} {
		if _, err := ParsePad(s); err == nil {
			t.Errorf("ParsePad(%q) succeeded", s)
		}
	}
	fans := NewInitializer("fans", func(_ *rand.Rand, dst []float64, fanIn, fanOut int) {
		for i := range dst {
			dst[i] = float64(100*fanIn + fanOut)
		}
	})
	m := mustBuild(t, Sequential("c", []int{4, 6, 6}, Conv2D(6, 3, Groups(2), WeightInit(fans), BiasInit(fans))), 1)
	for _, name := range []string{"conv2d_1.weight", "conv2d_1.bias"} {
		v, _ := m.Param(name)
		// PyTorch's fans of a [6, 2, 3, 3] weight: in 2·9, out 6·9.
		if got := v.Float64At(0); got != 100*18+54 {
			t.Errorf("%s initialized with fans giving %v, want fan_in 18 and fan_out 54", name, got)
		}
	}
}
