package cpu_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/runtime"
)

// BenchmarkTrainStep times one forward and backward pass (loss and every
// parameter gradient) of the MLP and CNN training graphs at batch 64, in
// float32 and with bf16 products (mixed precision).
// With -v it also logs, from a separate profiled session, the time per op
// of the top ones and the number of reference steps.
func BenchmarkTrainStep(b *testing.B) {
	for _, tg := range trainGraphs {
		for _, threads := range []int{1, 2} {
			for _, prec := range []gemm.Precision{gemm.Float32, gemm.BFloat16} {
				b.Run(fmt.Sprintf("%s/threads=%d/%s", tg.name, threads, prec), func(b *testing.B) {
					m, feeds := tg.build(b, 64)
					opt := runtime.DefaultOptions()
					opt.Threads, opt.Precision = threads, prec
					s, err := runtime.New(m, opt)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := s.Run(feeds); err != nil {
						b.Fatal(err)
					}
					for b.Loop() {
						if _, err := s.Run(feeds); err != nil {
							b.Fatal(err)
						}
					}
					if testing.Verbose() {
						logProfile(b, tg.name, threads, prec)
					}
				})
			}
		}
	}
}

// logProfile runs the graph in a profiled session and logs its top ops.
func logProfile(b *testing.B, name string, threads int, prec gemm.Precision) {
	m, feeds := trainGraphs[slices.IndexFunc(trainGraphs, func(g trainGraph) bool { return g.name == name })].build(b, 64)
	opt := runtime.DefaultOptions()
	opt.Profile, opt.Threads, opt.Precision = true, threads, prec
	s, err := runtime.New(m, opt)
	if err != nil {
		b.Fatal(err)
	}
	info, err := s.Plan(nil)
	if err != nil {
		b.Fatal(err)
	}
	const runs = 10
	for range runs {
		if _, err := s.Run(feeds); err != nil {
			b.Fatal(err)
		}
	}
	p := s.Profile()
	b.Logf("%s, %d threads: %d steps (%d fast, %d ref), node times sum to %v per step", name, threads, info.Steps, info.Fast, info.Ref, p.Total/runs)
	for i, o := range p.ByOp {
		if i < 12 {
			b.Logf("  %-26s %3d nodes %8.3f ms", o.Op, o.Nodes, float64(o.Time/runs)/1e6)
		}
	}
}
