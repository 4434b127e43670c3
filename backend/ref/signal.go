package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Fourier-transform kernels. The transform is the plain O(n²) sum, computed
// in float64 with exact twiddle angles (k*n reduced mod n before scaling),
// which is accurate and obviously right; fast backends use an FFT.

func init() {
	Register("DFT", dftKernel)
	Register("STFT", stftKernel)
}

// dft returns the DFT of x (complex, length n): X[k] = Σ x[j] e^(∓2πi kj/n),
// the sign + and a 1/n scale for the inverse. Only the first bins outputs
// are computed.
func dft(x []complex128, bins int, inverse bool) []complex128 {
	n := len(x)
	out := make([]complex128, bins)
	sign := -1.0
	if inverse {
		sign = 1
	}
	for k := range out {
		var acc complex128
		for j, v := range x {
			s, c := math.Sincos(sign * 2 * math.Pi * float64((k*j)%n) / float64(n))
			acc += v * complex(c, s)
		}
		if inverse {
			acc /= complex(float64(n), 0)
		}
		out[k] = acc
	}
	return out
}

// complexAt reads element (outer, pos, inner) of a [..., c] signal whose
// last axis c is 1 (real) or 2 (complex), in a tensor viewed as
// [outer, length, inner, c].
func complexAt(t *ir.Tensor, flat, c int) complex128 {
	if c == 1 {
		return complex(t.Float64At(flat), 0)
	}
	return complex(t.Float64At(flat), t.Float64At(flat+1))
}

func dftKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	r := x.Rank()
	if r < 2 || (x.Shape[r-1] != 1 && x.Shape[r-1] != 2) {
		return nil, fmt.Errorf("input shape %v: want [..., 1] (real) or [..., 2] (complex)", x.Shape)
	}
	axis := int64(-2)
	if t := Tensor(in, 2); t != nil {
		v, err := scalarInt(t, "axis")
		if err != nil {
			return nil, err
		}
		axis = v
	}
	if axis < 0 {
		axis += int64(r)
	}
	if axis < 0 || axis >= int64(r-1) {
		return nil, fmt.Errorf("axis %d out of range for a rank-%d input (the last axis holds the complex parts)", axis, r)
	}
	ax := int(axis)
	length := x.Shape[ax]
	if t := Tensor(in, 1); t != nil {
		v, err := scalarInt(t, "dft_length")
		if err != nil {
			return nil, err
		}
		if v < 1 {
			return nil, fmt.Errorf("dft_length %d must be positive", v)
		}
		length = int(v)
	}
	inverse := n.Int("inverse") != 0
	bins := length
	if n.Int("onesided") != 0 {
		bins = length/2 + 1
	}
	c := x.Shape[r-1]
	outer, inner := prod(x.Shape[:ax]), prod(x.Shape[ax+1:r-1])
	shape := append([]int{}, x.Shape...)
	shape[ax], shape[r-1] = bins, 2
	out := ir.Zeros(x.DType, shape)
	line := make([]complex128, length)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			for j := range line {
				line[j] = 0 // zero padding past the input's length
				if j < x.Shape[ax] {
					line[j] = complexAt(x, ((o*x.Shape[ax]+j)*inner+i)*c, c)
				}
			}
			for k, v := range dft(line, bins, inverse) {
				at := ((o*bins+k)*inner + i) * 2
				out.SetFloat64At(at, real(v))
				out.SetFloat64At(at+1, imag(v))
			}
		}
	}
	return Outs(out), nil
}

// stftKernel frames signal[batch, length, c] every frame_step samples,
// multiplies each frame by the window (when given) and transforms it.
func stftKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if x.Rank() != 3 || (x.Shape[2] != 1 && x.Shape[2] != 2) {
		return nil, fmt.Errorf("signal shape %v: want [batch, length, 1 or 2]", x.Shape)
	}
	step, err := scalarInt(Tensor(in, 1), "frame_step")
	if err != nil {
		return nil, err
	}
	if step < 1 {
		return nil, fmt.Errorf("frame_step %d must be positive", step)
	}
	window := Tensor(in, 2)
	frameLen := -1
	if window != nil {
		if window.Rank() != 1 {
			return nil, fmt.Errorf("window shape %v: want 1-D", window.Shape)
		}
		frameLen = window.Shape[0]
	}
	if t := Tensor(in, 3); t != nil {
		v, err := scalarInt(t, "frame_length")
		if err != nil {
			return nil, err
		}
		if frameLen >= 0 && int(v) != frameLen {
			return nil, fmt.Errorf("frame_length %d differs from the window length %d", v, frameLen)
		}
		frameLen = int(v)
	}
	if frameLen < 1 {
		return nil, fmt.Errorf("STFT needs a window or a positive frame_length")
	}
	batch, length, c := x.Shape[0], x.Shape[1], x.Shape[2]
	if frameLen > length {
		return nil, fmt.Errorf("frame length %d exceeds the signal length %d", frameLen, length)
	}
	frames := 1 + (length-frameLen)/int(step)
	bins := frameLen
	if n.Int("onesided") != 0 {
		bins = frameLen/2 + 1
	}
	out := ir.Zeros(x.DType, []int{batch, frames, bins, 2})
	frame := make([]complex128, frameLen)
	for b := 0; b < batch; b++ {
		for f := 0; f < frames; f++ {
			start := f * int(step)
			for j := range frame {
				v := complexAt(x, (b*length+start+j)*c, c)
				if window != nil {
					v *= complex(window.Float64At(j), 0)
				}
				frame[j] = v
			}
			for k, v := range dft(frame, bins, false) {
				at := ((b*frames+f)*bins + k) * 2
				out.SetFloat64At(at, real(v))
				out.SetFloat64At(at+1, imag(v))
			}
		}
	}
	return Outs(out), nil
}
