package data

import (
	"fmt"
	"math"
)

// Norm maps a feature value v in channel c to (v*Scale - Mean[c]) / Std[c].
// Channels are the leading axis of the sample shape (C of CHW, or the
// features of a flat sample); a single Mean and Std apply to every value.
type Norm struct {
	// Scale multiplies raw values first; 1.0/255 maps bytes to [0, 1].
	// Zero means 1.
	Scale float32
	// Mean and Std hold one value, or one per channel. Empty means
	// mean 0 and std 1 (scaling only).
	Mean, Std []float32
}

// ByteScale maps byte pixel values 0..255 to [0, 1].
const ByteScale = 1.0 / 255

// normalized applies a Norm to every sample of a Dataset as it is filled.
type normalized struct {
	Dataset
	scale     float32
	mean, inv []float32 // per channel; inv = 1/std
	plane     int       // values per channel in one sample
}

// Normalize returns ds with n applied to every sample. It checks that Mean
// and Std have matching lengths of 1 or SampleShape[0] and that no Std is
// zero.
func Normalize(ds Dataset, n Norm) (Dataset, error) {
	shape := ds.SampleShape()
	if len(n.Mean) != len(n.Std) {
		return nil, fmt.Errorf("normalization has %d means but %d standard deviations", len(n.Mean), len(n.Std))
	}
	c := max(len(n.Mean), 1)
	if c > 1 && (len(shape) == 0 || shape[0] != c) {
		return nil, fmt.Errorf("normalization has %d channels but samples have shape %s (channels lead)", c, dimString(shape))
	}
	z := &normalized{Dataset: ds, scale: n.Scale, mean: make([]float32, c), inv: make([]float32, c), plane: numel(shape) / c}
	if z.scale == 0 {
		z.scale = 1
	}
	for i := range c {
		z.inv[i] = 1
		if len(n.Mean) == 0 {
			continue
		}
		if !(n.Std[i] > 0) || math.IsInf(float64(n.Std[i]), 0) {
			return nil, fmt.Errorf("normalization channel %d: standard deviation %v is not positive and finite", i, n.Std[i])
		}
		z.mean[i], z.inv[i] = n.Mean[i], 1/n.Std[i]
	}
	return z, nil
}

// Fill implements Dataset.
func (z *normalized) Fill(idx []int, x []float32, classes []int64, targets []float32) {
	z.Dataset.Fill(idx, x, classes, targets)
	x = x[:len(idx)*z.plane*len(z.mean)]
	for j := 0; j < len(x); {
		for c := range z.mean {
			m, inv := z.mean[c], z.inv[c]
			p := x[j : j+z.plane]
			for i, v := range p {
				p[i] = (v*z.scale - m) * inv
			}
			j += z.plane
		}
	}
}

// ComputeNorm measures the mean and standard deviation of ds's features
// after multiplying by scale (0 means 1): per channel (leading axis of the
// sample shape) when perChannel, else over all values. A constant channel
// gets Std 1 so Normalize still accepts it. Compute it on the training split
// only, so validation data does not leak into training.
func ComputeNorm(ds Dataset, scale float32, perChannel bool) Norm {
	if scale == 0 {
		scale = 1
	}
	shape := ds.SampleShape()
	s := numel(shape)
	c := 1
	if perChannel && len(shape) > 0 {
		c = shape[0]
	}
	plane := s / c
	sum := make([]float64, c)
	sq := make([]float64, c)
	const chunk = 256
	idx := make([]int, chunk)
	x := make([]float32, chunk*s)
	var classes []int64
	var targets []float32
	if ds.Labels().Regression {
		targets = make([]float32, chunk*ds.Labels().Size())
	} else {
		classes = make([]int64, chunk)
	}
	n := ds.Len()
	for lo := 0; lo < n; lo += chunk {
		k := min(chunk, n-lo)
		for i := range k {
			idx[i] = lo + i
		}
		ds.Fill(idx[:k], x, classes, targets)
		for j := 0; j < k*s; j += plane {
			ch := (j / plane) % c
			for _, v := range x[j : j+plane] {
				f := float64(v * scale)
				sum[ch] += f
				sq[ch] += f * f
			}
		}
	}
	norm := Norm{Scale: scale, Mean: make([]float32, c), Std: make([]float32, c)}
	count := float64(n * plane)
	for ch := range c {
		if count == 0 {
			norm.Std[ch] = 1
			continue
		}
		mean := sum[ch] / count
		variance := max(sq[ch]/count-mean*mean, 0)
		norm.Mean[ch] = float32(mean)
		norm.Std[ch] = float32(math.Sqrt(variance))
		if norm.Std[ch] == 0 {
			norm.Std[ch] = 1
		}
	}
	return norm
}
