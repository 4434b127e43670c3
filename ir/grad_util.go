package ir

import "fmt"

// emitter wraps a GradBuilder for the rules: it keeps the first error and
// turns every later call into a no-op returning nil, so a rule reads as
// the formula it implements and checks for an error once, at the end
// (done).
type emitter struct {
	b   GradBuilder
	err error
}

func newEmitter(b GradBuilder) *emitter { return &emitter{b: b} }

// op emits a one-output node.
func (e *emitter) op(op string, attrs map[string]*Attr, in ...*Value) *Value {
	if e.err != nil {
		return nil
	}
	v, err := e.b.Op(op, attrs, in...)
	if err != nil {
		e.err = fmt.Errorf("emitting %s: %w", op, err)
	}
	return v
}

// fail records err unless an earlier error is kept.
func (e *emitter) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf(format, args...)
	}
}

func (e *emitter) add(a, b *Value) *Value { return e.op("Add", nil, a, b) }
func (e *emitter) sub(a, b *Value) *Value { return e.op("Sub", nil, a, b) }
func (e *emitter) mul(a, b *Value) *Value { return e.op("Mul", nil, a, b) }
func (e *emitter) div(a, b *Value) *Value { return e.op("Div", nil, a, b) }
func (e *emitter) neg(a *Value) *Value    { return e.op("Neg", nil, a) }

// where selects a where cond holds, else b, broadcast.
func (e *emitter) where(cond, a, b *Value) *Value { return e.op("Where", nil, cond, a, b) }

// sumTo reduces grad to x's shape (see GradBuilder.SumTo). The builder
// does it where both shapes are static; otherwise x's static shape and
// grad's rank are enough (a batch dim of unknown size, say, in the
// gradient of a bias): the axes to sum are grad's leading extra dims and
// those where x has size 1, which a grad dim of unknown size may have
// been broadcast along (summing a dim that was 1 anyway changes nothing).
func (e *emitter) sumTo(grad, x *Value) *Value {
	if e.err != nil || !e.have(grad) {
		return nil
	}
	gs, xs := grad.Type.Shape, x.Type.Shape
	xd, xStatic := xs.Static()
	_, gStatic := gs.Static()
	if (gStatic && xStatic) || (gs.Ranked && gs.Equal(xs)) || !xStatic || !gs.Ranked {
		v, err := e.b.SumTo(grad, x)
		if err != nil {
			e.err = err
		}
		return v
	}
	off := len(gs.Dims) - len(xd)
	if off < 0 {
		e.fail("gradient of %q has rank %d, below the value's %d", x.Name, len(gs.Dims), len(xd))
		return nil
	}
	var axes []int64
	for i, d := range gs.Dims {
		if i < off || (xd[i-off] == 1 && !(d.Known() && d.Size == 1)) {
			axes = append(axes, int64(i))
		}
	}
	if len(axes) > 0 {
		grad = e.reduceSum(grad, true, axes...)
	}
	return e.reshapeLike(grad, x)
}

// constant emits a Constant node holding t.
func (e *emitter) constant(t *Tensor) *Value {
	return e.op("Constant", map[string]*Attr{"value": TensorAttr(t)})
}

// scalar emits a scalar constant x of dtype dt.
func (e *emitter) scalar(dt DType, x float64) *Value {
	t := Zeros(dt, nil)
	t.SetFloat64At(0, x)
	return e.constant(t)
}

// ints emits a 1-D int64 constant.
func (e *emitter) ints(v ...int64) *Value {
	return e.constant(FromSlice([]int{len(v)}, append([]int64{}, v...)))
}

// zero emits a scalar 0 of v's dtype.
func (e *emitter) zero(v *Value) *Value {
	if !e.have(v) {
		return nil
	}
	return e.scalar(v.Type.DType, 0)
}

// have reports whether v is there to read the type of: it is nil only
// after an earlier call failed (and recorded the error).
func (e *emitter) have(v *Value) bool {
	if v == nil {
		e.fail("gradient rule read a value that was not emitted")
		return false
	}
	return true
}

