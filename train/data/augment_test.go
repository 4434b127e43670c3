package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// tinyImage is a CHW image whose values are 1 + position, so zero marks
// padding.
func tinyImage(c, h, w int) []float32 {
	x := make([]float32, c*h*w)
	for i := range x {
		x[i] = float32(i + 1)
	}
	return x
}

// padCrop is the textbook definition: pad with p zeros, crop HxW at (oy, ox).
func padCrop(x []float32, c, h, w, p, oy, ox int) []float32 {
	ph, pw := h+2*p, w+2*p
	padded := make([]float32, c*ph*pw)
	for ch := range c {
		for y := range h {
			for xx := range w {
				padded[ch*ph*pw+(y+p)*pw+xx+p] = x[ch*h*w+y*w+xx]
			}
		}
	}
	out := make([]float32, c*h*w)
	for ch := range c {
		for y := range h {
			for xx := range w {
				out[ch*h*w+y*w+xx] = padded[ch*ph*pw+(y+oy)*pw+xx+ox]
			}
		}
	}
	return out
}

func TestFlipReversesRows(t *testing.T) {
	for _, shape := range [][]int{{2, 3, 4}, {3, 5}} {
		c, h, w := imageDims(shape)
		x := tinyImage(c, h, w)
		flipH(x, shape)
		for r := range c * h {
			for i := range w {
				if x[r*w+i] != float32(r*w+(w-1-i)+1) {
					t.Fatalf("shape %v row %d: %v is not reversed", shape, r, x[r*w:(r+1)*w])
				}
			}
		}
	}
}

func TestShiftMatchesPadCrop(t *testing.T) {
	const p = 2
	for _, shape := range [][]int{{2, 3, 4}, {4, 3}, {1, 1, 1}} {
		c, h, w := imageDims(shape)
		for oy := 0; oy <= 2*p; oy++ {
			for ox := 0; ox <= 2*p; ox++ {
				x := tinyImage(c, h, w)
				want := padCrop(x, c, h, w, p, oy, ox)
				shift(x, shape, oy-p, ox-p)
				if !slices.Equal(x, want) {
					t.Fatalf("shape %v offset (%d,%d): got %v want %v", shape, oy, ox, x, want)
				}
			}
		}
	}
}

func TestRandomCropAndFlip(t *testing.T) {
	const p = 1
	shape := []int{2, 3, 3}
	orig := tinyImage(2, 3, 3)
	crop := RandomCrop{Pad: p}
	seen := map[[2]int]bool{}
	for seed := range uint64(200) {
		x := slices.Clone(orig)
		crop.Augment(x, shape, rand.New(rand.NewPCG(seed, 7)))
		y := slices.Clone(orig)
		crop.Augment(y, shape, rand.New(rand.NewPCG(seed, 7)))
		if !slices.Equal(x, y) {
			t.Fatal("same seed gave different crops")
		}
		found := false
		for oy := 0; oy <= 2*p && !found; oy++ {
			for ox := 0; ox <= 2*p && !found; ox++ {
				if slices.Equal(x, padCrop(orig, 2, 3, 3, p, oy, ox)) {
					seen[[2]int{oy, ox}], found = true, true
				}
			}
		}
		if !found {
			t.Fatalf("seed %d: crop %v is not a padded crop of the image", seed, x)
		}
	}
	if len(seen) != (2*p+1)*(2*p+1) {
		t.Fatalf("200 crops used only offsets %v", seen)
	}

	flips := 0
	for seed := range uint64(200) {
		x := slices.Clone(orig)
		RandomFlip{}.Augment(x, shape, rand.New(rand.NewPCG(seed, 7)))
		f := slices.Clone(orig)
		flipH(f, shape)
		switch {
		case slices.Equal(x, f):
			flips++
		case !slices.Equal(x, orig):
			t.Fatalf("seed %d: %v is neither the image nor its mirror", seed, x)
		}
	}
	if flips < 70 || flips > 130 {
		t.Fatalf("%d of 200 images flipped, want about half", flips)
	}

	aug := Compose{RandomCrop{Pad: 1}, RandomFlip{}}
	if err := aug.Check([]int{784}); err == nil {
		t.Fatal("a flat sample should not pass the image check")
	}
	wantErr(t, RandomCrop{Pad: -1}.Check(shape), "padding -1")
	if err := aug.Check(shape); err != nil {
		t.Fatal(err)
	}
}
