package ref

import (
	"math"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func famF64(shape []int, v ...float64) *ir.Tensor { return ir.FromSlice(shape, v) }

// A one-unit RNN over two steps, forward and reverse, by hand.
func TestRNNDirections(t *testing.T) {
	x := famF64([]int{2, 1, 1}, 1, -1)
	w, r := famF64([]int{1, 1, 1}, 0.5), famF64([]int{1, 1, 1}, 2)
	outs, err := famRun(t, "RNN", nil, []string{"y", "yh"}, x, w, r)
	if err != nil {
		t.Fatal(err)
	}
	h1 := math.Tanh(0.5)
	h2 := math.Tanh(-0.5 + 2*h1)
	famCheck(t, "forward Y", outs[0], []int{2, 1, 1, 1}, []float64{h1, h2})
	famCheck(t, "forward Y_h", outs[1], []int{1, 1, 1}, []float64{h2})

	rev := map[string]*ir.Attr{"direction": ir.StringAttr("reverse")}
	outs, err = famRun(t, "RNN", rev, []string{"y", "yh"}, x, w, r)
	if err != nil {
		t.Fatal(err)
	}
	r1 := math.Tanh(-0.5) // step 1 first
	r0 := math.Tanh(0.5 + 2*r1)
	famCheck(t, "reverse Y", outs[0], []int{2, 1, 1, 1}, []float64{r0, r1})
	famCheck(t, "reverse Y_h", outs[1], []int{1, 1, 1}, []float64{r0})

	// Bidirectional stacks both: Y[t] = [fwd, rev], Y_h = [fwd last, rev last].
	bi := map[string]*ir.Attr{"direction": ir.StringAttr("bidirectional")}
	w2, r2 := famF64([]int{2, 1, 1}, 0.5, 0.5), famF64([]int{2, 1, 1}, 2, 2)
	outs, err = famRun(t, "RNN", bi, []string{"y", "yh"}, x, w2, r2)
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "bidirectional Y", outs[0], []int{2, 2, 1, 1}, []float64{h1, r0, h2, r1})
	famCheck(t, "bidirectional Y_h", outs[1], []int{2, 1, 1}, []float64{h2, r0})
	if _, err := famRun(t, "RNN", bi, []string{"y"}, x, w, r); err == nil {
		t.Fatal("bidirectional with one direction of weights: want an error")
	}
}

// sequence_lens stops a batch entry early: Y is zero past its length and
// Y_h is its state at the last step it ran. Bias and initial_h add in.
func TestRNNSequenceLensAndInitialState(t *testing.T) {
	x := famF64([]int{2, 2, 1}, 1, 2, 3, 4) // [t][b]
	w, r := famF64([]int{1, 1, 1}, 1), famF64([]int{1, 1, 1}, 1)
	b := famF64([]int{1, 2}, 0.25, -0.5)
	lens := ir.FromSlice([]int{2}, []int32{1, 2})
	h0 := famF64([]int{1, 2, 1}, 0.1, 0.2)
	relu := map[string]*ir.Attr{"activations": ir.StringsAttr("Relu")}
	outs, err := famRun(t, "RNN", relu, []string{"y", "yh"}, x, w, r, b, lens, h0)
	if err != nil {
		t.Fatal(err)
	}
	b0 := 1 - 0.25 + 0.1    // batch 0, step 0
	b1s0 := 2 - 0.25 + 0.2  // batch 1, step 0
	b1s1 := 4 - 0.25 + b1s0 // batch 1, step 1
	famCheck(t, "Y", outs[0], []int{2, 1, 2, 1}, []float64{b0, b1s0, 0, b1s1})
	famCheck(t, "Y_h", outs[1], []int{1, 2, 1}, []float64{b0, b1s1})

	bad := ir.FromSlice([]int{2}, []int32{1, 3})
	if _, err := famRun(t, "RNN", relu, []string{"y"}, x, w, r, b, bad); err == nil {
		t.Fatal("sequence_lens beyond the sequence: want an error")
	}
}

// One GRU step with one unit, where linear_before_reset changes the result.
func TestGRUStep(t *testing.T) {
	x := famF64([]int{1, 1, 1}, 1)
	w := famF64([]int{1, 3, 1}, 0.5, -0.3, 0.8)              // z, r, h
	r := famF64([]int{1, 3, 1}, 0.2, 0.4, -0.6)              // z, r, h
	b := famF64([]int{1, 6}, 0.1, 0.2, 0.3, -0.1, 0.05, 0.7) // Wb z r h, Rb z r h
	h0 := famF64([]int{1, 1, 1}, 0.9)
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	z := sig(0.5 + 0.2*0.9 + 0.1 - 0.1)
	rg := sig(-0.3 + 0.4*0.9 + 0.2 + 0.05)
	hDefault := math.Tanh(0.8 + (rg*0.9)*-0.6 + 0.7 + 0.3)
	hLinear := math.Tanh(0.8 + rg*(0.9*-0.6+0.7) + 0.3)
	for lbr, h := range []float64{hDefault, hLinear} {
		attrs := map[string]*ir.Attr{"linear_before_reset": ir.IntAttr(int64(lbr))}
		outs, err := famRun(t, "GRU", attrs, []string{"", "yh"}, x, w, r, b, nil, h0)
		if err != nil {
			t.Fatal(err)
		}
		if outs[0] != nil {
			t.Fatal("Y was not asked for but was produced")
		}
		famCheck(t, "GRU Y_h", outs[1], []int{1, 1, 1}, []float64{(1-z)*h + z*0.9})
	}
}

