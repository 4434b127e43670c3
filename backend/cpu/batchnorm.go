package cpu

import (
	"math"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// BatchNormalization in inference mode (training_mode 0; training mode is
// in batchnorm_train.go) on float32: each channel c becomes
// y = x·s[c] + t[c] with s = scale/sqrt(var+eps) and t = B − mean·s,
// computed in float64 once when the four parameters are constants (the
// usual case), else at every run. Parallel over N·C planes.

func init() {
	Register("BatchNormalization", buildBatchNorm)
}

type batchNormKernel struct {
	c, planes, plane int
	eps              float64
	s, t             []float32
	folded           bool
	pool             *parallel.Pool
	planeFn          func(p int)
	x, y             []float32
}

func buildBatchNorm(n *ir.Node, env *Env) Kernel {
	if n.Int("training_mode") != 0 {
		return buildBatchNormTrain(n, env)
	}
	if n.Out(1) != nil || n.Out(2) != nil {
		return nil
	}
	shapes, ok := staticShapes(n)
	if !ok || len(shapes[0]) < 2 {
		return nil
	}
	if _, ok := outShape(n, 0); !ok {
		return nil
	}
	xs := shapes[0]
	k := &batchNormKernel{c: xs[1], planes: xs[0] * xs[1], plane: product(xs[2:]),
		eps: float64(n.Float("epsilon")), pool: env.Pool}
	for i := 1; i <= 4; i++ {
		if len(shapes[i]) != 1 || shapes[i][0] != k.c {
			return nil
		}
	}
	k.s, k.t = make([]float32, k.c), make([]float32, k.c)
	if p := [4][]float32{constF32(n, 1), constF32(n, 2), constF32(n, 3), constF32(n, 4)}; p[0] != nil && p[1] != nil && p[2] != nil && p[3] != nil {
		k.fold(p[0], p[1], p[2], p[3])
		k.folded = true
	}
	k.planeFn = k.planeBody
	return k
}

// fold computes the per-channel scale and shift.
func (k *batchNormKernel) fold(scale, b, mean, variance []float32) {
	for c := range k.s {
		s := float64(scale[c]) / math.Sqrt(float64(variance[c])+k.eps)
		k.s[c] = float32(s)
		k.t[c] = float32(float64(b[c]) - float64(mean[c])*s)
	}
}

// Run normalizes X into Y.
func (k *batchNormKernel) Run(in, out []*ir.Tensor) {
	if !k.folded {
		k.fold(f32(in[1]), f32(in[2]), f32(in[3]), f32(in[4]))
	}
	k.x, k.y = f32(in[0]), f32(out[0])
	k.pool.For(k.planes, k.planeFn)
	k.x, k.y = nil, nil
}

func (k *batchNormKernel) planeBody(p int) {
	c := p % k.c
	s, t := k.s[c], k.t[c]
	y := k.y[p*k.plane : (p+1)*k.plane]
	vec.MulScalar(y, k.x[p*k.plane:], s)
	vec.AddScalar(y, y, t)
}

// InPlace lets Y share X's buffer: each element is read before it is
// written.
func (k *batchNormKernel) InPlace() (out, in int) { return 0, 0 }
