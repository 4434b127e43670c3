package ref

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Convolution kernels: Conv and ConvTranspose in any number of spatial
// dims with groups, strides, dilations and padding. Float inputs are
// computed in float64; the integer forms (conv_quant.go) reuse the same
// cores with exact int64 accumulation.

func init() {
	Register("Conv", convFloat)
	Register("ConvTranspose", convTransposeFloat)
}

// num is what the convolution cores accumulate in.
type num interface{ ~float64 | ~int64 }

// convLayout checks the shapes of a convolution with data x [N, C, D...]
// and weights w and returns the window geometry. For Conv w is
// [M, C/group, k...]; for ConvTranspose it is [C, M/group, k...].
func convLayout(n *ir.Node, x, w []int, transpose bool) (ir.Window, error) {
	if len(x) < 3 {
		return ir.Window{}, fmt.Errorf("X must be [N, C, spatial...], got shape %v", x)
	}
	if len(w) != len(x) {
		return ir.Window{}, fmt.Errorf("W has shape %v, want rank %d like X %v", w, len(x), x)
	}
	group := int(n.Int("group"))
	if group < 1 {
		return ir.Window{}, fmt.Errorf("group %d must be positive", group)
	}
	k := kernelShape(n, w[2:])
	if !slices.Equal(k, w[2:]) {
		return ir.Window{}, fmt.Errorf("kernel_shape %v does not match W's spatial dims %v", k, w[2:])
	}
	if transpose {
		if x[1] != w[0] || x[1]%group != 0 {
			return ir.Window{}, fmt.Errorf("X has %d channels, W %v wants %d in %d groups", x[1], w, w[0], group)
		}
		return ir.ConvTransposeGeometry(n, x[2:], k)
	}
	if x[1] != w[1]*group || w[0]%group != 0 {
		return ir.Window{}, fmt.Errorf("X has %d channels and W is %v: want C = %d*group and M divisible by group %d", x[1], w, w[1], group)
	}
	return ir.WindowGeometry(n, x[2:], k, false)
}

// convCore computes y[n, m, o] = sum over c in m's group and the taps of o
// of x[n, c, tap] * w[m, c', k]. It returns y with shape [N, M, out...].
func convCore[T num](xs []T, x []int, ws []T, w []int, g ir.Window, group int) ([]T, []int) {
	N, C, M := x[0], x[1], w[0]
	cg, mg := C/group, M/group
	inLen, outLen, kLen := numElems(g.In), numElems(g.Out), numElems(g.Kernel)
	taps, _ := windowTaps(g)
	ys := make([]T, N*M*outLen)
	for b := 0; b < N; b++ {
		for m := 0; m < M; m++ {
			grp := m / mg
			yp := ys[(b*M+m)*outLen : (b*M+m+1)*outLen]
			for c := 0; c < cg; c++ {
				xc := grp*cg + c
				xp := xs[(b*C+xc)*inLen : (b*C+xc+1)*inLen]
				wp := ws[(m*cg+c)*kLen : (m*cg+c+1)*kLen]
				for o, ts := range taps {
					var s T
					for _, t := range ts {
						s += xp[t.in] * wp[t.k]
					}
					yp[o] += s
				}
			}
		}
	}
	return ys, append([]int{N, M}, g.Out...)
}

// convTransposeCore scatters each x[n, c, i] * w[c, m', k] to output
// position i*stride + k*dilation - pad_begin, dropping positions outside
// the output. It returns y with shape [N, M, out...].
func convTransposeCore[T num](xs []T, x []int, ws []T, w []int, g ir.Window, group int) ([]T, []int) {
	N, C := x[0], x[1]
	cg, mg := C/group, w[1]
	M := mg * group
	inLen, outLen, kLen := numElems(g.In), numElems(g.Out), numElems(g.Kernel)
	// For each input position, the (output offset, kernel offset) pairs it
	// contributes to.
	scatter := make([][]tap, inLen)
	r := len(g.In)
	outStrides := ir.Strides(g.Out)
	ic, kc := make([]int, r), make([]int, r)
	for i := 0; i < inLen; i++ {
		clear(kc)
		for k := 0; k < kLen; k++ {
			off, ok := 0, true
			for d := 0; d < r; d++ {
				p := ic[d]*g.Strides[d] + kc[d]*g.Dilations[d] - g.PadBegin[d]
				if p < 0 || p >= g.Out[d] {
					ok = false
					break
				}
				off += p * outStrides[d]
			}
			if ok {
				scatter[i] = append(scatter[i], tap{in: off, k: k})
			}
			nextCoord(kc, g.Kernel)
		}
		nextCoord(ic, g.In)
	}
	ys := make([]T, N*M*outLen)
	for b := 0; b < N; b++ {
		for c := 0; c < C; c++ {
			grp := c / cg
			xp := xs[(b*C+c)*inLen : (b*C+c+1)*inLen]
			for mm := 0; mm < mg; mm++ {
				m := grp*mg + mm
				yp := ys[(b*M+m)*outLen : (b*M+m+1)*outLen]
				wp := ws[(c*mg+mm)*kLen : (c*mg+mm+1)*kLen]
				for i, ts := range scatter {
					for _, t := range ts {
						yp[t.in] += xp[i] * wp[t.k]
					}
				}
			}
		}
	}
	return ys, append([]int{N, M}, g.Out...)
}

// addBias adds b[m] to every element of channel m of y [N, M, ...].
func addBias[T num](ys []T, shape []int, b []T) error {
	M := shape[1]
	if len(b) != M {
		return fmt.Errorf("bias B has %d elements, want %d (one per output channel)", len(b), M)
	}
	plane := numElems(shape[2:])
	for i := range ys {
		ys[i] += b[(i/plane)%M]
	}
	return nil
}

func convFloat(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	return convFloatCommon(n, in, false)
}

func convTransposeFloat(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	return convFloatCommon(n, in, true)
}

func convFloatCommon(n *ir.Node, in []ir.Data, transpose bool) ([]ir.Data, error) {
	x, w, b := Tensor(in, 0), Tensor(in, 1), Tensor(in, 2)
	g, err := convLayout(n, x.Shape, w.Shape, transpose)
	if err != nil {
		return nil, err
	}
	group := int(n.Int("group"))
	var ys []float64
	var shape []int
	if transpose {
		ys, shape = convTransposeCore(x.Float64s(), x.Shape, w.Float64s(), w.Shape, g, group)
	} else {
		ys, shape = convCore(x.Float64s(), x.Shape, w.Float64s(), w.Shape, g, group)
	}
	if b != nil {
		if err := addBias(ys, shape, b.Float64s()); err != nil {
			return nil, err
		}
	}
	return Outs(FromFloat64s(x.DType, shape, ys)), nil
}