// shapeOf emits v's shape as a 1-D int64 tensor: a constant when v's shape
// is static, so inference downstream keeps the dims, else a Shape node.
func (e *emitter) shapeOf(v *Value) *Value {
	if !e.have(v) {
		return nil
	}
	if s, ok := v.Type.Shape.Static(); ok {
		dims := make([]int64, len(s))
		for i, d := range s {
			dims[i] = int64(d)
		}
		return e.ints(dims...)
	}
	return e.op("Shape", nil, v)
}

// reshapeLike reshapes g to x's shape.
func (e *emitter) reshapeLike(g, x *Value) *Value {
	return e.op("Reshape", nil, g, e.shapeOf(x))
}

// like gives v, which has x's shape at run time, that shape at build
// time too where x's is static and inference lost it: a ReduceSum or
// ReduceMean whose axes come from a Constant node (e.ints) leaves an
// unranked result, and sumTo needs ranks. The Reshape is a no-op at run
// time.
func (e *emitter) like(v, x *Value) *Value {
	if e.err != nil || !e.have(v) {
		return nil
	}
	if _, ok := v.Type.Shape.Static(); ok {
		return v
	}
	if _, ok := x.Type.Shape.Static(); !ok {
		return v
	}
	return e.reshapeLike(v, x)
}

// zerosLike emits zeros of v's dtype and shape.
func (e *emitter) zerosLike(v *Value) *Value {
	if !e.have(v) {
		return nil
	}
	z := Zeros(v.Type.DType, []int{1})
	return e.op("ConstantOfShape", map[string]*Attr{"value": TensorAttr(z)}, e.shapeOf(v))
}

// cast converts v to dtype dt (nothing when it already has it).
func (e *emitter) cast(v *Value, dt DType) *Value {
	if e.err != nil || !e.have(v) || v.Type.DType == dt {
		return v
	}
	return e.op("Cast", map[string]*Attr{"to": IntAttr(int64(dt))}, v)
}

// reduceSum sums v over axes, keeping them as size 1 when keep.
func (e *emitter) reduceSum(v *Value, keep bool, axes ...int64) *Value {
	k := int64(0)
	if keep {
		k = 1
	}
	return e.op("ReduceSum", map[string]*Attr{"keepdims": IntAttr(k)}, v, e.ints(axes...))
}

// done returns the input gradients, or the first error.
func (e *emitter) done(dx ...*Value) ([]*Value, error) {
	if e.err != nil {
		return nil, e.err
	}
	return dx, nil
}

// rankOf returns v's rank, recording an error when it is unknown.
func (e *emitter) rankOf(v *Value) int {
	r := v.Type.Shape.Rank()
	if r < 0 {
		e.fail("gradient needs the rank of %q", v.Name)
	}
	return r
}

// staticOf returns v's static shape, recording an error when it has none.
func (e *emitter) staticOf(v *Value) []int {
	s, ok := v.Type.Shape.Static()
	if !ok {
		e.fail("gradient needs the static shape of %q (have %s)", v.Name, v.Type.Shape)
	}
	return s
}

// normAxes maps possibly negative axes into [0, rank), recording an error
// for one out of range.
func (e *emitter) normAxes(axes []int64, rank int) []int64 {
	out := make([]int64, len(axes))
	for i, a := range axes {
		if a < 0 {
			a += int64(rank)
		}
		if a < 0 || a >= int64(rank) {
			e.fail("axis %d out of range for rank %d", axes[i], rank)
		}
		out[i] = a
	}
	return out
}

// constIntsInput returns input i of n as int64s when it is known at build
// time, recording an error naming what otherwise.
func (e *emitter) constIntsInput(n *Node, i int, what string) []int64 {
	v, ok := constInts(n, i)
	if !ok {
		e.fail("gradient needs %s (input %d) to be a constant", what, i)
	}
	return v
}

// float64Attr reads a float attribute as float64.
func float64Attr(n *Node, name string) float64 { return float64(n.Float(name)) }
