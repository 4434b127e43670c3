package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// view is a Dataset made of chosen samples of a parent Dataset.
type view struct {
	parent Dataset
	idx    []int
}

// Subset returns the first n samples of ds (all of them if n <= 0 or
// n >= ds.Len()); for short CI runs.
func Subset(ds Dataset, n int) Dataset {
	if n <= 0 || n >= ds.Len() {
		return ds
	}
	return &view{ds, identity(n)}
}

// Split partitions ds into a training and a validation set, putting
// round(valFraction*Len) samples chosen uniformly at random into the
// validation set. The choice depends only on seed and ds.Len(). Both parts
// keep the parent's order, so Split(ds, 0, s) returns ds's samples in order
// and an empty validation set.
func Split(ds Dataset, valFraction float64, seed uint64) (train, val Dataset, err error) {
	if !(valFraction >= 0 && valFraction < 1) {
		return nil, nil, fmt.Errorf("validation fraction %v is outside [0, 1)", valFraction)
	}
	n := ds.Len()
	nVal := int(math.Round(valFraction * float64(n)))
	perm := identity(n)
	shuffle(perm, rand.New(rand.NewPCG(mix(seed, splitStream), 0)))
	isVal := make([]bool, n)
	for _, i := range perm[:nVal] {
		isVal[i] = true
	}
	tIdx := make([]int, 0, n-nVal)
	vIdx := make([]int, 0, nVal)
	for i := range n {
		if isVal[i] {
			vIdx = append(vIdx, i)
		} else {
			tIdx = append(tIdx, i)
		}
	}
	return &view{ds, tIdx}, &view{ds, vIdx}, nil
}

func (v *view) Len() int           { return len(v.idx) }
func (v *view) SampleShape() []int { return v.parent.SampleShape() }
func (v *view) Labels() LabelSpec  { return v.parent.Labels() }
func (v *view) String() string     { return fmt.Sprintf("view of %d samples", len(v.idx)) }

// viewChunk is the size of the scratch arrays used to translate indices.
const viewChunk = 64

// idxPool holds the scratch arrays. A stack array would escape through the
// interface call to the parent's Fill and be allocated on every call; the
// pool keeps Fill allocation-free in steady state and safe for concurrent
// use.
var idxPool = sync.Pool{New: func() any { return new([viewChunk]int) }}

// Fill implements Dataset.
func (v *view) Fill(idx []int, x []float32, classes []int64, targets []float32) {
	s := numel(v.parent.SampleShape())
	t := v.parent.Labels().Size()
	buf := idxPool.Get().(*[viewChunk]int)
	defer idxPool.Put(buf)
	for lo := 0; lo < len(idx); lo += viewChunk {
		hi := min(lo+viewChunk, len(idx))
		p := buf[:hi-lo]
		for k, i := range idx[lo:hi] {
			p[k] = v.idx[i]
		}
		var c []int64
		if classes != nil {
			c = classes[lo:hi]
		}
		var tg []float32
		if targets != nil {
			tg = targets[lo*t : hi*t]
		}
		v.parent.Fill(p, x[lo*s:hi*s], c, tg)
	}
}

// reshaped presents a Dataset's samples with another shape of the same size.
type reshaped struct {
	Dataset
	shape []int
}

// Reshape returns ds with every sample viewed as shape, which must have the
// same element count (e.g. 28x28 images as 1x28x28 CHW or as 784 features).
func Reshape(ds Dataset, shape []int) (Dataset, error) {
	if numel(shape) != numel(ds.SampleShape()) || slices.ContainsFunc(shape, func(d int) bool { return d <= 0 }) {
		return nil, fmt.Errorf("cannot reshape samples of shape %s to %s", dimString(ds.SampleShape()), dimString(shape))
	}
	return &reshaped{ds, slices.Clone(shape)}, nil
}

func (r *reshaped) SampleShape() []int { return r.shape }

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}
