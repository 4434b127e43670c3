package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// TestGANMovesTowardTheData trains a tiny GAN on 4-dim samples around 3:
// the generator starts near 0 and, through the discriminator's gradient,
// its samples' mean moves most of the way to the data's.
func TestGANMovesTowardTheData(t *testing.T) {
	g, err := dsl.Sequential("g", []int{2}, dsl.Dense(16), dsl.ReLU(), dsl.Dense(4)).Build(1)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dsl.Sequential("d", []int{4}, dsl.Dense(16), dsl.LeakyReLU(dsl.Alpha(0.2)), dsl.Dense(1)).Build(2)
	if err != nil {
		t.Fatal(err)
	}
	adam := optim.Adam{Beta1: 0.5, Beta2: 0.999, Eps: 1e-8}
	gan, err := NewGAN(g, d, GANConfig{Latent: 2, Batch: 32, GOpt: adam, DOpt: adam, Kind: loss.NonSaturating, Threads: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	mean := func() float64 {
		z := ir.Zeros(ir.Float32, []int{256, 2})
		x, err := gan.Generate(z, true)
		if err != nil {
			t.Fatal(err)
		}
		s := 0.0
		for i := range x.Len() {
			s += x.Float64At(i)
		}
		return s / float64(x.Len())
	}
	before := mean()
	r := rand.New(rand.NewPCG(5, 5))
	real := make([]float32, 32*4)
	for range 300 {
		for i := range real {
			real[i] = float32(3 + 0.5*r.NormFloat64())
		}
		dl, gl, err := gan.Step(real, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(dl) || math.IsNaN(gl) {
			t.Fatal("a NaN loss")
		}
	}
	after := mean()
	t.Logf("generated mean %.3f → %.3f", before, after)
	if math.Abs(after-3) > 0.5*math.Abs(before-3) {
		t.Errorf("generated mean went from %.3f to %.3f; the data's is 3", before, after)
	}
	if gan.D.Steps != 300 || gan.G.Steps != 300 {
		t.Errorf("steps D %d, G %d", gan.D.Steps, gan.G.Steps)
	}
}

func TestKNNAccuracy(t *testing.T) {
	// Two clusters along the axes; the queries sit near one each.
	ref := []float32{1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9}
	cls := []int64{0, 0, 1, 1}
	q := []float32{0.8, 0.2, 0.2, 0.8, 0.7, 0.3}
	acc, err := KNNAccuracy(ref, cls, q, []int64{0, 1, 1}, 2, 1)
	if err != nil || math.Abs(acc-2.0/3) > 1e-12 {
		t.Errorf("accuracy %v (%v), want 2/3", acc, err)
	}
	if _, err := KNNAccuracy(ref, cls, q, []int64{0}, 2, 1); err == nil {
		t.Error("mismatched query labels accepted")
	}
}

// TestGANResume: a GAN restored from a checkpoint after 40 steps ends 40
// steps later bitwise where one that never stopped does.
func TestGANResume(t *testing.T) {
	build := func() *GAN {
		g, _ := dsl.Sequential("g", []int{2}, dsl.Dense(8), dsl.ReLU(), dsl.Dense(4)).Build(1)
		d, _ := dsl.Sequential("d", []int{4}, dsl.Dense(8), dsl.LeakyReLU(dsl.Alpha(0.2)), dsl.Dense(1)).Build(2)
		adam := optim.Adam{Beta1: 0.5, Beta2: 0.999, Eps: 1e-8}
		gan, err := NewGAN(g, d, GANConfig{Latent: 2, Batch: 16, GOpt: adam, DOpt: adam, Threads: 1, Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		return gan
	}
	real := func(step int) []float32 {
		r := rand.New(rand.NewPCG(uint64(step), 1))
		x := make([]float32, 16*4)
		for i := range x {
			x[i] = float32(2 + r.NormFloat64())
		}
		return x
	}
	run := func(gan *GAN, from, to int) {
		for s := from; s < to; s++ {
			if _, _, err := gan.Step(real(s), 0.01); err != nil {
				t.Fatal(err)
			}
		}
	}
	whole := build()
	run(whole, 0, 80)
	first := build()
	run(first, 0, 40)
	ck, err := first.Checkpoint(1)
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/gan.ckpt"
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	second := build()
	if err := second.Restore(loaded); err != nil {
		t.Fatal(err)
	}
	run(second, 40, 80)
	for _, pair := range [][2]*Trainer{{whole.G, second.G}, {whole.D, second.D}} {
		want := pair[0].Values()
		for name, v := range pair[1].Values() {
			for i := range v.Len() {
				if v.Float64At(i) != want[name].Float64At(i) {
					t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", name, i, v.Float64At(i), want[name].Float64At(i))
				}
			}
		}
	}
}
