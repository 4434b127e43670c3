package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// bilinearRef is the textbook resize of one channel's ch x cw window at
// (top, left) of an h x w image to h x w: output pixel (i, j) samples the
// window at source coordinates ((i+0.5)·ch/h − 0.5, (j+0.5)·cw/w − 0.5),
// clamped into the window, weighing the four pixels around that point.
func bilinearRef(img []float32, h, w, top, left, ch, cw int) []float32 {
	at := func(y, x int) float64 {
		y = min(max(y, 0), ch-1)
		x = min(max(x, 0), cw-1)
		return float64(img[(top+y)*w+left+x])
	}
	out := make([]float32, h*w)
	for i := range h {
		for j := range w {
			sy := math.Min(math.Max((float64(i)+0.5)*float64(ch)/float64(h)-0.5, 0), float64(ch-1))
			sx := math.Min(math.Max((float64(j)+0.5)*float64(cw)/float64(w)-0.5, 0), float64(cw-1))
			y0, x0 := int(math.Floor(sy)), int(math.Floor(sx))
			fy, fx := sy-float64(y0), sx-float64(x0)
			v := (1-fy)*(1-fx)*at(y0, x0) + (1-fy)*fx*at(y0, x0+1) + fy*(1-fx)*at(y0+1, x0) + fy*fx*at(y0+1, x0+1)
			out[i*w+j] = float32(v)
		}
	}
	return out
}

// TestResizeWindowByHand scales the 2x2 window [[0, 4], [8, 16]] of a 4x4
// image up to 4x4. Along each axis the output pixels sample the window at
// 0 (clamped from −0.25), 0.25, 0.75 and 1 (clamped from 1.25), so pixel
// (i, j) is 4·fx + 8·fy + 4·fx·fy with fx, fy in {0, 1/4, 3/4, 1}.
func TestResizeWindowByHand(t *testing.T) {
	x := []float32{
		9, 9, 9, 9,
		9, 0, 4, 9,
		9, 8, 16, 9,
		9, 9, 9, 9,
	}
	resizeWindow(x, []int{4, 4}, 1, 1, 2, 2)
	want := []float32{
		0, 1, 3, 4,
		2, 3.25, 5.75, 7,
		6, 7.75, 11.25, 13,
		8, 10, 14, 16,
	}
	if !slices.Equal(x, want) {
		t.Fatalf("got %v\nwant %v", x, want)
	}
}

