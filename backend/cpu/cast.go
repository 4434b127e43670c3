package cpu

import "github.com/dlc-go/dlc/ir"

// Cast between float32 and int64, int32 or bool, with the reference's
// conversions: float to integer truncates toward zero (through float64,
// as the reference does, so NaN and out-of-range values give the same
// bits), integers round to nearest float32 once, nonzero (NaN included)
// is true, and a float32-to-float32 cast copies.

func init() {
	Register("Cast", buildCast)
}

type castKernel struct {
	conv func(src, dst *ir.Tensor)
}

func (k castKernel) Run(in, out []*ir.Tensor) { k.conv(in[0], out[0]) }

func buildCast(n *ir.Node, env *Env) Kernel {
	from, to := n.In(0).Type.DType, ir.DType(n.Int("to"))
	if _, ok := inShape(n, 0); !ok {
		return nil
	}
	var f func(src, dst *ir.Tensor)
	switch {
	case from == ir.Float32 && to == ir.Float32:
		f = func(s, d *ir.Tensor) { copy(f32(d), f32(s)) }
	case from == ir.Float32 && to == ir.Int64:
		f = func(s, d *ir.Tensor) {
			convert(data[int64](d), f32(s), func(v float32) int64 { return int64(float64(v)) })
		}
	case from == ir.Float32 && to == ir.Int32:
		f = func(s, d *ir.Tensor) {
			convert(data[int32](d), f32(s), func(v float32) int32 { return int32(float64(v)) })
		}
	case from == ir.Float32 && to == ir.Bool:
		f = func(s, d *ir.Tensor) { convert(data[bool](d), f32(s), func(v float32) bool { return v != 0 }) }
	case from == ir.Int64 && to == ir.Float32:
		f = func(s, d *ir.Tensor) { convert(f32(d), data[int64](s), func(v int64) float32 { return float32(v) }) }
	case from == ir.Int32 && to == ir.Float32:
		f = func(s, d *ir.Tensor) { convert(f32(d), data[int32](s), func(v int32) float32 { return float32(v) }) }
	case from == ir.Bool && to == ir.Float32:
		f = func(s, d *ir.Tensor) {
			convert(f32(d), data[bool](s), func(v bool) float32 {
				if v {
					return 1
				}
				return 0
			})
		}
	default:
		return nil
	}
	return castKernel{conv: f}
}

func convert[D, S any](dst []D, src []S, f func(S) D) {
	for i, v := range src {
		dst[i] = f(v)
	}
}
