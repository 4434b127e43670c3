package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/vec"
)

// TestDWTapsLevels checks dwTaps at every vec level this machine runs
// against dwTapsGo, for lengths that do and do not take the SIMD loop,
// with NaN guards after the output.
func TestDWTapsLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for _, l := range vec.Levels() {
		restore := vec.SetLevel(l)
		for _, n := range []int{1, 16, 17, 48, 128, 130, 144, 208, 256, 1024} {
			for _, ntaps := range []int{1, 3, 9, 25} {
				src := f32(randTensor(rng, n+300))
				offs := make([]int, ntaps)
				for i := range offs {
					offs[i] = rng.IntN(301)
				}
				w := f32(randTensor(rng, ntaps))
				buf := make([]float32, n+dwTapsBlock)
				for i := range buf {
					buf[i] = float32(math.NaN())
				}
				want := make([]float32, n)
				dwTapsGo(want, src, offs, w, 0.25)
				dwTaps(buf[:n], src, offs, w, 0.25)
				for i, v := range buf {
					if i >= n {
						if !math.IsNaN(float64(v)) {
							t.Fatalf("%v n=%d taps=%d: wrote past the output at %d", l, n, ntaps, i)
						}
						continue
					}
					if d := math.Abs(float64(v - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("%v n=%d taps=%d: out[%d] = %v, want %v", l, n, ntaps, i, v, want[i])
					}
				}
			}
		}
		restore()
	}
}

// TestDepthwiseLevels runs depthwise convs through every vec level.
func TestDepthwiseLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, l := range vec.Levels() {
		restore := vec.SetLevel(l)
		for i, cc := range []convCase{
			{n: 2, c: 5, m: 5, h: 17, w: 19, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 5, bias: true, constW: true},
			{n: 1, c: 3, m: 3, h: 17, w: 19, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 3, bias: true, constW: true},
			{n: 1, c: 4, m: 4, h: 13, w: 11, kh: 5, kw: 5, sh: 2, sw: 2, dh: 1, dw: 1, pads: [4]int64{2, 1, 2, 1}, group: 4, constW: false},
			{n: 1, c: 2, m: 2, h: 16, w: 16, kh: 3, kw: 3, sh: 3, sw: 3, dh: 2, dw: 2, pads: [4]int64{2, 2, 2, 2}, group: 2, bias: true, constW: true},
		} {
			rc := cc.refCase(rng)
			rc.Op, rc.Domain = "FusedConv", "dlc"
			rc.Attrs = actAttrs(i+2, rc.Attrs)
			t.Run(fmt.Sprintf("%v/%v", l, cc), func(t *testing.T) { checkRef(t, rc) })
		}
		restore()
	}
}