// One LSTM step with peepholes, then the same with input_forget.
func TestLSTMStep(t *testing.T) {
	x := famF64([]int{1, 1, 1}, 1)
	w := famF64([]int{1, 4, 1}, 0.5, -0.3, 0.8, 0.2) // i, o, f, c
	r := famF64([]int{1, 4, 1}, 0.1, 0.2, 0.3, 0.4)
	h0, c0 := famF64([]int{1, 1, 1}, 0.5), famF64([]int{1, 1, 1}, -1)
	p := famF64([]int{1, 3}, 0.3, -0.2, 0.6) // i, o, f
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	i := sig(0.5 + 0.1*0.5 + 0.3*-1)
	f := sig(0.8 + 0.3*0.5 + 0.6*-1)
	c := math.Tanh(0.2 + 0.4*0.5)
	for forget, fv := range []float64{f, 1 - i} {
		cNew := fv*-1 + i*c
		o := sig(-0.3 + 0.2*0.5 + -0.2*cNew)
		attrs := map[string]*ir.Attr{"input_forget": ir.IntAttr(int64(forget))}
		outs, err := famRun(t, "LSTM", attrs, []string{"y", "yh", "yc"}, x, w, r, nil, nil, h0, c0, p)
		if err != nil {
			t.Fatal(err)
		}
		famCheck(t, "LSTM Y", outs[0], []int{1, 1, 1, 1}, []float64{o * math.Tanh(cNew)})
		famCheck(t, "LSTM Y_h", outs[1], []int{1, 1, 1}, []float64{o * math.Tanh(cNew)})
		famCheck(t, "LSTM Y_c", outs[2], []int{1, 1, 1}, []float64{cNew})
	}
}

// layout=1 puts batch first in X, Y and the states; the numbers are those
// of layout=0 transposed.
func TestRecurrentLayout(t *testing.T) {
	w := famF64([]int{1, 2, 1}, 0.5, -0.25) // hidden 2, input 1
	r := famF64([]int{1, 2, 2}, 0.1, 0.2, 0.3, 0.4)
	seqFirst := famF64([]int{3, 2, 1}, 1, 2, 3, 4, 5, 6) // [t][b]
	batchFirst := famF64([]int{2, 3, 1}, 1, 3, 5, 2, 4, 6)
	a, err := famRun(t, "RNN", nil, []string{"y", "yh"}, seqFirst, w, r)
	if err != nil {
		t.Fatal(err)
	}
	layout := map[string]*ir.Attr{"layout": ir.IntAttr(1)}
	b, err := famRun(t, "RNN", layout, []string{"y", "yh"}, batchFirst, w, r)
	if err != nil {
		t.Fatal(err)
	}
	ya, yb := a[0].(*ir.Tensor), b[0].(*ir.Tensor) // [t,1,b,h] and [b,t,1,h]
	if !slices.Equal(yb.Shape, []int{2, 3, 1, 2}) {
		t.Fatalf("layout=1 Y shape %v, want [2 3 1 2]", yb.Shape)
	}
	for tt := 0; tt < 3; tt++ {
		for bb := 0; bb < 2; bb++ {
			for h := 0; h < 2; h++ {
				if va, vb := ya.Float64At((tt*2+bb)*2+h), yb.Float64At((bb*3+tt)*2+h); va != vb {
					t.Fatalf("Y[t=%d,b=%d,h=%d]: layout 0 %v, layout 1 %v", tt, bb, h, va, vb)
				}
			}
		}
	}
	famCheck(t, "layout=1 Y_h", b[1], []int{2, 1, 2}, a[1].(*ir.Tensor).Float64s())
}

func TestRecurrentActivationsAlphaBeta(t *testing.T) {
	x := famF64([]int{1, 1, 1}, -2)
	w, r := famF64([]int{1, 1, 1}, 1), famF64([]int{1, 1, 1}, 1)
	attrs := map[string]*ir.Attr{"activations": ir.StringsAttr("LeakyRelu"),
		"activation_alpha": ir.FloatsAttr(0.5)}
	outs, err := famRun(t, "RNN", attrs, []string{"", "yh"}, x, w, r)
	if err != nil {
		t.Fatal(err)
	}
	famCheck(t, "LeakyRelu alpha", outs[1], []int{1, 1, 1}, []float64{-1})
	attrs = map[string]*ir.Attr{"activations": ir.StringsAttr("Nope")}
	if _, err := famRun(t, "RNN", attrs, []string{"y"}, x, w, r); err == nil {
		t.Fatal("unknown activation: want an error")
	}
	// clip bounds the activation's input.
	attrs = map[string]*ir.Attr{"activations": ir.StringsAttr("Relu"), "clip": ir.FloatAttr(1.5)}
	outs, _ = famRun(t, "RNN", attrs, []string{"", "yh"}, famF64([]int{1, 1, 1}, 7), w, r)
	famCheck(t, "clip", outs[1], []int{1, 1, 1}, []float64{1.5})
}
