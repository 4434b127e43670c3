package data

import (
	"fmt"
	"math/rand/v2"
)

// Augmenter changes one image sample in place, taking every random choice
// from r, so the result depends only on the sample and r's state. The
// Loader seeds r from (seed, epoch, batch), which makes augmentation
// reproducible and independent of prefetching. Implementations must be
// safe for concurrent use (keep no mutable state).
type Augmenter interface {
	// Check reports whether samples of this shape can be augmented.
	Check(shape []int) error
	// Augment transforms x, one sample of the checked shape.
	Augment(x []float32, shape []int, r *rand.Rand)
}

// RandomCrop pads each image with Pad zeros on every side and crops an
// H x W window at a uniformly random offset, i.e. shifts the image by
// dy, dx in [-Pad, Pad] and fills the uncovered border with zeros; all
// channels shift together. Images are CHW (or HW for one channel).
type RandomCrop struct{ Pad int }

// Check implements Augmenter.
func (c RandomCrop) Check(shape []int) error {
	if c.Pad < 0 {
		return fmt.Errorf("random crop padding %d is negative", c.Pad)
	}
	return checkImage("random crop", shape)
}

// Augment implements Augmenter.
func (c RandomCrop) Augment(x []float32, shape []int, r *rand.Rand) {
	n := uint64(2*c.Pad + 1)
	dy := int(r.Uint64N(n)) - c.Pad
	dx := int(r.Uint64N(n)) - c.Pad
	shift(x, shape, dy, dx)
}

// RandomFlip mirrors each image left-right (reverses every row) with
// probability 1/2. Images are CHW (or HW).
type RandomFlip struct{}

// Check implements Augmenter.
func (RandomFlip) Check(shape []int) error { return checkImage("random flip", shape) }

// Augment implements Augmenter.
func (RandomFlip) Augment(x []float32, shape []int, r *rand.Rand) {
	if r.Uint64()&1 == 1 {
		flipH(x, shape)
	}
}

// Compose applies augmenters in order.
type Compose []Augmenter

// Check implements Augmenter.
func (cs Compose) Check(shape []int) error {
	for _, a := range cs {
		if err := a.Check(shape); err != nil {
			return err
		}
	}
	return nil
}

// Augment implements Augmenter.
func (cs Compose) Augment(x []float32, shape []int, r *rand.Rand) {
	for _, a := range cs {
		a.Augment(x, shape, r)
	}
}

func checkImage(what string, shape []int) error {
	if len(shape) != 2 && len(shape) != 3 {
		return fmt.Errorf("%s needs CHW or HW image samples, got shape %s", what, dimString(shape))
	}
	return nil
}

// imageDims returns channels, height and width of a CHW or HW shape.
func imageDims(shape []int) (c, h, w int) {
	if len(shape) == 2 {
		return 1, shape[0], shape[1]
	}
	return shape[0], shape[1], shape[2]
}

// shift moves every channel of x so that out[y][x] = in[y+dy][x+dx], with
// zeros where that falls outside the image. It works in place: rows are
// visited in the direction that reads each source row before it is
// overwritten, and copy handles the overlap within a row.
func shift(x []float32, shape []int, dy, dx int) {
	c, h, w := imageDims(shape)
	if dy == 0 && dx == 0 {
		return
	}
	for ch := range c {
		img := x[ch*h*w : (ch+1)*h*w]
		for k := range h {
			y := k
			if dy < 0 {
				y = h - 1 - k
			}
			out := img[y*w : (y+1)*w]
			sy := y + dy
			if sy < 0 || sy >= h || dx >= w || dx <= -w {
				clear(out)
				continue
			}
			in := img[sy*w : (sy+1)*w]
			if dx >= 0 {
				copy(out[:w-dx], in[dx:])
				clear(out[w-dx:])
			} else {
				copy(out[-dx:], in[:w+dx])
				clear(out[:-dx])
			}
		}
	}
}

// flipH reverses every row of every channel.
func flipH(x []float32, shape []int) {
	c, h, w := imageDims(shape)
	for r := range c * h {
		row := x[r*w : (r+1)*w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			row[i], row[j] = row[j], row[i]
		}
	}
}
