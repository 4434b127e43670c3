package dsl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// mustBuild builds d or fails the test.
func mustBuild(t *testing.T, d Def, seed uint64) *Model {
	t.Helper()
	m, err := d.Build(seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// randomInput is a tensor [batch, shape...] of the model's dtype with
// values in [-1, 1).
func randomInput(m *Model, batch int, r *rand.Rand) *ir.Tensor {
	x := ir.Zeros(m.DType(), append([]int{batch}, m.InputShape()...))
	for i := range x.Len() {
		x.SetFloat64At(i, 2*r.Float64()-1)
	}
	return x
}

// masksFor fills every Dropout mask of m for a batch as a trainer would.
func masksFor(m *Model, batch int, r *rand.Rand) map[string]ir.Data {
	feeds := map[string]ir.Data{}
	for _, mk := range m.Masks() {
		t := ir.Zeros(m.DType(), append([]int{batch}, mk.Shape...))
		for i := range t.Len() {
			if r.Float64() >= mk.P {
				t.SetFloat64At(i, 1/(1-mk.P))
			}
		}
		feeds[mk.Input] = t
	}
	return feeds
}

// run runs g on feeds with opt and returns its outputs as tensors.
func run(t *testing.T, g *ir.Model, opt runtime.Options, feeds map[string]ir.Data) []*ir.Tensor {
	t.Helper()
	s, err := runtime.New(g, opt)
	if err != nil {
		t.Fatal(err)
	}
	outs, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	ts := make([]*ir.Tensor, len(outs))
	for i, o := range outs {
		ts[i] = o.(*ir.Tensor)
	}
	return ts
}

// checkFinite fails for a tensor of the wrong shape or with a NaN or Inf.
func checkFinite(t *testing.T, what string, x *ir.Tensor, shape ...int) {
	t.Helper()
	if len(x.Shape) != len(shape) {
		t.Fatalf("%s: shape %v, want %v", what, x.Shape, shape)
	}
	for i := range shape {
		if x.Shape[i] != shape[i] {
			t.Fatalf("%s: shape %v, want %v", what, x.Shape, shape)
		}
	}
	for i := range x.Len() {
		if v := x.Float64At(i); math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s[%d] = %v", what, i, v)
		}
	}
}
