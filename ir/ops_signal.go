package ir

// Signal-processing operators. Complex values are stored as a trailing
// axis of length 2 (real, imaginary); a real signal has a trailing axis of
// length 1.
//
// DFT's canonical form is opset 20's: the axis is input 2 (a scalar,
// default -2), not an attribute. The frontend moves opset-17 DFT's axis
// attribute (default 1) into that input.

func init() {
	window := func(name string, version int, doc string) *OpDef {
		return &OpDef{Name: name, Since: 17, Version: version, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("output_datatype", int64(Float32)), OptInt("periodic", 1)},
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(DType(n.Int("output_datatype")), Shape{Ranked: true, Dims: []Dim{Unknown()}}))
				return nil
			}, NotDifferentiable: true,
			Doc: doc}
	}
	Register(
		&OpDef{Name: "DFT", Since: 17, Version: 20, MinInputs: 1, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("inverse", 0), OptInt("onesided", 0)},
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(n.InType(0).DType, UnrankedShape))
				return nil
			},
			Doc: "the discrete Fourier transform (inverse: scaled by 1/n) of input[..., 1 or 2] along axis, zero-padded or cut to dft_length; onesided keeps the first n/2+1 bins; output [..., 2]"},
		&OpDef{Name: "STFT", Since: 17, Version: 17, MinInputs: 2, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("onesided", 1)},
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(n.InType(0).DType, UnrankedShape))
				return nil
			},
			Doc: "the DFTs of windowed frames of signal[batch, length, 1 or 2], frames frame_step apart: [batch, frames, bins, 2]"},
		window("HannWindow", 17, "the Hann window of length size: 0.5 - 0.5cos(2πn/N), N = size (periodic) or size-1"),
		window("HammingWindow", 17, "the Hamming window of length size: 25/46 - 21/46 cos(2πn/N), N = size (periodic) or size-1"),
		window("BlackmanWindow", 17, "the Blackman window of length size: 0.42 - 0.5cos(2πn/N) + 0.08cos(4πn/N), N = size (periodic) or size-1"),
		&OpDef{Name: "MelWeightMatrix", Since: 17, Version: 17, MinInputs: 5, MaxInputs: 5, MinOutputs: 1, MaxOutputs: 1,
			Attrs: []AttrDef{OptInt("output_datatype", int64(Float32))},
			Infer: func(n *Node) error {
				n.SetOut(0, TensorType(DType(n.Int("output_datatype")), Shape{Ranked: true, Dims: []Dim{Unknown(), Unknown()}}))
				return nil
			}, NotDifferentiable: true,
			Doc: "the [dft_length/2+1, num_mel_bins] matrix of triangular mel filters between lower_edge_hertz and upper_edge_hertz"},
	)
}
