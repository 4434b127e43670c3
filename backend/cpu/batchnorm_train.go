package cpu

import (
	"math"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// BatchNormalization in training mode (training_mode 1) on float32: each
// channel is normalized with the batch's own mean and biased variance
// over N and the spatial dims, and the optional outputs 1 and 2 are the
// running statistics input_mean·momentum + batch·(1-momentum) (the
// reference's definition, with the biased variance). Parallel over
// channels: a channel's N planes are summed (SIMD float32 per plane,
// float64 across planes), then its squared deviations, then scaled.

type batchNormTrainKernel struct {
	n, c, plane int
	eps, mom    float64
	runOut      [2]bool // outputs 1 and 2 wanted
	pool        *parallel.Pool
	chanFn      func(c int)
	in, out     []*ir.Tensor // per call
}

// buildBatchNormTrain is buildBatchNorm's training-mode path.
func buildBatchNormTrain(n *ir.Node, env *Env) Kernel {
	shapes, ok := staticShapes(n)
	if !ok || len(shapes[0]) < 2 || product(shapes[0]) == 0 {
		return nil
	}
	xs := shapes[0]
	k := &batchNormTrainKernel{n: xs[0], c: xs[1], plane: product(xs[2:]),
		eps: float64(n.Float("epsilon")), mom: float64(n.Float("momentum")), pool: env.Pool}
	for i := 1; i <= 4; i++ {
		if len(shapes[i]) != 1 || shapes[i][0] != k.c {
			return nil
		}
	}
	for i := range 3 {
		if n.Out(i) == nil {
			continue
		}
		if _, ok := outShape(n, i); !ok {
			return nil
		}
		if i > 0 {
			k.runOut[i-1] = true
		}
	}
	k.chanFn = k.channel
	return k
}

// Run normalizes X into Y with the batch statistics.
func (k *batchNormTrainKernel) Run(in, out []*ir.Tensor) {
	k.in, k.out = in, out
	k.pool.For(k.c, k.chanFn)
	k.in, k.out = nil, nil
}

// channel computes channel c's statistics and output planes.
func (k *batchNormTrainKernel) channel(c int) {
	x := f32(k.in[0])
	mean, variance := channelMoments(x, c, k.plane, k.c*k.plane)
	s := float64(f32(k.in[1])[c]) / math.Sqrt(variance+k.eps)
	t := float64(f32(k.in[2])[c]) - mean*s
	y := f32(k.out[0])
	for b := range k.n {
		off := (b*k.c + c) * k.plane
		yp := y[off : off+k.plane]
		vec.MulScalar(yp, x[off:], float32(s))
		vec.AddScalar(yp, yp, float32(t))
	}
	for i, stat := range [2]float64{mean, variance} {
		if k.runOut[i] {
			prev := float64(f32(k.in[3+i])[c])
			f32(k.out[1+i])[c] = float32(prev*k.mom + stat*(1-k.mom))
		}
	}
}

// channelMoments returns the mean and biased variance of channel c of x
// laid out [N, C, plane] (stride = C·plane): float32 sums per plane added
// in float64, the deviations taken from the float32 mean. The training
// kernel and BatchNormGrad (norm_grad.go) share it, so the gradient sees
// the statistics the forward pass used.
func channelMoments(x []float32, c, plane, stride int) (mean, variance float64) {
	count := float64(len(x) / stride * plane)
	sum := 0.0
	for off := c * plane; off < len(x); off += stride {
		sum += float64(vec.Sum(x[off : off+plane]))
	}
	mean = sum / count
	dev := 0.0
	for off := c * plane; off < len(x); off += stride {
		dev += float64(vec.SumSqDev(x[off:off+plane], float32(mean)))
	}
	return mean, dev / count
}

// InPlace lets Y share X's buffer: a channel's statistics are complete
// before its planes are written, and channels are disjoint.
func (k *batchNormTrainKernel) InPlace() (out, in int) { return 0, 0 }
