package cpu

import "github.com/dlc-go/dlc/backend/cpu/vec"

// chanReduce is ReduceSum or ReduceMean over the outer and inner dims of
// [a, k, r] (after reduce.go merges dims): the per-channel sums of
// BatchNormalization's gradient, axes (0, 2, 3) of NCHW. Output j sums
// its a rows of r contiguous elements, each with vec.Sum, in float64
// across rows; outputs are split over threads.
type chanReduce struct{ a, k, r int }

// runChannel computes outputs [lo, hi).
func (k *reduceKernel) runChannel(_, lo, hi int) {
	c := k.channel
	for j := lo; j < hi; j++ {
		s := 0.0
		for b := range c.a {
			s += float64(vec.Sum(k.x[(b*c.k+j)*c.r:][:c.r]))
		}
		k.y[j] = float32(s) * k.scale
	}
}
