package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// RandomResizedCrop crops a random window of each image and scales it
// back to the full H x W by bilinear sampling: the "random resized crop"
// of Inception and SimCLR (Szegedy et al. 2015; Chen et al. 2020 §3).
// The window covers a fraction of the image's area drawn uniformly from
// Scale and has a width/height ratio drawn log-uniformly from Ratio; its
// sides are rounded to whole pixels and it is placed uniformly inside the
// image. A draw that does not fit is retried up to 10 times, then the
// whole image is kept (torchvision's rule). All channels share a window.
// Images are CHW (or HW for one channel).
type RandomResizedCrop struct {
	// Scale bounds the window's area as a fraction of the image's, within
	// (0, 1].
	Scale [2]float64
	// Ratio bounds the window's width/height, positive; zero means
	// [3/4, 4/3].
	Ratio [2]float64
}

// Check implements Augmenter.
func (c RandomResizedCrop) Check(shape []int) error {
	if !(c.Scale[0] > 0 && c.Scale[0] <= c.Scale[1] && c.Scale[1] <= 1) {
		return fmt.Errorf("random resized crop scale %v: want 0 < low <= high <= 1", c.Scale)
	}
	if r := c.ratio(); !(r[0] > 0 && r[0] <= r[1]) || math.IsInf(r[1], 0) {
		return fmt.Errorf("random resized crop ratio %v: want 0 < low <= high", c.Ratio)
	}
	return checkImage("random resized crop", shape)
}

func (c RandomResizedCrop) ratio() [2]float64 {
	if c.Ratio == [2]float64{} {
		return [2]float64{3.0 / 4, 4.0 / 3}
	}
	return c.Ratio
}

// Augment implements Augmenter.
func (c RandomResizedCrop) Augment(x []float32, shape []int, r *rand.Rand) {
	_, h, w := imageDims(shape)
	top, left, ch, cw := c.window(h, w, r)
	if ch == h && cw == w {
		return // the whole image: resizing it is the identity
	}
	resizeWindow(x, shape, top, left, ch, cw)
}

// window draws the crop: its top-left corner and its height and width.
func (c RandomResizedCrop) window(h, w int, r *rand.Rand) (top, left, ch, cw int) {
	area := float64(h * w)
	rt := c.ratio()
	lo, hi := math.Log(rt[0]), math.Log(rt[1])
	for range 10 {
		a := area * (c.Scale[0] + (c.Scale[1]-c.Scale[0])*r.Float64())
		aspect := math.Exp(lo + (hi-lo)*r.Float64())
		cw = int(math.Round(math.Sqrt(a * aspect)))
		ch = int(math.Round(math.Sqrt(a / aspect)))
		if cw > 0 && cw <= w && ch > 0 && ch <= h {
			top = int(r.Uint64N(uint64(h - ch + 1)))
			left = int(r.Uint64N(uint64(w - cw + 1)))
			return top, left, ch, cw
		}
	}
	return 0, 0, h, w
}

// resizeWindow replaces every channel of x by its ch x cw window at (top,
// left), scaled to the full image by bilinear interpolation with
// half-pixel centers (align_corners=false): output pixel (i, j) samples
// the window at ((i+0.5)·ch/h − 0.5, (j+0.5)·cw/w − 0.5), clamped to the
// window's edge pixels.
func resizeWindow(x []float32, shape []int, top, left, ch, cw int) {
	c, h, w := imageDims(shape)
	ys, xs := bilinearTaps(h, ch), bilinearTaps(w, cw)
	src := make([]float32, h*w)
	for k := range c {
		img := x[k*h*w : (k+1)*h*w]
		copy(src, img)
		for i, ty := range ys {
			r0 := src[(top+ty.lo)*w+left:]
			r1 := src[(top+ty.hi)*w+left:]
			for j, tx := range xs {
				a := r0[tx.lo] + tx.f*(r0[tx.hi]-r0[tx.lo])
				b := r1[tx.lo] + tx.f*(r1[tx.hi]-r1[tx.lo])
				img[i*w+j] = a + ty.f*(b-a)
			}
		}
	}
}

// tap is where one output pixel samples a source line: between pixels lo
// and hi (hi = lo or lo+1) at fraction f from lo.
type tap struct {
	lo, hi int
	f      float32
}

// bilinearTaps maps n output pixels onto m source pixels (half-pixel
// centers, clamped at both ends).
func bilinearTaps(n, m int) []tap {
	taps := make([]tap, n)
	for i := range taps {
		s := max((float64(i)+0.5)*float64(m)/float64(n)-0.5, 0)
		lo := min(int(s), m-1)
		hi := min(lo+1, m-1)
		taps[i] = tap{lo, hi, float32(s - float64(lo))}
		if lo == hi {
			taps[i].f = 0
		}
	}
	return taps
}
