package dsl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// Gradients through the unrolled recurrent layers match central finite
// differences of the loss in float64, for every parameter element of
// small models: each cell, one and two layers, both directions, the last
// state and the full sequence, and no bias.
func TestRecurrentGradientsMatchFiniteDifferences(t *testing.T) {
	cases := []struct {
		kind int
		c    rnnCase
	}{
		{0, rnnCase{layers: 1}},
		{0, rnnCase{layers: 2, bidir: true, seq: true}},
		{1, rnnCase{layers: 1, bidir: true}},
		{1, rnnCase{layers: 2, seq: true}},
		{2, rnnCase{layers: 1, bidir: true, seq: true}},
		{2, rnnCase{layers: 1, noBias: true}},
		{3, rnnCase{layers: 2, bidir: true}},
		{3, rnnCase{layers: 1, seq: true, noBias: true}},
		// Sequence first: the same cells and options on [steps, batch,
		// features], through ToSequenceFirst's and ToBatchFirst's
		// Transposes.
		{0, rnnCase{layers: 2, bidir: true, seq: true, seqFirst: true}},
		{0, rnnCase{layers: 1, seqFirst: true}},
		{1, rnnCase{layers: 2, seq: true, seqFirst: true}},
		{2, rnnCase{layers: 1, bidir: true, seqFirst: true}},
		{3, rnnCase{layers: 2, bidir: true, seq: true, noBias: true, seqFirst: true}},
	}
	const steps, features, hidden, batch = 3, 2, 2, 2
	for i, tc := range cases {
		k := rnnKinds[tc.kind]
		name := k.name + "/" + tc.c.String()
		layers := tc.c.stack(tc.kind, hidden)
		if tc.c.seq {
			layers = append(layers, Flatten())
		}
		d := Sequential("grad", []int{steps, features}, append(layers, Dense(3))...)
		d.DType = ir.Float64
		m := mustBuild(t, d, uint64(i+1))
		g, params := trainingGraph(t, m, batch)
		feeds := trainFeeds(m, params, batch, rand.New(rand.NewPCG(uint64(i), 3)))
		s, err := runtime.New(g, runtime.Options{Reference: true})
		if err != nil {
			t.Fatal(err)
		}
		outs, err := s.Run(feeds)
		if err != nil {
			t.Fatal(err)
		}
		loss := func() float64 {
			o, err := s.Run(feeds)
			if err != nil {
				t.Fatal(err)
			}
			return o[0].(*ir.Tensor).Float64At(0)
		}
		const h = 1e-6
		for j, p := range params {
			vals := p.Value.Data.([]float64)
			got := outs[j+1].(*ir.Tensor)
			norm := 0.0
			for e := range vals {
				orig := vals[e]
				vals[e] = orig + h
				up := loss()
				vals[e] = orig - h
				down := loss()
				vals[e] = orig
				want := (up - down) / (2 * h)
				gv := got.Float64At(e)
				norm += gv * gv
				if math.Abs(gv-want) > 1e-6*math.Max(1, math.Abs(want)) {
					t.Errorf("%s: d/d%s[%d] = %v, finite difference %v", name, p.Name, e, gv, want)
				}
			}
			if norm == 0 {
				t.Errorf("%s: gradient of %s is all zero", name, p.Name)
			}
		}
	}
}
