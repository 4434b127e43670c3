package loss

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// MSE is the mean squared error, mean((pred - target)²) (nn.MSELoss).
// Target broadcasts to the prediction.
type MSE struct{ Reduction Reduction }

// Append implements Loss.
func (l MSE) Append(g *ir.Graph, pred, target *ir.Value, fresh func(string) string) (*ir.Value, error) {
	e, err := elementwise("MSE", g, pred, target, fresh)
	if err != nil {
		return nil, err
	}
	d := e.sub(pred, target)
	return e.finish("MSE", e.mul(d, d), l.Reduction)
}

// L1 is the mean absolute error, mean(|pred - target|) (nn.L1Loss).
type L1 struct{ Reduction Reduction }

// Append implements Loss.
func (l L1) Append(g *ir.Graph, pred, target *ir.Value, fresh func(string) string) (*ir.Value, error) {
	e, err := elementwise("L1", g, pred, target, fresh)
	if err != nil {
		return nil, err
	}
	return e.finish("L1", e.op("Abs", nil, e.sub(pred, target)), l.Reduction)
}

// Huber is nn.HuberLoss: per element, with d = pred - target,
// 0.5·d² where |d| < Delta and Delta·(|d| - 0.5·Delta) elsewhere.
// Delta 0 means PyTorch's default, 1.
type Huber struct {
	Delta     float64
	Reduction Reduction
}

// Append implements Loss. It computes q = min(|d|, Delta) and
// 0.5·q² + Delta·(|d| - q), which equals the two-branch form and needs no
// Where: both pieces are differentiable ops.
func (l Huber) Append(g *ir.Graph, pred, target *ir.Value, fresh func(string) string) (*ir.Value, error) {
	delta := l.Delta
	if delta == 0 {
		delta = 1
	}
	if delta < 0 {
		return nil, fmt.Errorf("Huber: Delta is %v, must be positive", l.Delta)
	}
	e, err := elementwise("Huber", g, pred, target, fresh)
	if err != nil {
		return nil, err
	}
	c := e.scalar(delta)
	a := e.op("Abs", nil, e.sub(pred, target))
	q := e.op("Min", nil, a, c)
	quad := e.mul(e.mul(q, q), e.scalar(0.5))
	lin := e.mul(e.sub(a, q), c)
	return e.finish("Huber", e.add(quad, lin), l.Reduction)
}
