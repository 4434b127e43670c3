package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
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

// TestWin3Planes checks the 3×3 plane routines against dwPlanesGo and
// maxPlanesGo on every stride, left padding, ceil-mode-like extra
// outputs and widths around the 16-lane blocks, with NaN guards after
// the output planes.
func TestWin3Planes(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	nan := float32(math.NaN())
	ran := 0
	for _, s := range []int{1, 2} {
		for _, pw := range []int{0, 1} {
			for _, extra := range []int{0, 1} {
				for _, hw := range [][2]int{{1, 1}, {3, 2}, {4, 15}, {5, 16}, {3, 17}, {6, 31}, {2, 32}, {3, 33}, {5, 50}, {2, 67}} {
					h, w := hw[0], hw[1]
					g := win2{h: h, w: w, kh: 3, kw: 3, sh: s, sw: s, dh: 1, dw: 1, ph: pw, pw: pw, peh: pw, pew: pw}
					g.oh = (h+2*pw-3)/s + 1 + extra
					g.ow = (w+2*pw-3)/s + 1 + extra
					if g.oh < 1 || g.ow < 1 || h+2*pw < 3 || w+2*pw < 3 {
						continue
					}
					for _, isMax := range []bool{false, true} {
						pad := float32(0)
						if isMax {
							pad = float32(math.Inf(-1))
						}
						tb, ok := newWin3(&g, pad)
						if !ok {
							t.Fatalf("newWin3(%+v) declined", g)
						}
						const nc = 3
						x := f32(randTensor(rng, nc*h*w))
						wt, bias := f32(randTensor(rng, 9*nc)), f32(randTensor(rng, nc))
						n := nc * g.oh * g.ow
						got, want := make([]float32, n+planeBlock), make([]float32, n)
						for i := range got {
							got[i] = nan
						}
						var did bool
						if isMax {
							tb.maxPlanesGo(x, want, nc, h*w)
							did = tb.maxPlanesSIMD(vec.Active(), x, got, nc, h*w)
						} else {
							bs := extra // one bias for all, or one per plane
							tb.dwPlanesGo(x, want, wt, bias, bs, nc, h*w, -0.5, 1.5)
							did = tb.dwPlanesSIMD(vec.Active(), x, got, wt, bias, bs, nc, h*w, -0.5, 1.5)
						}
						if !did {
							t.Skipf("no plane routines at level %v", vec.Active())
						}
						ran++
						for i, v := range got {
							if i >= n {
								if !math.IsNaN(float64(v)) {
									t.Fatalf("s%d pw%d %dx%d +%d max=%v: wrote past the output at %d", s, pw, h, w, extra, isMax, i)
								}
								continue
							}
							if d := math.Abs(float64(v - want[i])); v != want[i] && !(d <= 1e-5*(1+math.Abs(float64(want[i])))) {
								t.Fatalf("s%d pw%d %dx%d +%d max=%v: y[%d] = %v, want %v", s, pw, h, w, extra, isMax, i, v, want[i])
							}
						}
					}
				}
			}
		}
	}
	if ran == 0 {
		t.Fatal("no case ran")
	}
}

