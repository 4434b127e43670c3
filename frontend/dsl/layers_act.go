package dsl

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// unary declares a layer that is one shape-preserving op.
func unary(kind, op string, allowed []string, opts []Option, attrs func(c *config) map[string]*ir.Attr) Layer {
	return newLayer(kind, allowed, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		var a map[string]*ir.Attr
		if attrs != nil {
			a = attrs(c)
		}
		return b.Op(name, op, a, name, x.shape, x.v)
	})
}

// ReLU is max(x, 0).
func ReLU(opts ...Option) Layer { return unary("relu", "Relu", nil, opts, nil) }

// Sigmoid is 1/(1+e^-x).
func Sigmoid(opts ...Option) Layer { return unary("sigmoid", "Sigmoid", nil, opts, nil) }

// Tanh is tanh(x).
func Tanh(opts ...Option) Layer { return unary("tanh", "Tanh", nil, opts, nil) }

// GELU is x·Φ(x) with Φ the normal CDF (exact, not the tanh
// approximation), the ONNX Gelu op of opset 20.
func GELU(opts ...Option) Layer { return unary("gelu", "Gelu", nil, opts, nil) }

// LeakyReLU is x for x ≥ 0, alpha·x otherwise. Options: Alpha (default
// 0.01, as PyTorch), Name.
func LeakyReLU(opts ...Option) Layer {
	return unary("leaky_relu", "LeakyRelu", []string{"alpha"}, opts, func(c *config) map[string]*ir.Attr {
		return map[string]*ir.Attr{"alpha": ir.FloatAttr(float32(c.alpha))}
	})
}

// SiLU is x·sigmoid(x) (swish), emitted as Sigmoid and Mul.
func SiLU(opts ...Option) Layer {
	return newLayer("silu", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		s := b.Op(name, "Sigmoid", nil, name+"/sigmoid", x.shape, x.v)
		return b.Op(name, "Mul", nil, name, x.shape, x.v, s.v)
	})
}

// softmaxLike declares Softmax and LogSoftmax with their axis checked.
func softmaxLike(kind, op string, opts []Option) Layer {
	return newLayer(kind, []string{"axis"}, opts, func(b *Builder, name string, c *config, x *Value) *Value {
		r := len(x.shape) + 1
		if c.axis < -r || c.axis >= r {
			fail(name, "axis %d is out of range for rank %d (batch dim included)", c.axis, r)
		}
		return b.Op(name, op, map[string]*ir.Attr{"axis": ir.IntAttr(int64(c.axis))}, name, x.shape, x.v)
	})
}

// Softmax normalizes exponentials along an axis. Options: Axis (default
// -1), Name.
func Softmax(opts ...Option) Layer { return softmaxLike("softmax", "Softmax", opts) }

// LogSoftmax is log(Softmax(x)), computed stably. Options: Axis (default
// -1), Name.
func LogSoftmax(opts ...Option) Layer { return softmaxLike("log_softmax", "LogSoftmax", opts) }

// Flatten turns [batch, d1, d2, ...] into [batch, d1·d2·...].
func Flatten(opts ...Option) Layer {
	return newLayer("flatten", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		return b.Op(name, "Flatten", map[string]*ir.Attr{"axis": ir.IntAttr(1)}, name, []int{numel(x.shape)}, x.v)
	})
}

// Reshape gives the dims after the batch dim a new shape with the same
// element count; one dim may be -1, computed from the others.
func Reshape(shape []int, opts ...Option) Layer {
	return newLayer("reshape", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		out := append([]int{}, shape...)
		infer, known := -1, 1
		for i, d := range out {
			switch {
			case d == -1 && infer < 0:
				infer = i
			case d < 1:
				fail(name, "shape %v: dims must be positive, with at most one -1", shape)
			default:
				known *= d
			}
		}
		total := numel(x.shape)
		if infer >= 0 && total%known == 0 {
			out[infer] = total / known
		}
		if numel(out) != total {
			fail(name, "cannot reshape %v (%d elements) to %v", x.shape, total, shape)
		}
		target := []int64{0} // 0 copies the batch dim, symbolic or not
		for _, d := range out {
			target = append(target, int64(d))
		}
		return b.Op(name, "Reshape", nil, name, out, x.v, b.constInt64(name+"/shape", target...))
	})
}

// Add is the elementwise sum of values of equal shape (a residual
// connection). It is recorded as a layer named add_N.
func Add(x, y *Value, opts ...Option) *Value {
	sameBuilder("add", x, y)
	l := newLayer("add", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		if !slices.Equal(x.shape, y.shape) {
			fail(name, "shapes %v and %v differ", x.shape, y.shape)
		}
		return b.Op(name, "Add", nil, name, x.shape, x.v, y.v)
	})
	return l.Apply(x)
}
