package cpu

import (
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// Shared machinery of the elementwise kernels (unary.go, binary.go,
// where.go): splitting work over the pool, and the static-shape checks
// their builders make.

// elemGrain is the fewest elements of a cheap loop (a few cycles per
// vector) worth handing to another thread: below it the pool's wake-up
// costs more than the loop. Loops with transcendental functions use
// mathGrain.
const (
	elemGrain = 1 << 16
	mathGrain = 1 << 12
)

// splitter runs body over [0, n) in up to Threads() contiguous ranges of
// at least grain items; body also gets the range's number c < parts(), so
// it can use per-range scratch. Its closure is made once, so run does not
// allocate.
type splitter struct {
	pool  *parallel.Pool
	n, k  int
	body  func(c, lo, hi int)
	chunk func(c int)
}

func newSplitter(pool *parallel.Pool, n, grain int, body func(c, lo, hi int)) *splitter {
	if pool == nil {
		pool = parallel.Serial
	}
	s := &splitter{pool: pool, n: n, body: body}
	// At most one range per thread, each of at least grain items.
	s.k = max(1, min(pool.Threads(), n/max(grain, 1)))
	s.chunk = func(c int) { s.body(c, c*s.n/s.k, (c+1)*s.n/s.k) }
	return s
}

// parts is the number of ranges run uses.
func (s *splitter) parts() int { return s.k }

func (s *splitter) run() {
	if s.k <= 1 {
		s.body(0, 0, s.n)
		return
	}
	s.pool.For(s.k, s.chunk)
}

// envPool returns the builder environment's pool, or a serial one.
func envPool(env *Env) *parallel.Pool {
	if env == nil || env.Pool == nil {
		return parallel.Serial
	}
	return env.Pool
}

// inShape returns the static shape of input i whatever its dtype.
func inShape(n *ir.Node, i int) ([]int, bool) {
	v := n.In(i)
	if v == nil {
		return nil, false
	}
	return v.Type.Shape.Static()
}

// anyOutShape returns the static shape of output i whatever its dtype.
func anyOutShape(n *ir.Node, i int) ([]int, bool) {
	v := n.Out(i)
	if v == nil {
		return nil, false
	}
	return v.Type.Shape.Static()
}

// constScalar returns the single value of a constant input as float64.
func constScalar(n *ir.Node, i int) (float64, bool) {
	v := n.In(i)
	if v == nil || v.Init == nil || v.Init.Len() != 1 || !v.Init.DType.IsNumeric() {
		return 0, false
	}
	return v.Init.Float64At(0), true
}

// constInts returns the values of a constant integer input.
func constInts(n *ir.Node, i int) ([]int64, bool) {
	v := n.In(i)
	if v == nil || v.Init == nil || !v.Init.DType.IsInt() {
		return nil, false
	}
	return v.Init.Int64s(), true
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(a int64, rank int) (int, bool) {
	if a < 0 {
		a += int64(rank)
	}
	return int(a), a >= 0 && a < int64(rank)
}