// TestDepthwise3x3Shapes runs the 3×3 depthwise convs the plane routines
// take (and the asymmetric pads they leave to the phase path) through
// every level, with and without bias and residual, cycling through the
// fused activations.
func TestDepthwise3x3Shapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	pads := [][4]int64{{0, 0, 0, 0}, {1, 1, 1, 1}, {1, 0, 0, 1}, {0, 1, 1, 0}, {2, 2, 2, 2}}
	i := 0
	for _, l := range vec.Levels() {
		restore := vec.SetLevel(l)
		for _, hw := range [][2]int{{1, 1}, {3, 5}, {7, 16}, {5, 17}, {4, 33}, {6, 47}} {
			for _, s := range []int{1, 2} {
				for _, p := range pads {
					h, w := hw[0], hw[1]
					oh := (h+int(p[0]+p[2])-3)/s + 1
					ow := (w+int(p[1]+p[3])-3)/s + 1
					if h+int(p[0]+p[2]) < 3 || w+int(p[1]+p[3]) < 3 {
						continue
					}
					i++
					cc := convCase{n: 2, c: 3, m: 3, h: h, w: w, kh: 3, kw: 3, sh: s, sw: s, dh: 1, dw: 1, pads: p, group: 3,
						bias: i%2 == 0, constW: i%3 != 0}
					rc := cc.refCase(rng)
					rc.Op, rc.Domain = "FusedConv", "dlc"
					rc.Attrs = actAttrs(i, rc.Attrs)
					if i%4 == 1 {
						rc.Inputs = append(rc.Inputs, randTensor(rng, 2, 3, oh, ow))
						rc.Const = append(rc.Const, false)
					}
					t.Run(fmt.Sprintf("%v/%v_z%v", l, cc, len(rc.Inputs) == 4), func(t *testing.T) { checkRef(t, rc) })
				}
			}
		}
		restore()
	}
}

// BenchmarkDepthwise covers every depthwise shape of MobileNetV2 (batch
// 1, bias and ReLU6 fused, as the passes leave them).
func BenchmarkDepthwise(b *testing.B) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, l := range []struct{ c, hw, s int }{{32, 112, 1}, {96, 112, 2}, {144, 56, 1}, {144, 56, 2}, {192, 28, 1}, {192, 28, 2},
		{384, 14, 1}, {576, 14, 1}, {576, 14, 2}, {960, 7, 1}} {
		cc := convCase{n: 1, c: l.c, m: l.c, h: l.hw, w: l.hw, kh: 3, kw: 3, sh: l.s, sw: l.s, dh: 1, dw: 1,
			pads: [4]int64{1, 1, 1, 1}, group: l.c, bias: true, constW: true}
		c := cc.refCase(rng)
		c.Op, c.Domain = "FusedConv", "dlc"
		c.Attrs = actAttrs(2, c.Attrs)
		o := (l.hw-1)/l.s + 1
		b.Run(fmt.Sprintf("%d_%d_s%d", l.c, l.hw, l.s), func(b *testing.B) { benchKernel(b, c, 2*9*float64(l.c*o*o)) })
	}
}

// TestWin3Dispatch checks that MobileNet's depthwise convs and the
// common 3×3 max pools are given the in-place plane routines' tables,
// and that other windows are not.
func TestWin3Dispatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, c := range []struct {
		cc   convCase
		want bool
	}{
		{convCase{n: 1, c: 4, m: 4, h: 9, w: 9, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 4}, true},
		{convCase{n: 1, c: 4, m: 4, h: 9, w: 9, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 4}, true},
		{convCase{n: 1, c: 4, m: 4, h: 9, w: 9, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{2, 2, 2, 2}, group: 4}, false},
		{convCase{n: 1, c: 4, m: 4, h: 9, w: 9, kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2, pads: [4]int64{2, 2, 2, 2}, group: 4}, false},
	} {
		k, _ := kernelFor(t, c.cc.refCase(rng))
		ck, ok := k.(*convKernel)
		if !ok || ck.path != convDepthwise {
			t.Fatalf("%v: not the depthwise path", c.cc)
		}
		if got := ck.dw.plane != nil; got != c.want {
			t.Errorf("%v: plane routines %v, want %v", c.cc, got, c.want)
		}
	}
	for _, s := range []int64{1, 2} {
		rc := refCase{Op: "MaxPool", Attrs: map[string]*ir.Attr{"kernel_shape": ints(3, 3), "strides": ints(s, s), "pads": ints(1, 1, 1, 1)},
			Inputs: []*ir.Tensor{randTensor(rng, 1, 2, 9, 9)}}
		k, _ := kernelFor(t, rc)
		if pk, ok := k.(*poolKernel); !ok || pk.win == nil {
			t.Errorf("MaxPool 3×3 stride %d: no plane routines", s)
		}
	}
}
