package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Window functions and the mel filter bank.

func init() {
	// Each window is a sum of cosines: w[n] = Σ a_k cos(2πkn/N).
	Register("HannWindow", windowKernel([]float64{0.5, -0.5}))
	Register("HammingWindow", windowKernel([]float64{25.0 / 46, -21.0 / 46}))
	Register("BlackmanWindow", windowKernel([]float64{0.42, -0.5, 0.08}))
	Register("MelWeightMatrix", melWeightMatrix)
}

func outputDType(n *ir.Node) (ir.DType, error) {
	dt := ir.DType(n.Int("output_datatype"))
	if !dt.IsNumeric() {
		return 0, fmt.Errorf("output_datatype %s is not numeric", dt)
	}
	return dt, nil
}

// windowKernel builds the kernel of a cosine-sum window. A periodic window
// of size N is the first N points of a symmetric one of size N+1.
func windowKernel(coef []float64) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		size, err := scalarInt(Tensor(in, 0), "size")
		if err != nil {
			return nil, err
		}
		if size < 0 {
			return nil, fmt.Errorf("size %d is negative", size)
		}
		dt, err := outputDType(n)
		if err != nil {
			return nil, err
		}
		period := float64(size)
		if n.Int("periodic") == 0 {
			period = float64(size - 1)
		}
		vals := make([]float64, size)
		for i := range vals {
			for k, a := range coef {
				if k == 0 {
					vals[i] += a
					continue
				}
				vals[i] += a * math.Cos(2*math.Pi*float64(k*i)/period)
			}
		}
		if size == 1 {
			vals[0] = 1 // a one-point window is flat (0/0 above)
		}
		return Outs(FromFloat64s(dt, []int{int(size)}, vals)), nil
	}
}

func hzToMel(hz float64) float64  { return 2595 * math.Log10(1+hz/700) }
func melToHz(mel float64) float64 { return 700 * (math.Pow(10, mel/2595) - 1) }

// melWeightMatrix builds num_mel_bins triangular filters over the
// dft_length/2+1 spectrogram bins. The filter edges are num_mel_bins+2
// points spaced evenly in mel between the edge frequencies (step: mel
// range / (num_mel_bins+2), as ONNX's reference computes it), mapped to
// bin numbers floor((dft_length+1) * hz / sample_rate). Filter i rises
// from edge i to edge i+1 and falls to edge i+2.
func melWeightMatrix(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	mels, err := scalarInt(Tensor(in, 0), "num_mel_bins")
	if err != nil {
		return nil, err
	}
	dftLen, err := scalarInt(Tensor(in, 1), "dft_length")
	if err != nil {
		return nil, err
	}
	rate, err := scalarInt(Tensor(in, 2), "sample_rate")
	if err != nil {
		return nil, err
	}
	if mels < 1 || dftLen < 1 || rate < 1 {
		return nil, fmt.Errorf("num_mel_bins %d, dft_length %d and sample_rate %d must be positive", mels, dftLen, rate)
	}
	lo, hi := Tensor(in, 3), Tensor(in, 4)
	if lo.Len() != 1 || hi.Len() != 1 {
		return nil, fmt.Errorf("lower_edge_hertz and upper_edge_hertz must be scalars")
	}
	loMel, hiMel := hzToMel(lo.Float64At(0)), hzToMel(hi.Float64At(0))
	dt, err := outputDType(n)
	if err != nil {
		return nil, err
	}
	specBins := int(dftLen/2 + 1)
	edges := make([]int, mels+2)
	step := (hiMel - loMel) / float64(len(edges))
	for i := range edges {
		hz := melToHz(float64(i)*step + loMel)
		edges[i] = int(math.Floor(float64(dftLen+1) * hz / float64(rate)))
		if edges[i] < 0 || edges[i] >= specBins+1 {
			return nil, fmt.Errorf("mel edge %d maps to bin %d, outside the %d spectrogram bins", i, edges[i], specBins)
		}
	}
	nm := int(mels)
	w := make([]float64, specBins*nm)
	set := func(bin, i int, v float64) error {
		if bin >= specBins {
			return fmt.Errorf("mel filter %d reaches bin %d, outside the %d spectrogram bins", i, bin, specBins)
		}
		w[bin*nm+i] = v
		return nil
	}
	for i := 0; i < nm; i++ {
		left, center, right := edges[i], edges[i+1], edges[i+2]
		if center == left {
			if err := set(center, i, 1); err != nil {
				return nil, err
			}
		} else {
			for j := left; j <= center; j++ {
				if err := set(j, i, float64(j-left)/float64(center-left)); err != nil {
					return nil, err
				}
			}
		}
		for j := center; j < right; j++ {
			if err := set(j, i, float64(right-j)/float64(right-center)); err != nil {
				return nil, err
			}
		}
	}
	return Outs(FromFloat64s(dt, []int{specBins, nm}, w)), nil
}