// TestResizeWindowMatchesReference checks every window of odd-sized
// images, several channels, against the textbook definition.
func TestResizeWindowMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, shape := range [][]int{{2, 5, 7}, {7, 5}, {1, 1, 3}, {3, 4, 4}} {
		c, h, w := imageDims(shape)
		orig := make([]float32, c*h*w)
		for i := range orig {
			orig[i] = float32(r.NormFloat64())
		}
		for top := range h {
			for left := range w {
				for ch := 1; top+ch <= h; ch++ {
					for cw := 1; left+cw <= w; cw++ {
						x := slices.Clone(orig)
						resizeWindow(x, shape, top, left, ch, cw)
						for k := range c {
							want := bilinearRef(orig[k*h*w:(k+1)*h*w], h, w, top, left, ch, cw)
							for i, v := range want {
								if got := x[k*h*w+i]; math.Abs(float64(got-v)) > 1e-5 {
									t.Fatalf("shape %v window (%d,%d) %dx%d channel %d pixel %d: got %v want %v", shape, top, left, ch, cw, k, i, got, v)
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestRandomResizedCropWindows(t *testing.T) {
	const h, w = 28, 20
	c := RandomResizedCrop{Scale: [2]float64{0.3, 0.8}, Ratio: [2]float64{0.5, 2}}
	sizes := map[[2]int]bool{}
	for seed := range uint64(500) {
		top, left, ch, cw := c.window(h, w, rand.New(rand.NewPCG(seed, 1)))
		if top < 0 || left < 0 || ch < 1 || cw < 1 || top+ch > h || left+cw > w {
			t.Fatalf("seed %d: window (%d,%d) %dx%d outside %dx%d", seed, top, left, ch, cw, h, w)
		}
		if ch == h && cw == w {
			continue // the fallback
		}
		// Rounding each side moves the area by at most about half a
		// pixel per side.
		area := float64(ch*cw) / (h * w)
		slack := (float64(ch+cw)/2 + 0.25) / (h * w)
		if area < c.Scale[0]-slack || area > c.Scale[1]+slack {
			t.Fatalf("seed %d: window %dx%d covers %.3f of the image, outside %v", seed, ch, cw, area, c.Scale)
		}
		if q := float64(cw) / float64(ch); q < 0.5*(1-1.0/float64(ch))-0.05 || q > 2*(1+1.0/float64(ch))+0.05 {
			t.Fatalf("seed %d: window %dx%d has ratio %.2f, outside %v", seed, ch, cw, q, c.Ratio)
		}
		sizes[[2]int{ch, cw}] = true
	}
	if len(sizes) < 20 {
		t.Fatalf("500 draws gave only %d window sizes", len(sizes))
	}
}

func TestRandomResizedCropAugment(t *testing.T) {
	shape := []int{2, 9, 9}
	orig := tinyImage(2, 9, 9)
	c := RandomResizedCrop{Scale: [2]float64{0.2, 1}}
	changed := 0
	for seed := range uint64(50) {
		x := slices.Clone(orig)
		c.Augment(x, shape, rand.New(rand.NewPCG(seed, 9)))
		y := slices.Clone(orig)
		c.Augment(y, shape, rand.New(rand.NewPCG(seed, 9)))
		if !slices.Equal(x, y) {
			t.Fatal("same seed gave different crops")
		}
		// The result is the reference resize of the drawn window.
		top, left, ch, cw := c.window(9, 9, rand.New(rand.NewPCG(seed, 9)))
		for k := range 2 {
			want := bilinearRef(orig[k*81:(k+1)*81], 9, 9, top, left, ch, cw)
			for i, v := range want {
				if math.Abs(float64(x[k*81+i]-v)) > 1e-4 {
					t.Fatalf("seed %d channel %d pixel %d: got %v want %v", seed, k, i, x[k*81+i], v)
				}
			}
		}
		if !slices.Equal(x, orig) {
			changed++
		}
	}
	if changed < 40 {
		t.Fatalf("only %d of 50 crops changed the image", changed)
	}

	// Scale 1 with ratio 1 always takes the whole square image.
	whole := RandomResizedCrop{Scale: [2]float64{1, 1}, Ratio: [2]float64{1, 1}}
	for seed := range uint64(20) {
		x := slices.Clone(orig)
		whole.Augment(x, shape, rand.New(rand.NewPCG(seed, 9)))
		if !slices.Equal(x, orig) {
			t.Fatalf("seed %d: scale 1 changed the image to %v", seed, x)
		}
	}
}

func TestRandomResizedCropCheck(t *testing.T) {
	shape := []int{1, 28, 28}
	if err := (RandomResizedCrop{Scale: [2]float64{0.3, 1}}).Check(shape); err != nil {
		t.Fatal(err)
	}
	wantErr(t, RandomResizedCrop{Scale: [2]float64{0, 1}}.Check(shape), "scale")
	wantErr(t, RandomResizedCrop{Scale: [2]float64{0.8, 0.5}}.Check(shape), "scale")
	wantErr(t, RandomResizedCrop{Scale: [2]float64{0.5, 1.5}}.Check(shape), "scale")
	wantErr(t, RandomResizedCrop{Scale: [2]float64{0.5, 1}, Ratio: [2]float64{-1, 1}}.Check(shape), "ratio")
	wantErr(t, RandomResizedCrop{Scale: [2]float64{0.5, 1}, Ratio: [2]float64{2, 1}}.Check(shape), "ratio")
	wantErr(t, RandomResizedCrop{Scale: [2]float64{0.5, 1}}.Check([]int{784}), "CHW or HW")
}
